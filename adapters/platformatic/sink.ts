import { Buffer } from 'node:buffer';
import { ProduceAcks, Producer } from '@platformatic/kafka';
import type { RecordSink } from '../../engine/index.ts';
import type { ClientConfig } from './config.ts';
import { keyPartitioner } from './partitioner.ts';
import { toProduceMessage } from './records.ts';

/**
 * The RecordSink port over a platformatic producer: idempotent (retries reuse their sequence
 * numbers, so the broker drops a batch it already wrote), acks from all in-sync replicas, keys
 * placed by Kafka's murmur2 rule (see partitioner.ts), one produce call per `send`. Sends run one
 * at a time, so order per partition holds across retries, as kafkajs's `maxInFlightRequests: 1`.
 * Connected on return (the idempotent producer id is fetched up front).
 */
export async function createPlatformaticSink(config: ClientConfig): Promise<RecordSink> {
  const producer = new Producer<Buffer, Buffer, Buffer, Buffer>({ ...config, idempotent: true, acks: ProduceAcks.ALL, partitioner: keyPartitioner, autocreateTopics: false });
  try {
    await producer.initIdempotentProducer({});
  } catch (e) {
    await producer.close().catch(() => {});
    throw e;
  }
  let tail: Promise<unknown> = Promise.resolve();
  return {
    send(records) {
      if (records.length === 0) return Promise.resolve();
      const sent = tail.then(() => producer.send({ messages: records.map(toProduceMessage) }));
      tail = sent.catch(() => {});
      return sent.then(() => {});
    },
    async disconnect() {
      await tail;
      await producer.close();
    },
  };
}
