import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
      await Promise.all(
        WASM_FILES.map((f) => copyFile(`node_modules/@tensorflow/tfjs-backend-wasm/dist/${f}`, `dist/${f}`)),
      );
    },
  };
}

/** Vite prints the server's root, a blank 404 here: say where the demo shop is. */
function printDemoUrl(): Plugin {
  return {
    name: 'pocketrank-demo-url',
    configureServer(server) {
      server.httpServer?.once('listening', () => {
        const address = server.httpServer!.address();
        const port = typeof address === 'object' && address ? address.port : 5173;
        setTimeout(() => console.log(`\n  pocketrank demo shop: http://localhost:${port}/demo/\n`), 50);
      });
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

// One config, six builds: `vite build --mode lib|iife|loader|worker|demo|bench`; `vite --mode demo` serves the demo.
export default defineConfig(({ mode }): UserConfig => {
  switch (mode) {
    case 'lib':
      return library('src/index.ts', 'es', 'pocketrank.js', true);
    case 'iife':
      // A classic script has no import.meta; resolve-worker-url.ts falls back to document.currentScript.
      return {
        ...library('src/index.ts', 'iife', 'pocketrank.iife.js', false),
        define: { 'import.meta.url': 'undefined' },
      };
    case 'loader': {
      // Pins the SDK bundle it loads by hash, so an integrity attribute on the loader covers the SDK too.
      const sdk = 'pocketrank.iife.js';
      const integrity = `sha384-${createHash('sha384')
        .update(readFileSync(`dist/${sdk}`))
        .digest('base64')}`;
      return {
        ...library('src/loader.ts', 'iife', 'pocketrank.loader.js', false),
        define: { __SDK_FILE__: JSON.stringify(sdk), __SDK_INTEGRITY__: JSON.stringify(integrity) },
      };
    }
    case 'worker': {
      // The GPU and pure-JS backends are dynamic imports: separate chunks beside the worker,
      // resolved against its URL (so a CDN-hosted worker fetches them from the CDN too).
      const config = library('worker/worker.ts', 'es', 'pocketrank.worker.js', false);
      const chunkFileNames = (chunk: { facadeModuleId?: string | null }) =>
        `pocketrank.${/tfjs-backend-(webgpu|webgl|cpu)/.exec(chunk.facadeModuleId ?? '')?.[1] ?? 'shared'}-[hash].js`;
      // allow-extension: chunks import shared code from the worker file itself, not through a facade.
      return {
        ...config,
        build: {
          ...config.build,
          rollupOptions: { preserveEntrySignatures: 'allow-extension', output: { chunkFileNames } },
        },
        plugins: [copyWasmBinaries()],
      };
    }
    case 'bench':
      // The main-thread baseline that `npm run bench` compares pocketrank against.
      return {
        build: {
          outDir: 'bench/dist',
          emptyOutDir: true,
          minify: true,
          target: 'es2022',
          reportCompressedSize: false,
          lib: { entry: 'bench/naive-ranker.ts', formats: ['es'], fileName: () => 'naive.js' },
        },
      };
    case 'demo':
      return {
        root: '.',
        plugins: [printDemoUrl()],
        // The demo runs the built bundle, exactly what a shop would load.
        resolve: { alias: { pocketrank: resolve('dist/pocketrank.js') } },
        server: { port: 5173, strictPort: false, open: '/demo/' },
        build: { outDir: 'dist-demo', emptyOutDir: true, rollupOptions: { input: 'demo/index.html' } },
      };
    default:
      return {
        test: {
          include: ['test/unit/**/*.test.ts', 'test/server/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
        },
      } as UserConfig;
  }
});
