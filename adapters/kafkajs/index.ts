/**
 * Public API of adapters/kafkajs/: the engine's ports (engine/log-client.ts) filled with kafkajs,
 * the default Kafka client. Nothing outside adapters/ imports kafkajs.
 */
export { kafkajsClusterClient, kafkajsLogClient } from './kafkajs-client.ts';
export type { KafkaClientOptions } from './port.ts';
export { partitionOf } from './partitioner.ts';
export { applyKafkajsFixes } from './fixes.ts';
