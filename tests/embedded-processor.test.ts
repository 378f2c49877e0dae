import { afterEach, describe, expect, test } from 'bun:test';
import { generateEvents } from '../generator/index.ts';
import { closingEvents, ORACLE_TYPES } from './support/oracle.ts';
import { expectCommittedEqualsOracle, expectDisjointSplit } from './support/expect-oracle.ts';
import { createEmbeddedEnv, type EmbeddedEnv } from './support/embedded-env.ts';

/**
 * The embedded default runs the unchanged engine: `startProcessor` with the in-process log as its
 * LogClient and PGlite (through its socket) as its Postgres, fed by the generator's own writer.
 * Its committed states and alerts must equal the independent oracle (the pure driver folding the
 * same events), as in the real-broker tests — also when a second processor joins the group midway
 * and the first one leaves.
 */
const PARTITIONS = 3;
const COUNT = Number(process.env.EMBEDDED_TEST_EVENTS ?? 20_000);

let env: EmbeddedEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function setup(seed: number) {
  env = await createEmbeddedEnv({ app: 'embedded', partitions: PARTITIONS, checkpointIntervalMs: 200 });
  const { events } = generateEvents({ seed, count: COUNT, users: 500, skus: 100, minPerPattern: 2 });
  return { env, all: [...events, ...closingEvents(events, PARTITIONS)] };
}

describe('embedded default: the processor on the in-process log and PGlite', () => {
  test(`${COUNT} generated events: every committed state and alert equals the oracle`, async () => {
    const { env, all } = await setup(11);
    await env.produce(all);
    const proc = await env.start('proc-a');
    await env.settled();
    expect(proc.ownedShards()).toHaveLength(ORACLE_TYPES.length * PARTITIONS);
    await env.stop(proc);
    await expectCommittedEqualsOracle(env.sql, all);
  }, 300_000);

  test('a second processor joins midway and the first leaves: shards move, states still equal the oracle', async () => {
    const { env, all } = await setup(12);
    const half = Math.floor(all.length / 2);
    const a = await env.start('proc-a');
    await env.produce(all.slice(0, half));
    const b = await env.start('proc-b');
    await expectDisjointSplit(a, b, ORACLE_TYPES.length * PARTITIONS, 10_000);
    await env.produce(all.slice(half));
    await env.stop(a);
    await env.settled();
    expect(b.ownedShards()).toHaveLength(ORACLE_TYPES.length * PARTITIONS);
    await expectCommittedEqualsOracle(env.sql, all);
  }, 300_000);
});
