import { expect } from 'bun:test';
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

/**
 * A healthy run merging in event time never stops waiting because a bound ran out: not for a
 * silent origin (event_time_max_wait_ms, 30 s, longer than a fail-over) nor for an entity's
 * answers (60 s). Either applies inputs in arrival order, and the states would equal the driver
 * only by luck. Reads the log of a process stopped with SIGTERM: its stop line, and the lines it
 * wrote when a wait ran out (engine/intake-apply.ts), which a failure shows.
 */
export function expectNoWaitTimedOut(p: { output: string[] }): void {
  const lines = p.output.join('').split('\n');
  expect(lines.some((l) => l.startsWith('stopped:'))).toBe(true);
  const ranOut = (l: string) => (l.startsWith('stopped:') && l.includes('timed out')) || /stopped waiting for a silent origin|waited too long for answers/.test(l);
  expect(lines.filter(ranOut)).toEqual([]);
}
