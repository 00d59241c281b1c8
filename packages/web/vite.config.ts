import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The dashboard builds into static files (dist/) that the commander serves on its own port.
// Workspace packages resolve to their TypeScript sources, as in the tests.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  resolve: { conditions: ['source', 'browser', 'module', 'import', 'default'] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1024,
    sourcemap: false,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
