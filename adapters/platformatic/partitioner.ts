import { Buffer } from 'node:buffer';
import { compatibilityPartitioner } from '@platformatic/kafka';

/**
 * The partition of an entity key, as Kafka's Java client (and kafkajs) place it: murmur2 of the
 * UTF-8 key, masked positive (`& 0x7fffffff`), modulo the partition count. The sink writes with the
 * same `keyPartitioner`, so queries, producers and the runtime agree where a key lives.
 *
 * platformatic's *default* partitioner is `murmur2(key) >>> 0` (unsigned, not masked): for every key
 * whose hash is negative it picks another partition than Java and kafkajs (e.g. '21' on 6
 * partitions: 2 instead of 0), which would split an entity's events between two shards. Its
 * `compatibilityPartitioner` is the Java rule.
 *
 * @example partitionOf('u-000042', 6) // → the partition every Kafka producer puts 'u-000042' on
 */
export function partitionOf(key: string, partitionCount: number): number {
  if (!Number.isInteger(partitionCount) || partitionCount < 1) {
    throw new RangeError(`partition count must be a positive integer, got ${partitionCount}`);
  }
  return keyPartitioner(undefined as never, Buffer.from(key, 'utf8')) % partitionCount;
}

/** The producer's partitioner: the producer takes its result modulo the topic's partition count. */
export const keyPartitioner = compatibilityPartitioner;
