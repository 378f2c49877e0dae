import type { LogClient } from '../../engine/index.ts';
import { createKafkajsAdmin } from './kafkajs-admin.ts';
import { createKafkajsSink } from './kafkajs-sink.ts';
import { createKafkajsSource } from './kafkajs-source.ts';
import { createKafkajsTail } from './kafkajs-tail.ts';
import { partitionOf } from './partitioner.ts';
import { createKafkaClient, type KafkaClientOptions, type KafkaPort } from './port.ts';

/** The engine's LogClient over a kafkajs client. */
export function kafkajsLogClient(kafka: KafkaPort): LogClient {
  return {
    admin: () => createKafkajsAdmin(kafka),
    sink: () => createKafkajsSink(kafka),
    source: (opts) => createKafkajsSource(kafka, opts),
    tail: (topic, opts, onRecords) => createKafkajsTail(kafka, topic, opts, onRecords),
    partitionOf,
  };
}

/**
 * kafkajs against the brokers of a cluster.
 * @example const client = kafkajsClusterClient('actorstream-1', ['127.0.0.1:9092']);
 */
export function kafkajsClusterClient(clientId: string, brokers: string[], opts?: KafkaClientOptions): LogClient {
  return kafkajsLogClient(createKafkaClient(clientId, brokers, opts));
}
