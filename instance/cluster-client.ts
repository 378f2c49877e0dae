import { kafkajsClusterClient } from '../adapters/kafkajs/index.ts';
import type { LogClient } from '../engine/index.ts';
import { ConfigError } from '../schemas/index.ts';

/** The Kafka clients a processor can run on (pipeline.yaml `kafka.client`, env KAFKA_CLIENT). */
export type KafkaClientName = 'kafkajs' | 'platformatic';

/**
 * The engine's LogClient for a Kafka cluster, with the configured client. kafkajs is the default;
 * @platformatic/kafka adds static membership (`groupInstanceId`, KIP-345): a member restarted
 * within the session timeout gets its partitions back without a rebalance.
 *
 * platformatic is loaded only when chosen: at import it reads a wasm file next to its own module
 * (@platformatic/wasm-utils), which a `bun build --compile` executable does not hold, so the
 * compiled binary runs kafkajs only (and says so if platformatic is asked for).
 */
export async function clusterClient(opts: { client: KafkaClientName; clientId: string; brokers: string[]; groupInstanceId?: string }): Promise<LogClient> {
  if (opts.client === 'platformatic') {
    const { platformaticLogClient } = await loadPlatformatic();
    return platformaticLogClient(opts.clientId, opts.brokers, opts.groupInstanceId ? { groupInstanceId: opts.groupInstanceId } : {});
  }
  if (opts.groupInstanceId) throw new Error('group_instance_id (static membership) needs kafka.client: platformatic; kafkajs has no static membership');
  return kafkajsClusterClient(opts.clientId, opts.brokers);
}

async function loadPlatformatic(): Promise<typeof import('../adapters/platformatic/index.ts')> {
  try {
    return await import('../adapters/platformatic/index.ts');
  } catch (e) {
    throw new ConfigError(`KAFKA_CLIENT=platformatic could not be loaded (${(e as Error).message}); the compiled binary runs kafkajs only — run from source (npm start) for platformatic`);
  }
}
