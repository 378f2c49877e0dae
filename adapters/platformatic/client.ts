import type { LogClient } from '../../engine/index.ts';
import { createPlatformaticAdmin } from './admin.ts';
import { clientConfig, logError, type PlatformaticClientOptions } from './config.ts';
import { partitionOf } from './partitioner.ts';
import { createPlatformaticSink } from './sink.ts';
import { createPlatformaticSource } from './source.ts';
import { createPlatformaticTail } from './tail.ts';

/**
 * The engine's LogClient over @platformatic/kafka, against the brokers of a cluster: a second
 * Kafka client beside kafkajs (adapters/kafkajs/), filling the same ports with the same
 * guarantees — topics per engine/topic-plan.ts, murmur2 placement, the co-partitioning group
 * assignment (classic protocol), manual commits, seek/pause/resume per partition.
 *
 * @example const client = platformaticLogClient('actorstream-1', ['127.0.0.1:9092'], { groupInstanceId: 'proc-1' });
 */
export function platformaticLogClient(clientId: string, brokers: readonly string[], opts: PlatformaticClientOptions = {}): LogClient {
  const config = clientConfig(clientId, brokers, opts);
  const log = logError(clientId);
  return {
    admin: () => createPlatformaticAdmin(config),
    sink: () => createPlatformaticSink(config),
    source: (sourceOpts) => createPlatformaticSource({ ...sourceOpts, config, log, ...(opts.groupInstanceId ? { groupInstanceId: opts.groupInstanceId } : {}) }),
    tail: (topic, tailOpts, onRecords) => createPlatformaticTail(config, topic, tailOpts, onRecords, log),
    partitionOf,
  };
}
