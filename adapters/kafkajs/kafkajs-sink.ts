import type { Message } from 'kafkajs';
import type { OutgoingRecord, RecordSink } from '../../engine/index.ts';
import { keyPartitioner } from './partitioner.ts';
import type { KafkaPort } from './port.ts';

/**
 * The RecordSink port over a kafkajs producer: idempotent, one request
 * in flight (so order per partition holds across retries), acks from all in-sync replicas; one
 * produce call per `send`, grouped by topic; keys placed by `partitionOf`. Connected on return.
 */
export async function createKafkajsSink(kafka: KafkaPort): Promise<RecordSink> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: keyPartitioner });
  await producer.connect();
  return {
    async send(records) {
      const byTopic = new Map<string, Message[]>();
      for (const r of records) {
        const list = byTopic.get(r.topic);
        if (list) list.push(toMessage(r));
        else byTopic.set(r.topic, [toMessage(r)]);
      }
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    },
    disconnect: () => producer.disconnect(),
  };
}

function toMessage(r: OutgoingRecord): Message {
  const value = typeof r.value === 'string' ? r.value : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
  return { key: r.key, value, ...(r.headers ? { headers: r.headers } : {}), ...(r.timestamp !== undefined ? { timestamp: String(r.timestamp) } : {}) };
}
