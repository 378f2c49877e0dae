/**
 * Public API of adapters/platformatic/: the engine's ports (engine/log-client.ts) filled with
 * @platformatic/kafka, the second Kafka client beside kafkajs. Nothing outside adapters/ imports it.
 */
export { platformaticLogClient } from './client.ts';
export type { PlatformaticClientOptions } from './config.ts';
export { partitionOf } from './partitioner.ts';
