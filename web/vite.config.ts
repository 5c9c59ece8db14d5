// Builds the console into static files under `base` /ui/. Hashed files go to assets/ (served
// with an immutable cache header); nothing is inlined, so the strict Content-Security-Policy
// (no inline scripts or styles) holds. JSX is compiled by esbuild for Preact.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/ui/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    cssCodeSplit: false,
    sourcemap: false,
    target: 'es2022',
  },
});
