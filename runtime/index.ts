/**
 * Public API of runtime/: the host adapter — the only code that knows which JavaScript runtime it
 * runs on (Bun, Deno, or a Bun-compiled executable): binding the HTTP server and finding the shard
 * worker's module. Everything else is written against web standards and runs on either.
 */
export { DEFAULT_HOSTNAME, pathIn, serve, type Served, type ServeOptions } from './serve.ts';
export { shardWorkerUrl } from './shard-worker-url.ts';
