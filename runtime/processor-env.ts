import { hostname } from 'node:os';
import { topicNames } from './kafka/topics.ts';
import type { ProcessorOptions } from './processor.ts';

/**
 * Processor options from the environment, shared by `actorstream run` and the bare process entry
 * (runtime/processor-main.ts) so both read the same variables with the same defaults:
 * KAFKA_BROKERS, DATABASE_URL, APP (actorstream), GROUP_ID (<APP>-processor), PARTITIONS (6),
 * CHECKPOINT_INTERVAL_MS (200), OWNER_ID (host-pid), TOPIC_PREFIX (none: the contract's names),
 * WORKERS (shard worker threads; default cores − 1, 1 to 4).
 */
export function processorOptionsFromEnv(env: Record<string, string | undefined>, overrides: Partial<ProcessorOptions> = {}): ProcessorOptions {
  const app = env.APP ?? 'actorstream';
  return {
    brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    app,
    groupId: env.GROUP_ID ?? `${app}-processor`,
    workers: env.WORKERS === undefined ? undefined : Number(env.WORKERS),
    topics: topicNames(env.TOPIC_PREFIX ?? ''),
    partitions: Number(env.PARTITIONS ?? 6),
    checkpointIntervalMs: Number(env.CHECKPOINT_INTERVAL_MS ?? 200),
    ownerId: env.OWNER_ID ?? `${hostname()}-${process.pid}`,
    ...overrides,
  };
}
