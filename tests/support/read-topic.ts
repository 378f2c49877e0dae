import type { KafkaPort } from '../../adapters/kafkajs/port.ts';

export interface ReadRecord {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * Every record of a topic, from the beginning, read with a throwaway consumer group (a real
 * broker or the in-process log alike).
 */
export async function readTopic(kafka: KafkaPort, topic: string, groupPrefix: string): Promise<ReadRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = (await admin.listTopics()).includes(topic) ? await admin.fetchTopicOffsets(topic) : [];
  await admin.disconnect();
  const total = ends.reduce((n, o) => n + Number(o.high), 0);
  const out: ReadRecord[] = [];
  if (total === 0) return out;
  const consumer = kafka.consumer({ groupId: `${groupPrefix}reader-${Math.random().toString(36).slice(2)}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = String(v);
          out.push({ key: m.key?.toString() ?? '', value: m.value?.toString() ?? '', headers });
        }
        if (out.length >= total) resolve();
      },
    });
  });
  await consumer.disconnect();
  return out;
}
