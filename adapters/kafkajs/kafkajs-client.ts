import type { LogClient } from '../../engine/index.ts';
import { createKafkajsAdmin } from './kafkajs-admin.ts';
import { createKafkajsSink } from './kafkajs-sink.ts';
import { createKafkajsSource } from './kafkajs-source.ts';
import { createKafkaClient, type KafkaPort } from './port.ts';

/**
 * The engine's LogClient over kafkajs: `kafka` is a kafkajs client, or anything speaking its API
 * (the embedded in-process log, adapters/embedded/).
 *
 * @example startProcessor({ ...options, client: kafkajsLogClient(createInProcessLog()) })
 */
export function kafkajsLogClient(kafka: KafkaPort): LogClient {
  return {
    admin: () => createKafkajsAdmin(kafka),
    sink: () => createKafkajsSink(kafka),
    source: (opts) => createKafkajsSource(kafka, opts),
  };
}

/** kafkajs against the brokers of a cluster (the default of a processor given no client). */
export function kafkajsClusterClient(clientId: string, brokers: string[]): LogClient {
  return kafkajsLogClient(createKafkaClient(clientId, brokers));
}
