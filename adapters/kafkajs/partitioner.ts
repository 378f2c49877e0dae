import { Partitioners } from 'kafkajs';

/**
 * The partition of an entity key, exactly as Kafka's default partitioner places it
 * (murmur2 of the UTF-8 key, made positive, modulo the partition count — the same in the Java
 * client and kafkajs). Every component uses this, so producers, the runtime and the HTTP query
 * router always agree where a key lives.
 *
 * @example partitionOf('u-000042', 6) // → the partition kafkajs would produce 'u-000042' to
 */
export function partitionOf(key: string, partitionCount: number): number {
  if (!Number.isInteger(partitionCount) || partitionCount < 1) {
    throw new RangeError(`partition count must be a positive integer, got ${partitionCount}`);
  }
  let metadata = metadataCache.get(partitionCount);
  if (!metadata) {
    metadata = Array.from({ length: partitionCount }, (_, partitionId) => ({ partitionId, leader: 0 }));
    metadataCache.set(partitionCount, metadata);
  }
  // kafkajs's own partitioner, fed the key only: no hand-written murmur2 to drift from Kafka's.
  return partitioner({ topic: '', partitionMetadata: metadata as never, message: { key, value: null } });
}

const partitioner = Partitioners.DefaultPartitioner();
const metadataCache = new Map<number, { partitionId: number; leader: number }[]>();
