import type { OutgoingRecord, RecordSink } from '../../engine/index.ts';
import type { KafkaPort } from './port.ts';

/**
 * The RecordSink port over a kafkajs producer (or the in-process log's): idempotent, one request
 * in flight (so order per partition holds across retries), acks from all in-sync replicas; one
 * produce call per `send`, grouped by topic. Connected on return.
 */
export async function createKafkajsSink(kafka: KafkaPort): Promise<RecordSink> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return {
    async send(records) {
      const byTopic = new Map<string, Omit<OutgoingRecord, 'topic'>[]>();
      for (const { topic, ...message } of records) {
        const list = byTopic.get(topic);
        if (list) list.push(message);
        else byTopic.set(topic, [message]);
      }
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    },
    disconnect: () => producer.disconnect(),
  };
}
