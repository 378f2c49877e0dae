import { kafkajsClusterClient } from '../adapters/kafkajs/index.ts';
import { platformaticLogClient } from '../adapters/platformatic/index.ts';
import type { LogClient } from '../engine/index.ts';

/** The Kafka clients a processor can run on (pipeline.yaml `kafka.client`, env KAFKA_CLIENT). */
export type KafkaClientName = 'kafkajs' | 'platformatic';

/**
 * The engine's LogClient for a Kafka cluster, with the configured client. kafkajs is the default;
 * @platformatic/kafka adds static membership (`groupInstanceId`, KIP-345): a member restarted
 * within the session timeout gets its partitions back without a rebalance.
 */
export function clusterClient(opts: { client: KafkaClientName; clientId: string; brokers: string[]; groupInstanceId?: string }): LogClient {
  if (opts.client === 'platformatic') {
    return platformaticLogClient(opts.clientId, opts.brokers, opts.groupInstanceId ? { groupInstanceId: opts.groupInstanceId } : {});
  }
  if (opts.groupInstanceId) throw new Error('group_instance_id (static membership) needs kafka.client: platformatic; kafkajs has no static membership');
  return kafkajsClusterClient(opts.clientId, opts.brokers);
}
