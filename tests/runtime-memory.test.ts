import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { generateEvents } from '../generator/index.ts';
import { startProcessor, type Processor } from '../engine/processor.ts';
import { closingEvents, committed, foldWithDriver, stateDiffs } from './support/oracle.ts';
import { createPipelineEnv, waitUntilSettled, type PipelineEnv } from './support/pipeline-env.ts';

/**
 * Bounded memory against a real broker and Postgres, each run compared with the oracle:
 * backpressure (a shard with too many uncommitted records pauses its partitions until a checkpoint
 * commits them) and passivation (idle committed entities leave memory and are read back from
 * Postgres when their next input arrives).
 */
const PARTITIONS = 3;

describe('runtime: bounded memory', () => {
  // Each test gets its own topics and database: offsets and states of one run must not leak into the next.
  let env: PipelineEnv;
  beforeEach(async () => {
    env = await createPipelineEnv(PARTITIONS);
  });
  afterEach(async () => {
    await env?.close();
  });

  async function run(opts: Partial<Parameters<typeof startProcessor>[0]>, count: number, seed: number, during: (p: Processor) => Promise<void>) {
    const { events } = generateEvents({ seed, count, users: 300, skus: 40, minPerPattern: 1 });
    const all = [...events, ...closingEvents(events, PARTITIONS)];
    await env.produce(all);
    const p = await startProcessor({
      client: env.client, databaseUrl: env.db.url, app: env.app, groupId: `${env.app}-${seed}`, topics: env.topics,
      partitions: PARTITIONS, checkpointIntervalMs: 200, ownerId: `mem-${seed}`, workers: 1,
      onFatal: (e) => {
        throw e;
      },
      ...opts,
    });
    try {
      await during(p);
    } finally {
      await p.stop();
    }
    const diffs = stateDiffs(await committed(env.sql), foldWithDriver(all));
    expect({ sku: diffs.sku!.length, order: diffs.order!.length, user: diffs.user!.length }).toEqual({ sku: 0, order: 0, user: 0 });
  }

  test('backpressure: with checkpoints only every 10 min, pausing at 300 uncommitted records forces commits and the run completes equal to the oracle', async () => {
    let checkpoints = 0;
    await run({ checkpointIntervalMs: 600_000, maxUncommittedRecords: 300, observer: { checkpointed: () => void checkpoints++ } }, 8000, 21, async (p) => {
      // Only backpressure can commit before the 10-minute interval.
      const deadline = Date.now() + 60_000;
      while (checkpoints < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(checkpoints).toBeGreaterThanOrEqual(5);
      const tick = setInterval(() => void p.checkpoint(), 300); // the tail stays below the bound
      try {
        await waitUntilSettled(env);
      } finally {
        clearInterval(tick);
      }
    });
  }, 180_000);

  test('passivation: with at most 5 entities per shard in memory, every state still equals the oracle', async () => {
    let largest = 0;
    await run({ passivation: { idleMs: 0, maxEntities: 5 } }, 8000, 22, async (p) => {
      await waitUntilSettled(env);
      await p.checkpoint();
      largest = p.entitiesInMemory().sku ?? 0;
    });
    // Orders waiting for payment keep their timers in memory; SKUs have none, so the cap holds.
    expect(largest).toBeLessThanOrEqual(5 * PARTITIONS);
  }, 180_000);
});
