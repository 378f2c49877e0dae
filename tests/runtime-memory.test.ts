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

  /** `heldBack`: how many of the last events `during` produces itself (`produceRest`). */
  async function run(opts: Partial<Parameters<typeof startProcessor>[0]>, count: number, seed: number, during: (p: Processor, produceRest: () => Promise<void>) => Promise<void>, heldBack = 0) {
    const { events } = generateEvents({ seed, count, users: 300, skus: 40, minPerPattern: 1 });
    const all = [...events, ...closingEvents(events, PARTITIONS)];
    const split = all.length - heldBack;
    await env.produce(all.slice(0, split));
    const p = await startProcessor({
      client: env.client, databaseUrl: env.db.url, app: env.app, groupId: `${env.app}-${seed}`, topics: env.topics,
      partitions: PARTITIONS, checkpointIntervalMs: 200, ownerId: `mem-${seed}`, workers: 1,
      onFatal: (e) => {
        throw e;
      },
      ...opts,
    });
    try {
      await during(p, () => env.produce(all.slice(split)));
    } finally {
      await p.stop();
    }
    const diffs = stateDiffs(await committed(env.sql), foldWithDriver(all));
    expect({ sku: diffs.sku!.length, order: diffs.order!.length, user: diffs.user!.length }).toEqual({ sku: 0, order: 0, user: 0 });
  }

  /** The committed pending timers, as `<shard>/<seq>`. */
  async function pendingTimers(): Promise<Set<string>> {
    const rows = await env.sql`select shard, seq from timers`;
    return new Set(rows.map((r) => `${r.shard}/${r.seq}`));
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

  // With 4 remembered keys per shard the shards soon forget which keys they passivated and look up
  // every key not in memory (Residency.maxEvictedKeys): the same run must end the same way.
  test.each([
    ['every passivated key remembered', undefined],
    ['at most 4 passivated keys remembered per shard', 4],
  ])('passivation (%s): with at most 5 entities per shard in memory, every state still equals the oracle', async (_name, maxEvictedKeys) => {
    let largest: Record<string, number> = {};
    let timersFiredAfterPassivation = 0;
    const restored: string[] = []; // a shard that failed inside a batch heals, but must not have to
    const log = (line: string) => void (line.includes('failed inside a batch') && restored.push(line));
    const passivation = { idleMs: 0, maxEntities: 5, ...(maxEvictedKeys ? { maxEvictedKeys } : {}) };
    await run({ passivation, log }, 8000, 22, async (p, produceRest) => {
      // Half the input first: orders still waiting for their payment timeout leave memory with
      // the rest (a pending timer no longer keeps an entity); the second half fires their timers,
      // and a batch that may fire one first reads its order back.
      await waitUntilSettled(env);
      await p.checkpoint();
      const pendingBefore = await pendingTimers();
      expect(pendingBefore.size).toBeGreaterThan(0);
      expect(p.entitiesInMemory().order ?? 0).toBeLessThanOrEqual(5 * PARTITIONS);
      await produceRest();
      await waitUntilSettled(env);
      await p.checkpoint();
      largest = p.entitiesInMemory();
      const pendingAfter = await pendingTimers();
      timersFiredAfterPassivation = [...pendingBefore].filter((t) => !pendingAfter.has(t)).length;
    }, 4000);
    expect(timersFiredAfterPassivation).toBeGreaterThan(0);
    expect(restored).toEqual([]);
    for (const type of ['sku', 'order', 'user']) expect(largest[type] ?? 0).toBeLessThanOrEqual(5 * PARTITIONS);
  }, 180_000);
});
