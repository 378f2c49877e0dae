/**
 * What relaying a checkpoint pass's outbox costs the processor (issue #19), shard by shard against
 * all shards in one relay (engine/outbox-relay.ts). Each pass commits `rowsPerShard` messages to
 * each of 24 shards' outboxes (as a processor holding 4 actor types × 6 partitions), then relays
 * them with the engine's relay and the engine's Kafka sink:
 *   - `per shard`: one shard's relay after the other, each its own read, produce and delete (how
 *     every shard's relay ran before the relay took queued shards together);
 *   - `together`: every shard asked for at once, as a checkpoint pass asks (the relay takes the
 *     queued shards together).
 * Only the relay is measured (client CPU from process.cpuUsage, wall), modes interleaved pass by
 * pass. Records look like relay records: a reserve message to an SKU inbox.
 *
 *   bun bench/relay-cost.ts [passes=30] [rowsPerShard=40] [rounds=3]   (KAFKA_BROKERS, DATABASE_URL)
 */
import { kafkajsClusterClient } from '../adapters/kafkajs/index.ts';
import { createOutboxRelay } from '../engine/outbox-relay.ts';
import { createTestDatabase } from '../scripts/infra/test-database.ts';
import { createCheckpointStore, migrate, openPool } from '../store/index.ts';

const passes = Number(process.argv[2] ?? 30);
const rowsPerShard = Number(process.argv[3] ?? 40);
const rounds = Number(process.argv[4] ?? 3);
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:39092').split(',');
const SHARDS = ['order', 'sku', 'user', 'recommendations'].flatMap((type) => Array.from({ length: 6 }, (_, p) => `${type}/${p}`));
const topic = `relaycost${Date.now().toString(36)}`;

type Mode = 'per shard' | 'together';
const MODES: Mode[] = ['per shard', 'together'];

const db = await createTestDatabase();
const sql = openPool(db.url, { max: 6 });
await migrate(sql);
const store = createCheckpointStore(sql);
const client = kafkajsClusterClient('relay-cost', brokers);
const admin = await client.admin();
await admin.ensureSourceTopics([topic], 6);
const sink = await client.sink();
const relay = createOutboxRelay(sql, sink);
const epochs = new Map<string, number>();
for (const shard of SHARDS) epochs.set(shard, await store.acquire(shard, 'bench'));

let n = 0;
async function commitPass(): Promise<void> {
  await Promise.all(SHARDS.map((shard) => {
    const outbox = Array.from({ length: rowsPerShard }, () => {
      const i = n++;
      const key = `SKU-${String(i % 1000).padStart(6, '0')}`;
      return { topic, key, value: JSON.stringify({ from: { type: 'order', key: `ORD-${i}` }, msg: { kind: 'reserve', orderId: `ORD-${i}`, sku: key, qty: 1, ts: 1764000000000 + i } }) };
    });
    return store.commit({ shard, epoch: epochs.get(shard)!, offsets: [], states: [], outbox, alerts: [], inboxPositions: [], timersAdded: [], timersRemoved: [] });
  }));
}

async function relayPass(mode: Mode): Promise<{ cpuMs: number; wallMs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  if (mode === 'per shard') for (const shard of SHARDS) await relay.flush(shard);
  else await Promise.all(SHARDS.map((shard) => relay.flush(shard)));
  const cpu = process.cpuUsage(cpu0);
  return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - t0 };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const perRound = new Map<Mode, { cpu: number[]; wall: number[] }>(MODES.map((m) => [m, { cpu: [], wall: [] }]));
for (let round = 1; round <= rounds; round++) {
  const samples = new Map<Mode, { cpu: number[]; wall: number[] }>(MODES.map((m) => [m, { cpu: [], wall: [] }]));
  for (let pass = 0; pass < passes; pass++) {
    for (const mode of pass % 2 === 0 ? MODES : [...MODES].reverse()) {
      await commitPass();
      const s = await relayPass(mode);
      samples.get(mode)!.cpu.push(s.cpuMs);
      samples.get(mode)!.wall.push(s.wallMs);
    }
  }
  for (const mode of MODES) {
    const s = samples.get(mode)!;
    const rows = SHARDS.length * rowsPerShard;
    console.log(`round ${round} ${mode.padEnd(9)}: per pass of ${rows} rows CPU ${median(s.cpu).toFixed(1)} ms (${((median(s.cpu) * 1000) / rows).toFixed(1)} µs/row), wall ${median(s.wall).toFixed(1)} ms`);
    perRound.get(mode)!.cpu.push(median(s.cpu));
    perRound.get(mode)!.wall.push(median(s.wall));
  }
}
console.log(`\n${passes} passes × ${SHARDS.length} shards × ${rowsPerShard} rows, ${rounds} rounds, ${'Bun' in globalThis ? 'Bun' : 'Deno'}: median of the rounds' medians (range)`);
console.log('| relay | client CPU ms per pass | wall ms per pass |\n|---|---|---|');
for (const mode of MODES) {
  const { cpu, wall } = perRound.get(mode)!;
  console.log(`| ${mode} | ${median(cpu).toFixed(1)} (${Math.min(...cpu).toFixed(1)}–${Math.max(...cpu).toFixed(1)}) | ${median(wall).toFixed(1)} (${Math.min(...wall).toFixed(1)}–${Math.max(...wall).toFixed(1)}) |`);
}
await sink.disconnect();
await admin.deleteTopics([topic]).catch(() => {});
await admin.disconnect();
await sql.end({ timeout: 5 });
await db.drop();
process.exit(0);
