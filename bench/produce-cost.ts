/**
 * What one produced record costs the producing process, per Kafka client, at the batch sizes the
 * outbox relay sends (issue #19: the relay's produce was 17% of the main thread's samples in a Bun
 * profile of the backlog run). Both sinks are the engine's own (idempotent, acks=all, one request
 * in flight); records look like relay records (a ~220-byte JSON message, key, x-origin / x-seq
 * and a trace header). Variants are interleaved round by round.
 *
 *   bun bench/produce-cost.ts [records] [batch] [rounds]     (KAFKA_BROKERS, default 127.0.0.1:39092)
 */
import { kafkajsClusterClient } from '../adapters/kafkajs/index.ts';
import { platformaticLogClient } from '../adapters/platformatic/index.ts';
import type { LogClient, OutgoingRecord } from '../engine/index.ts';

const records = Number(process.argv[2] ?? 60_000);
const batch = Number(process.argv[3] ?? 40);
const rounds = Number(process.argv[4] ?? 3);
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:39092').split(',');
const topic = `producecost${Date.now().toString(36)}`;

function relayLike(i: number): OutgoingRecord {
  const key = `SKU-${String(i % 1000).padStart(6, '0')}`;
  const value = JSON.stringify({ from: { type: 'order', key: `ORD-${i}` }, msg: { kind: 'reserve', orderId: `ORD-${i}`, sku: key, qty: 1 + (i % 3), ts: 1764000000000 + i } });
  return { topic, key, value, headers: { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`, 'x-origin': `order/${i % 6}`, 'x-seq': String(i) } };
}

async function measure(client: LogClient): Promise<{ usPerRecord: number; cpuUsPerRecord: number }> {
  const sink = await client.sink();
  const all = Array.from({ length: records }, (_, i) => relayLike(i));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < all.length; i += batch) await sink.send(all.slice(i, i + batch));
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await sink.disconnect();
  return { usPerRecord: (wall * 1000) / records, cpuUsPerRecord: (cpu.user + cpu.system) / records };
}

const clients: [string, LogClient][] = [
  ['kafkajs', kafkajsClusterClient('produce-cost', brokers)],
  ['platformatic', platformaticLogClient('produce-cost', brokers)],
];
const admin = await clients[0]![1].admin();
await admin.ensureSourceTopics([topic], 6);
const results = new Map<string, { usPerRecord: number; cpuUsPerRecord: number }[]>();
for (let r = 0; r < rounds; r++) {
  for (const [name, client] of r % 2 === 0 ? clients : [...clients].reverse()) {
    const m = await measure(client);
    (results.get(name) ?? results.set(name, []).get(name)!).push(m);
    console.log(`round ${r + 1} ${name}: ${m.cpuUsPerRecord.toFixed(1)} µs CPU / record, ${m.usPerRecord.toFixed(1)} µs wall / record`);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`\n${records} records, ${batch} per send, ${rounds} rounds, ${'Bun' in globalThis ? 'Bun' : 'Deno'}: median (range) CPU µs per record`);
for (const [name, ms] of results) {
  const cpu = ms.map((m) => m.cpuUsPerRecord);
  console.log(`| ${name} | ${median(cpu).toFixed(1)} (${Math.min(...cpu).toFixed(1)}–${Math.max(...cpu).toFixed(1)}) | wall ${median(ms.map((m) => m.usPerRecord)).toFixed(1)} |`);
}
await admin.deleteTopics([topic]).catch(() => {});
await admin.disconnect();
process.exit(0);
