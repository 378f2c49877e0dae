import murmurhash from 'murmurhash';
import { Partitioners, type ICustomPartitioner } from 'kafkajs';

/**
 * The partition of an entity key, exactly as Kafka's default partitioner places it
 * (murmur2 of the UTF-8 key, made positive, modulo the partition count — the same in the Java
 * client and kafkajs). Every component uses this, so producers, the runtime and the HTTP query
 * router always agree where a key lives.
 *
 * The hash is the `murmurhash` package's MurmurHash2 with Kafka's seed, on 32-bit integers. kafkajs's
 * own partitioner emulates 64-bit longs and cost ~60% of the relay's main-thread time once local
 * delivery placed every outbox row by it (a Bun profile, bench/README "Local messages by
 * default"). Kafka's test vectors and an agreement test with kafkajs's partitioner on random keys,
 * multi-byte ones included, pin it (partitioner.test.ts).
 *
 * @example partitionOf('u-000042', 6) // → the partition kafkajs would produce 'u-000042' to
 */
export function partitionOf(key: string, partitionCount: number): number {
  if (!Number.isInteger(partitionCount) || partitionCount < 1) {
    throw new RangeError(`partition count must be a positive integer, got ${partitionCount}`);
  }
  return (murmurhash.v2(utf8.encode(key), KAFKA_MURMUR2_SEED) & 0x7fffffff) % partitionCount;
}

/** The seed of Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2). */
const KAFKA_MURMUR2_SEED = 0x9747b28c;
const utf8 = new TextEncoder();

/**
 * The producer's partitioner (kafkajs `createPartitioner`): a string key goes where `partitionOf`
 * puts it, which is where kafkajs's DefaultPartitioner would, without its long-emulating hash per
 * record. An explicit partition, or a key of another kind, is left to that partitioner.
 */
export const keyPartitioner: ICustomPartitioner = () => {
  const kafkajs = Partitioners.DefaultPartitioner();
  return (args) => {
    const { message, partitionMetadata } = args;
    const explicit = message.partition !== null && message.partition !== undefined;
    return !explicit && typeof message.key === 'string' ? partitionOf(message.key, partitionMetadata.length) : kafkajs(args);
  };
};
