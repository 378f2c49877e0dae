/**
 * Where does the embedded default's memory go? (issue #17)
 *   bun bench/memory-probe.ts [minutes=6] [rate=2000]
 * Runs the embedded default in this process and every 30 s prints RSS split into the JS heap,
 * external and array-buffer memory, the JS object types that grew most, and PGlite's view of its
 * own data: every relation's size, the WAL directory and the database size.
 */
import { fullGc } from './runtime-info.ts';
import { heapStats } from 'bun:jsc';
import { execFileSync } from 'node:child_process';
import postgres from 'postgres';
import { loadConfig } from '../instance/config.ts';
import { startInstance } from '../instance/start-instance.ts';

const minutes = Number(process.argv[2] ?? 6);
const rate = Number(process.argv[3] ?? 2000);
const port = 19000 + Math.floor(Math.random() * 1000);
// The environment passes through (WORKERS=0 puts the shards' entities on this thread's heap, where
// they are counted; EMBEDDED_DATA_DIR=memory, the passivation knobs); the embedded default is forced.
const { instance: cfg } = loadConfig({ ...process.env, KAFKA_BROKERS: '', DATABASE_URL: '', HTTP_PORT: String(port), GENERATOR_RATE: String(rate) });
const instance = await startInstance(cfg, () => {});
const sql = postgres(`postgres://postgres@127.0.0.1:${pglitePort()}/postgres`, { max: 1, onnotice: () => {} });
let lastTypes: Record<string, number> = {};
const t0 = Date.now();
while (Date.now() - t0 < minutes * 60_000) {
  await new Promise((r) => setTimeout(r, 30_000));
  fullGc();
  const m = process.memoryUsage();
  const mb = (n: number) => (n / 2 ** 20).toFixed(1);
  const jsc = heapStats();
  console.log(`\n== ${((Date.now() - t0) / 1000).toFixed(0)} s: rss ${mb(m.rss)} heapUsed ${mb(m.heapUsed)} external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)} MB; JS objects ${mb(jsc.heapSize)} MB (${jsc.objectCount})`);
  const types = jsc.objectTypeCounts as Record<string, number>;
  const grown = Object.entries(types).map(([k, n]) => [k, n - (lastTypes[k] ?? 0)] as const).sort((a, b) => b[1] - a[1]).slice(0, 8);
  console.log(`   object types grown: ${grown.map(([k, d]) => `${k} +${d} (${types[k]})`).join(', ')}`);
  lastTypes = types;
  console.log(`   pglite: ${await pgliteFacts()}`);
  console.log(`   entities in memory (shard workers): ${JSON.stringify(instance.processor.entitiesInMemory())}`);
}
await sql.end();
await instance.stop();
process.exit(0);

/** The PGlite listener of this process: the embedded default does not expose its URL. */
function pglitePort(): number {
  const listening = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(`pid=${process.pid},`));
  const ports = listening.map((l) => Number(l.split(/\s+/)[3]!.split(':').at(-1))).filter((p) => p !== port);
  return ports[0]!;
}

async function pgliteFacts(): Promise<string> {
  const rels = await sql<{ name: string; mb: number; rows: number }[]>`
    select c.relname as name, pg_total_relation_size(c.oid) / 1048576.0 as mb, c.reltuples::bigint as rows
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind = 'r' order by 2 desc limit 10`;
  const [wal] = await sql<{ mb: number; files: number }[]>`select coalesce(sum(size), 0) / 1048576.0 as mb, count(*)::int as files from pg_ls_waldir()`;
  const [db] = await sql<{ mb: number }[]>`select pg_database_size(current_database()) / 1048576.0 as mb`;
  return `db ${Number(db!.mb).toFixed(1)} MB, wal ${Number(wal!.mb).toFixed(1)} MB (${wal!.files} files); ` +
    rels.map((r) => `${r.name} ${Number(r.mb).toFixed(1)} MB/${r.rows}`).join(', ');
}
