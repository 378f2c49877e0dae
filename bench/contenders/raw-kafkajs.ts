/**
 * Contender "raw kafkajs": a no-op consume loop (eachBatch, count the messages) over the three
 * source topics with a fresh group — the ceiling of the client actorstream uses.
 */
import { Kafka, logLevel } from 'kafkajs';
import { applyKafkajsFixes } from '../../adapters/kafkajs/index.ts';
import { deadline, emit, latencyRecorder, processStartMs, readConfig, sourceTopicList, untilStopped } from './protocol.ts';

const cfg = readConfig();
// The client exactly as actorstream's adapter runs it (without its 1 ms idle loop).
applyKafkajsFixes();
const kafka = new Kafka({ clientId: `${cfg.groupId}-raw`, brokers: cfg.brokers, logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId: cfg.groupId });
const latency = latencyRecorder();
let count = 0;
let firstAtMs = 0;
const timeout = deadline(cfg.timeoutMs, () => `${count}/${cfg.expect} records`);

await consumer.connect();
for (const topic of sourceTopicList(cfg)) await consumer.subscribe({ topic, fromBeginning: true });
let ready = false;
consumer.on(consumer.events.GROUP_JOIN, () => {
  if (!ready) emit({ event: 'ready', atMs: Date.now() });
  ready = true;
});
const done = new Promise<void>((resolve) => {
  void consumer.run({
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      if (firstAtMs === 0) firstAtMs = now;
      for (const m of batch.messages) latency.record(now - Number(m.timestamp));
      count += batch.messages.length;
      if (count >= cfg.expect) resolve();
    },
  });
});
await done;
const at = Date.now();
timeout.clear();
emit({ event: 'done', records: count, startedAtMs: processStartMs(), firstAtMs, processedAtMs: at, durableAtMs: at, latency: { state: latency.summary() } });
await untilStopped();
await consumer.disconnect().catch(() => {});
process.exit(0);
