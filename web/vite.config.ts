import { defineConfig } from 'vite';

// The console is plain static files the gateway serves at "/". In development
// (`npm run dev`) API calls go to the gateway named by OPSUITE_HTTP.
const gateway = process.env.OPSUITE_HTTP ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: {
      '/v1': { target: gateway, changeOrigin: true },
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
} as any);
