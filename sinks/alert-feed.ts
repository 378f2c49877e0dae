import type { ConsumerPort, KafkaPort } from '../adapters/kafkajs/port.ts';
import type { Alert } from '../schemas/index.ts';

/**
 * Live alerts for this instance's SSE clients, read from the `alerts` topic (where the outbox relay
 * publishes every committed alert of every instance), so a client sees the whole cluster's alerts
 * wherever it connects. Each instance reads with its own consumer group from the log end; the last
 * `capacity` alerts stay in memory for reconnects (`Last-Event-ID`). The relay is at-least-once
 * towards Kafka (a crash between publish and delete republishes), so alerts are deduplicated by
 * their deterministic id.
 */
export interface AlertFeed {
  subscribe(listener: (alert: Alert) => void): () => void;
  /** Alerts after the one with `id`, oldest first; undefined when `id` is no longer buffered. */
  since(id: string): Alert[] | undefined;
  stop(): Promise<void>;
}

export async function startAlertFeed(kafka: KafkaPort, opts: { topic: string; groupId: string; capacity?: number; log?: (l: string) => void }): Promise<AlertFeed> {
  const capacity = opts.capacity ?? 1000;
  const buffer: Alert[] = [];
  const ids = new Set<string>();
  const listeners = new Set<(a: Alert) => void>();
  const consumer: ConsumerPort = kafka.consumer({ groupId: opts.groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  await consumer.connect();
  await consumer.subscribe({ topic: opts.topic, fromBeginning: false });
  await consumer.run({
    eachBatch: async ({ batch, resolveOffset }) => {
      for (const m of batch.messages) {
        resolveOffset(m.offset);
        let alert: Alert;
        try {
          alert = JSON.parse(m.value?.toString() ?? '') as Alert;
        } catch {
          opts.log?.(`alert feed: skipped an undecodable record at ${batch.topic}:${batch.partition}@${m.offset}`);
          continue;
        }
        if (typeof alert?.id !== 'string' || ids.has(alert.id)) continue;
        ids.add(alert.id);
        buffer.push(alert);
        if (buffer.length > capacity) ids.delete(buffer.shift()!.id);
        for (const l of listeners) l(alert);
      }
    },
  });
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    since(id) {
      const i = buffer.findIndex((a) => a.id === id);
      return i < 0 ? undefined : buffer.slice(i + 1);
    },
    async stop() {
      listeners.clear();
      await consumer.disconnect();
    },
  };
}
