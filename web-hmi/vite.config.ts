// Vite + SvelteKit 3 configuration (SvelteKit 3 reads its options here; svelte.config.js is gone).
// adapter-node: `node build/index.js` serves the HMI; PORT, HOST and ORIGIN come from the environment.
// precompress: every asset is also written as .gz and .br, and served compressed to browsers that accept it.
import adapter from '@sveltejs/adapter-node';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [sveltekit({ adapter: adapter({ out: 'build', precompress: true }) })],
  // gRPC clients (@industrial/grpc) load CommonJS packages that find files next to themselves
  // (__dirname): they stay in node_modules instead of being bundled.
  ssr: { external: ['@grpc/grpc-js', 'grpc-health-check', '@grpc/proto-loader', 'protobufjs', 'fastify', 'pino', '@opentelemetry/api'] },
  server: { host: '127.0.0.1', port: 5173, strictPort: false },
});
