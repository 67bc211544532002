import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// In development, /api goes to your presign server (see README), so the page and the endpoint share
// an origin and the endpoint needs no CORS. The bucket's CORS must still allow this page's origin.
export default defineConfig({
  plugins: [react()],
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: { '/api': process.env.PRESIGN_SERVER ?? 'http://127.0.0.1:3000' },
  },
});
