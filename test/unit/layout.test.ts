// The house rule (scripts/import-graph.ts): imports point one way, the page never pulls in
// tfjs, nothing the browser loads pulls in Node, and the server's TypeScript project has no DOM.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { importGraph, layoutViolations, reachableImports } from '../../scripts/import-graph.js';

const root = resolve(__dirname, '../..');
const graph = importGraph(root);

describe('layout', () => {
  it('every import points down the house, and none climbs back', () => {
    expect(graph.length).toBeGreaterThan(300);
    expect(layoutViolations(graph)).toEqual([]);
  });

  it('reports an import that climbs, with the folder rule it breaks', () => {
    const climbing = [{ from: 'worker/engine.ts', specifier: '../src/types.js', to: 'src/types.ts' }];
    expect(layoutViolations(climbing)).toEqual([
      'worker/engine.ts imports src/types.ts (worker/ may import contract, protocol, models)',
    ]);
    expect(layoutViolations([{ from: 'models/a.ts', specifier: '../server/b.js', to: 'server/b.ts' }])[0]).toMatch(
      /no other folder/,
    );
  });

  it('the page bundle never reaches tfjs, and no browser bundle reaches a Node module', () => {
    const page = ['src/index.ts', 'src/loader.ts'];
    expect(reachableImports(graph, page, /^@tensorflow\//)).toEqual([]);
    expect(reachableImports(graph, [...page, 'worker/worker.ts'], /^node:|^(fs|path|crypto|child_process)$/)).toEqual(
      [],
    );
    // The worker does reach tfjs: the check follows the graph, not a list of files.
    expect(reachableImports(graph, ['worker/worker.ts'], /^@tensorflow\//).length).toBeGreaterThan(0);
  });

  it("the server's TypeScript project has no DOM: a DOM-only global in a server file fails to compile", () => {
    const config = ts.getParsedCommandLineOfConfigFile(
      join(root, 'server/tsconfig.json'),
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
    )!;
    expect(config.options.lib?.some((l) => /dom/i.test(l))).toBe(false);
    const probe = join(mkdtempSync(join(tmpdir(), 'pocketrank-layout-')), 'probe.ts');
    writeFileSync(probe, 'export const title: string = document.title;\nexport const w = window.innerWidth;\n');
    const options = { ...config.options, composite: false, incremental: false, noEmit: true, rootDir: undefined };
    const program = ts.createProgram([...config.fileNames, probe], options);
    const unknownNames = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.code === 2304 || d.code === 2584)
      .map((d) => `${d.file?.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    // protocol/ is shared with the browser and typed with its libs; the rule is for server files.
    expect(unknownNames.filter((d) => d.startsWith(join(root, 'server/')))).toEqual([]);
    expect(unknownNames.filter((d) => d.startsWith(probe)).join('\n')).toMatch(/'document'[\s\S]*'window'/);
  });

  it('no line of a tracked .ts or .js file is over 160 characters (prettier wraps at 120)', () => {
    const files = execFileSync('git', ['ls-files', '*.ts', '*.js'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    expect(files.length).toBeGreaterThan(100);
    const long = files.flatMap((f) =>
      readFileSync(join(root, f), 'utf8')
        .split('\n')
        .flatMap((line, i) => (line.length > 160 ? [`${f}:${i + 1} (${line.length})`] : [])),
    );
    expect(long).toEqual([]);
  });
});
