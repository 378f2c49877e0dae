/**
 * Where the shard worker's module (engine/shard/shard-worker.ts) is, for `new Worker(...)`. From
 * source (Bun or Deno) it is found relative to this file. In a `bun build --compile` executable
 * (scripts/build-binary.ts) every module is bundled into the entry, so `import.meta.url` is the
 * executable itself inside Bun's embedded filesystem (`file:///$bunfs/root/actorstream`,
 * `B:/~BUN/root/…` on Windows), and the worker, compiled as an extra entrypoint, keeps its path
 * from the project root (Bun maps the `.ts` name onto the bundled `.js`). A string check, because
 * no web-standard API tells a bundle from a source tree.
 */
export function shardWorkerUrl(moduleUrl: string = import.meta.url): string {
  const compiled = moduleUrl.startsWith('file:///$bunfs/') || moduleUrl.includes('/~BUN/');
  return new URL(compiled ? './engine/shard/shard-worker.ts' : '../engine/shard/shard-worker.ts', moduleUrl).href;
}
