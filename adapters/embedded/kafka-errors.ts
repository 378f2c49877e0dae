import * as kafkajs from 'kafkajs';
import type { KafkaJSError as KafkaError, KafkaJSNonRetriableError as NonRetriable, KafkaJSProtocolError as ProtocolError } from 'kafkajs';

// kafkajs (CommonJS) adds its error classes with `...errors`, which Deno's static scan of CJS
// exports does not see: there they are only on the default export (module.exports). Bun sees both.
const lib: typeof kafkajs = 'KafkaJSProtocolError' in kafkajs && kafkajs.KafkaJSProtocolError
  ? kafkajs
  : (kafkajs as unknown as { default: typeof kafkajs }).default;

/**
 * The errors the in-process log throws, as kafkajs's own classes with the broker's error codes, so
 * code that inspects `e.type` / `e.name` (retry policies, "topic missing" checks) behaves the same
 * on the embedded log as on a real cluster.
 */

/** A topic that does not exist (the log never auto-creates topics, like a broker with auto-create off). */
export function unknownTopic(topic: string): ProtocolError {
  return protocolError('UNKNOWN_TOPIC_OR_PARTITION', 3, true, `This server does not host this topic-partition (topic ${topic})`);
}

export function unknownPartition(topic: string, partition: number): ProtocolError {
  return protocolError('UNKNOWN_TOPIC_OR_PARTITION', 3, true, `This server does not host this topic-partition (${topic}/${partition})`);
}

export function invalidPartitions(topic: string, count: number): ProtocolError {
  return protocolError('INVALID_PARTITIONS', 37, false, `Number of partitions is invalid (topic ${topic}: ${count})`);
}

/** kafkajs throws this from seek/pause/resume/commitOffsets before `run` (and after `stop`). */
export function groupNotInitialized(): NonRetriable {
  return new lib.KafkaJSNonRetriableError('Consumer group was not initialized, consumer#run must be called first');
}

export function invalidArgument(message: string): NonRetriable {
  return new lib.KafkaJSNonRetriableError(message);
}

export function producerDisconnected(): KafkaError {
  return new lib.KafkaJSError('The producer is disconnected');
}

function protocolError(type: string, code: number, retriable: boolean, message: string): ProtocolError {
  // kafkajs builds these from a plain `{ type, code, retriable, message }` record.
  return new lib.KafkaJSProtocolError(Object.assign(new Error(message), { type, code, retriable }));
}
