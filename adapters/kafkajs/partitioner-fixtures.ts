/**
 * murmur2 values of keys from Apache Kafka's own test suite (clients UtilsTest.testMurmur2). The
 * Java DefaultPartitioner puts a keyed record in partition (murmur2(key) & 0x7fffffff) % partitions,
 * so these pin our partitioner, and the broker round-trip test, to Kafka's placement.
 */
export const JAVA_MURMUR2: readonly (readonly [string, number])[] = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];
