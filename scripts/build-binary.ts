/**
 * `npm run build`: the single `actorstream` executable (dist/actorstream) — Bun runtime, every
 * module, the shard worker, the dashboard and embedded Postgres in one file, so a host needs
 * nothing installed to run `actorstream run` (embedded default) or join a Kafka + Postgres cluster.
 *
 *   bun scripts/build-binary.ts [--outfile dist/actorstream] [--target bun-linux-arm64] [--sourcemap]
 *
 * Why each piece is listed:
 * - engine/shard/shard-worker.ts is a Web Worker entry: Bun only puts a worker in an executable
 *   when it is an entrypoint of the compile. `--root .` keeps its path from the project root
 *   (engine/shard/…), which is where engine/shard/worker-pool.ts looks for it in a binary.
 * - PGlite loads pglite.wasm, initdb.wasm and pglite.data with `new URL('./x', import.meta.url)`;
 *   inside the executable that is the embedded root, so they are embedded there with `--asset`.
 * - The dashboard needs nothing: dashboard/assets.ts holds its files as strings.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';

export const ENTRYPOINTS = ['cli/main.ts', 'engine/shard/shard-worker.ts'] as const;
const PGLITE_DIST = 'node_modules/@electric-sql/pglite/dist';
export const ASSETS = ['pglite.wasm', 'initdb.wasm', 'pglite.data'].map((f) => `${PGLITE_DIST}/${f}`);

let values: { outfile?: string; target?: string; sourcemap?: boolean };
try {
  ({ values } = parseArgs({
    options: { outfile: { type: 'string', default: 'dist/actorstream' }, target: { type: 'string' }, sourcemap: { type: 'boolean', default: false } },
    strict: true,
  }));
} catch (e) {
  console.error(`build-binary: ${(e as Error).message}\nusage: bun scripts/build-binary.ts [--outfile dist/actorstream] [--target bun-linux-arm64] [--sourcemap]`);
  process.exit(2);
}
const outfile = values.outfile!;

for (const f of [...ENTRYPOINTS, ...ASSETS]) {
  if (!existsSync(f)) fail(`${f} is missing; run from the repository root after npm ci`);
}
mkdirSync(dirname(outfile), { recursive: true });
const args = [
  'build', '--compile', '--minify', '--root', '.',
  ...ENTRYPOINTS,
  ...ASSETS.flatMap((a) => ['--asset', a]),
  ...(values.target ? ['--target', values.target] : []),
  // Stack traces that name source files and lines, for a little more size.
  ...(values.sourcemap ? ['--sourcemap'] : []),
  '--outfile', outfile,
];
const started = performance.now();
// The Bun running this script does the compile, so the executable embeds that same Bun version.
const bun = process.versions.bun ? process.execPath : 'node_modules/.bin/bun';
const r = spawnSync(bun, args, { stdio: 'inherit' });
if (r.status !== 0) fail(`bun build exited with ${r.status ?? r.signal}`);
const mb = statSync(outfile).size / 1024 / 1024;
console.log(`built ${outfile} (${mb.toFixed(1)} MiB) in ${((performance.now() - started) / 1000).toFixed(1)}s`);

function fail(message: string): never {
  console.error(`build-binary: ${message}`);
  process.exit(1);
}
