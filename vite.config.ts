import { copyFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { defineConfig, type Plugin, type UserConfig } from 'vite';

const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/** The worker loads the tfjs WASM binaries from its own folder, so ship them beside it. */
function copyWasmBinaries(): Plugin {
  return {
    name: 'pocketrank-copy-wasm',
    apply: 'build',
    async closeBundle() {
      await Promise.all(WASM_FILES.map((f) => copyFile(`node_modules/@tensorflow/tfjs-backend-wasm/dist/${f}`, `dist/${f}`)));
    },
  };
}

const library = (entry: string, format: 'es' | 'iife', file: string, emptyOutDir: boolean): UserConfig => ({
  build: {
    outDir: 'dist',
    emptyOutDir,
    sourcemap: true,
    minify: true,
    target: 'es2022',
    reportCompressedSize: false,
    lib: { entry, formats: [format], name: 'Pocketrank', fileName: () => file },
  },
});

// One config, five builds: `vite build --mode lib|iife|worker|demo|bench`; `vite --mode demo` serves the demo.
export default defineConfig(({ mode }): UserConfig => {
  switch (mode) {
    case 'lib':
      return library('src/index.ts', 'es', 'pocketrank.js', true);
    case 'iife':
      // A classic script has no import.meta; resolve-worker-url.ts falls back to document.currentScript.
      return { ...library('src/index.ts', 'iife', 'pocketrank.iife.js', false), define: { 'import.meta.url': 'undefined' } };
    case 'worker':
      return { ...library('worker/worker.ts', 'es', 'pocketrank.worker.js', false), plugins: [copyWasmBinaries()] };
    case 'bench':
      // The main-thread baseline that `npm run bench` compares pocketrank against.
      return { build: { outDir: 'bench/dist', emptyOutDir: true, minify: true, target: 'es2022', reportCompressedSize: false, lib: { entry: 'bench/naive-ranker.ts', formats: ['es'], fileName: () => 'naive.js' } } };
    case 'demo':
      return {
        root: '.',
        // The demo runs the built bundle, exactly what a shop would load.
        resolve: { alias: { pocketrank: resolve('dist/pocketrank.js') } },
        server: { port: 5173, strictPort: false, open: '/demo/' },
        build: { outDir: 'dist-demo', emptyOutDir: true, rollupOptions: { input: 'demo/index.html' } },
      };
    default:
      return {
        test: { include: ['test/unit/**/*.test.ts', 'test/server/**/*.test.ts'], environment: 'node', testTimeout: 60_000 },
      } as UserConfig;
  }
});
