import { startProcessor, type ProcessorOptions } from '../../engine/processor.ts';
import { waitUntilSettled, type PipelineEnv } from './pipeline-env.ts';

/**
 * One in-process processor with the event-time merge on and shards inline, run until the env has
 * settled, then stopped. `client` may wrap the env's (a throttled partition); anything else the
 * test needs (partitions, checkpoint interval) comes in `extra`.
 */
export async function runMergingProcessorUntilSettled(
  env: PipelineEnv,
  extra: Partial<ProcessorOptions> & { settleTimeoutMs?: number } = {},
): Promise<void> {
  const { settleTimeoutMs, ...options } = extra;
  const p = await startProcessor({
    client: env.client, databaseUrl: env.db.url, app: env.app, groupId: `${env.app}-group`, topics: env.topics,
    partitions: env.partitions, checkpointIntervalMs: 200, ownerId: 'merging', workers: 0, eventTimeMerge: true,
    onFatal: (e) => {
      throw e;
    },
    ...options,
  });
  try {
    await waitUntilSettled(env, settleTimeoutMs);
  } finally {
    await p.stop();
  }
}
