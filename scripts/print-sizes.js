// Prints raw, gzip and brotli sizes of every built file and writes them to dist/sizes.json.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dir = 'dist';
const files = (await readdir(dir)).filter((f) => /\.(js|wasm)$/.test(f)).sort();
const rows = [];
for (const file of files) {
  const data = await readFile(`${dir}/${file}`);
  rows.push({
    file,
    raw: data.length,
    gzip: gzipSync(data, { level: 9 }).length,
    integrity: `sha384-${createHash('sha384').update(data).digest('base64')}`,
    brotli: brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  });
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`.padStart(10);
console.log(`\n${'file'.padEnd(40)}${'raw'.padStart(10)}${'gzip'.padStart(10)}${'brotli'.padStart(10)}`);
for (const r of rows) console.log(`${r.file.padEnd(40)}${kb(r.raw)}${kb(r.gzip)}${kb(r.brotli)}`);
await writeFile(`${dir}/sizes.json`, JSON.stringify(rows, null, 2));
// The script tag a shop pastes must stay small: the build fails past 5 KB brotli.
const loader = rows.find((r) => r.file === 'pocketrank.loader.js');
if (loader && loader.brotli > 5 * 1024) {
  console.error(`pocketrank.loader.js is ${loader.brotli} bytes brotli; the limit is 5120`);
  process.exit(1);
}
