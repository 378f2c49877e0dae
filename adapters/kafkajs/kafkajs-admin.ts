import type { TopicAdmin } from '../../engine/index.ts';
import type { KafkaPort } from './port.ts';
import { ensureTopics } from './topics.ts';

/** The TopicAdmin port over a kafkajs admin client (or the in-process log's). Connected on return. */
export async function createKafkajsAdmin(kafka: KafkaPort): Promise<TopicAdmin> {
  const admin = kafka.admin();
  await admin.connect();
  return {
    ensureTopics: ({ app, actors, partitions, topics, maxFutureMs }) => ensureTopics(admin, app, actors, partitions, topics, maxFutureMs),
    async offsets(topic) {
      return (await admin.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }));
    },
    disconnect: () => admin.disconnect(),
  };
}
