/**
 * Contender "raw @platformatic/kafka": a no-op consume loop (count the messages of the stream)
 * over the three source topics with a fresh group — the ceiling of a faster pure-JS client.
 */
import { Consumer, MessagesStreamModes } from '@platformatic/kafka';
import { deadline, emit, latencyRecorder, processStartMs, readConfig, sourceTopicList, untilStopped } from './protocol.ts';

const cfg = readConfig();
const consumer = new Consumer({ groupId: cfg.groupId, clientId: `${cfg.groupId}-raw`, bootstrapBrokers: cfg.brokers });
const latency = latencyRecorder();
let count = 0;
let firstAtMs = 0;
const timeout = deadline(cfg.timeoutMs, () => `${count}/${cfg.expect} records`);

const stream = await consumer.consume({ topics: sourceTopicList(cfg), mode: MessagesStreamModes.EARLIEST, autocommit: true });
emit({ event: 'ready', atMs: Date.now() });
await new Promise<void>((resolve) => {
  stream.on('data', (m) => {
    const now = Date.now();
    if (firstAtMs === 0) firstAtMs = now;
    latency.record(now - Number(m.timestamp));
    if (++count === cfg.expect) resolve();
  });
});
const at = Date.now();
timeout.clear();
emit({ event: 'done', records: count, startedAtMs: processStartMs(), firstAtMs, processedAtMs: at, durableAtMs: at, latency: { state: latency.summary() } });
await untilStopped();
await stream.close().catch(() => {});
await consumer.close(true).catch(() => {});
process.exit(0);
