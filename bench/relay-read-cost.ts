/**
 * What a relay's read of pending outbox rows costs (issue #19), the client's CPU and the Postgres
 * backend's, per read of ~10,000 rows spread over 18 shards (the relay's batch):
 * - `contents`: the read before session 49, every pending row with its topic, key, value and
 *   headers (the statement is kept here only as the baseline);
 * - `seqs, read back`: store/outbox.ts `readPendingOutbox` with nothing kept in memory (rows
 *   another incarnation committed): the pending seqs, then their contents by primary key;
 * - `seqs, from memory`: the same with the rows this process committed (store/committed-outbox.ts),
 *   as the processor runs it.
 *   bun bench/relay-read-cost.ts [rows=40000] [rounds=5]
 * A fresh database on DATABASE_URL's server (or 127.0.0.1:5432); the table is vacuumed before the
 * reads, so the index scans meet no dead rows (a live outbox has some). Medians and ranges.
 */
import { createTestDatabase } from '../scripts/infra/test-database.ts';
import { createCheckpointStore } from '../store/checkpoint-store.ts';
import { CommittedOutbox } from '../store/committed-outbox.ts';
import { migrate } from '../store/migrations.ts';
import { readPendingOutbox } from '../store/outbox.ts';
import { openPool, type Sql } from '../store/pool.ts';
import { cpuSeconds } from './harness/proc.ts';

const total = Number(process.argv[2] ?? 40_000);
const rounds = Number(process.argv[3] ?? 5);
const SHARDS = ['order', 'user', 'sku'].flatMap((type) => Array.from({ length: 6 }, (_, p) => `${type}/${p}`));
const PER_SHARD = Math.ceil(10_000 / SHARDS.length);
const READS_PER_SAMPLE = 10;

/** A message between actors as the order actor sends one (~250 characters). */
const message = (i: number) => JSON.stringify({ kind: 'reserve', orderId: `o-${String(i).padStart(7, '0')}`, sku: `sku-${String(i % 1000).padStart(4, '0')}`, qty: 1 + (i % 3), userId: `u-${String(i % 20000).padStart(6, '0')}`, at: 1_733_480_000_000 + i, price: 1999, reason: 'checkout' });

async function fill(sql: Sql, committed: CommittedOutbox): Promise<void> {
  const store = createCheckpointStore(sql, { committedOutbox: committed });
  const perCommit = 500;
  for (const shard of SHARDS) {
    const epoch = await store.acquire(shard, 'bench');
    for (let i = 0; i < total / SHARDS.length; i += perCommit) {
      const outbox = Array.from({ length: perCommit }, (_, n) => ({ topic: 'bench.sku.inbox', key: `sku-${(i + n) % 1000}`, value: message(i + n) }));
      await store.commit({ shard, epoch, offsets: [], states: [], outbox, alerts: [], inboxPositions: [], timersAdded: [], timersRemoved: [] });
    }
  }
  await sql`vacuum analyze outbox`;
}

/** The relay's read before session 49: rows with their contents. Baseline only. */
async function readContents(sql: Sql): Promise<number> {
  const rows = await sql`select s.shard, o.seq, o.topic, o.key, o.value, o.headers, so.epoch as owner_epoch
    from unnest(${SHARDS}::text[], ${SHARDS.map(() => 0)}::bigint[]) with ordinality as s(shard, after, n)
    cross join lateral (select seq, topic, key, value, headers from outbox
      where outbox.shard = s.shard and outbox.seq > s.after order by seq limit ${PER_SHARD}) o
    left join shard_owners so on so.shard = s.shard
    order by s.n, o.seq`;
  return rows.length;
}

async function main(): Promise<void> {
  const db = await createTestDatabase();
  const sql = openPool(db.url, { max: 1 });
  try {
    await migrate(sql);
    const committed = new CommittedOutbox(Number.POSITIVE_INFINITY);
    await fill(sql, committed);
    const [backend] = await sql`select pg_backend_pid() as pid`;
    const pid = Number(backend!.pid);
    const variants: [string, () => Promise<number>][] = [
      ['contents', () => readContents(sql)],
      ['seqs, read back', async () => (await readPendingOutbox(sql, SHARDS, PER_SHARD)).rows.length],
      ['seqs, from memory', async () => (await readPendingOutbox(sql, SHARDS, PER_SHARD, undefined, committed)).rows.length],
    ];
    for (const [, read] of variants) await read();
    const samples = new Map<string, { client: number[]; server: number[]; rows: number }>();
    for (let round = 0; round < rounds; round++) {
      for (const [name, read] of round % 2 === 0 ? variants : [...variants].reverse()) {
        const cpu0 = process.cpuUsage();
        const server0 = backendCpuMs(pid);
        let rows = 0;
        for (let i = 0; i < READS_PER_SAMPLE; i++) rows = await read();
        const cpu = process.cpuUsage(cpu0);
        const s = samples.get(name) ?? { client: [], server: [], rows };
        s.client.push((cpu.user + cpu.system) / 1000 / READS_PER_SAMPLE);
        s.server.push((backendCpuMs(pid) - server0) / READS_PER_SAMPLE);
        samples.set(name, s);
      }
    }
    console.log(`relay read of ${PER_SHARD} rows from each of ${SHARDS.length} shards (${total.toLocaleString('en-US')} pending), ${rounds} rounds of ${READS_PER_SAMPLE} reads:`);
    for (const [name, s] of samples) {
      console.log(`  ${name.padEnd(18)} ${s.rows.toLocaleString('en-US')} rows · client CPU ${fmt(s.client)} ms · Postgres backend CPU ${fmt(s.server)} ms per read`);
    }
  } finally {
    await sql.end({ timeout: 5 });
    await db.drop();
  }
}

/** The backend's user + system CPU so far, in ms (bench/harness/proc.ts reads /proc). */
function backendCpuMs(pid: number): number {
  return (cpuSeconds(pid) ?? 0) * 1000;
}

function fmt(xs: number[]): string {
  const sorted = [...xs].sort((a, b) => a - b);
  return `${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} (${sorted[0]!.toFixed(1)}–${sorted.at(-1)!.toFixed(1)})`;
}

await main();
