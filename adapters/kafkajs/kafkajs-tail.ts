import type { Tail, TailOptions, TailRecord } from '../../engine/index.ts';
import type { KafkaPort } from './port.ts';

/**
 * A tail over a kafkajs consumer: its own consumer group (the given one, which keeps the position
 * across restarts, or a throwaway one), auto-committed, so it never joins the engine's group.
 */
export async function createKafkajsTail(
  kafka: KafkaPort,
  topic: string,
  opts: TailOptions,
  onRecords: (records: TailRecord[]) => void | Promise<void>,
): Promise<Tail> {
  const start = typeof opts.from === 'object' ? opts.from : undefined;
  if (start && opts.groupId !== undefined) throw new Error('a tail from an offset keeps no group position: drop groupId');
  const groupId = opts.groupId ?? `actorstream-tail-${crypto.randomUUID()}`;
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: opts.from === 'beginning' });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        // From an offset: only that partition (the others start at their end and are skipped).
        if (start && batch.partition !== start.partition) return;
        await onRecords(
          batch.messages.map((m) => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
            key: m.key?.toString() ?? null,
            value: m.value?.toString() ?? null,
            headers: textHeaders(m.headers),
            timestamp: Number(m.timestamp),
          })),
        );
      },
    });
    // kafkajs seeks only once run() has started; the fetch for that partition starts there.
    if (start) consumer.seek({ topic, partition: start.partition, offset: String(start.offset) });
  } catch (e) {
    await consumer.disconnect().catch(() => {});
    throw e;
  }
  return { stop: () => consumer.disconnect() };
}

function textHeaders(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) if (value !== undefined) out[name] = String(value);
  return out;
}
