/**
 * The house rule, as code: which top-level folder may import which. Ground floor first
 * (`models/`, `protocol/`, `contract/`), then the three runtimes side by side (`src/` page,
 * `worker/` Web Worker, `server/` Node), then what drives them (`experiments/`, `bench/`,
 * `demo/`). Read by the layout test in `npm test`; `tsx scripts/import-graph.ts` prints every
 * violation in the working tree.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import typescript from 'typescript';

/** Folders each folder may import from (besides itself and npm packages). */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  models: [],
  protocol: [],
  contract: ['protocol'],
  src: ['contract', 'protocol'],
  worker: ['contract', 'protocol', 'models'],
  server: ['protocol', 'models'],
  experiments: ['models', 'protocol', 'contract', 'worker', 'server'],
  bench: ['models', 'protocol', 'contract', 'src', 'worker', 'server', 'scripts'],
  demo: ['contract', 'src'],
  examples: ['protocol'],
  scripts: [],
};

/** One import of one file: what it names and, for a file of this tree, the file it resolves to. */
export interface ImportEdge {
  from: string;
  specifier: string;
  /** Repository-relative path of the imported file; undefined for a package. */
  to?: string;
}

const SOURCE = /\.(ts|js)$/;

function sourceFiles(root: string, folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!['node_modules', 'dist', 'generated', 'results'].includes(entry.name)) walk(path);
      } else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
    }
  };
  walk(folder);
  return out;
}

/** Every import (static, dynamic, re-export) of every source file under `folders`. */
export function importGraph(root: string, folders: readonly string[] = Object.keys(ALLOWED)): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of folders.flatMap((f) => sourceFiles(root, f))) {
    const { importedFiles } = typescript.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true);
    for (const { fileName: specifier } of importedFiles) {
      if (!specifier.startsWith('.')) {
        edges.push({ from: file, specifier });
        continue;
      }
      const path = normalize(join(dirname(file), specifier));
      const ts = path.replace(/\.js$/, '.ts');
      edges.push({ from: file, specifier, to: existsSync(join(root, ts)) ? ts : path });
    }
  }
  return edges;
}

const folderOf = (path: string): string => path.split(/[\\/]/)[0]!;

/** Imports that climb the house: from a folder into one its rule does not allow. */
export function layoutViolations(edges: readonly ImportEdge[]): string[] {
  return edges
    .filter((e) => e.to !== undefined && folderOf(e.to) !== folderOf(e.from))
    .filter((e) => !(ALLOWED[folderOf(e.from)] ?? []).includes(folderOf(e.to!)))
    .map(
      (e) =>
        `${e.from} imports ${e.to} (${folderOf(e.from)}/ may import ${ALLOWED[folderOf(e.from)]?.join(', ') || 'no other folder'})`,
    );
}

/**
 * Package imports reachable from `entries` that match `forbidden`, with the chain of files that
 * reaches each: what a bundle built from those entries would pull in.
 */
export function reachableImports(
  edges: readonly ImportEdge[],
  entries: readonly string[],
  forbidden: RegExp,
): string[] {
  const byFile = new Map<string, ImportEdge[]>();
  for (const e of edges) byFile.set(e.from, [...(byFile.get(e.from) ?? []), e]);
  const found: string[] = [];
  const seen = new Set<string>();
  const visit = (file: string, chain: string[]): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const e of byFile.get(file) ?? []) {
      if (e.to) visit(e.to, [...chain, e.to]);
      else if (forbidden.test(e.specifier)) found.push(`${[...chain].join(' -> ')} imports ${e.specifier}`);
    }
  };
  for (const entry of entries) visit(entry, [entry]);
  return found;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const violations = layoutViolations(importGraph('.'));
  for (const v of violations) console.log(v);
  console.log(
    violations.length === 0 ? 'every import points down the house' : `${violations.length} import(s) climb the house`,
  );
  process.exitCode = violations.length === 0 ? 0 : 1;
}
