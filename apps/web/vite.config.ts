import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// No plugin needed: esbuild compiles Preact's JSX; the output is plain files served by `leakproof server`
// under a CSP without 'unsafe-inline' for scripts, so Vite's module preload polyfill (an inline script) is off.
export default defineConfig({
  root,
  base: '/',
  logLevel: 'warn',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 400,
    rollupOptions: {
      // zod's sources carry comments Rollup cannot place; harmless, and noise on every first start
      onwarn(warning, warn) {
        if (warning.code !== 'INVALID_ANNOTATION') warn(warning);
      },
    },
  },
});
