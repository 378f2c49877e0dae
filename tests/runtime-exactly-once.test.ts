import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { generateEvents } from '../generator/index.ts';
import { closingEvents } from './support/oracle.ts';
import { expectCommittedEqualsOracle } from './support/expect-oracle.ts';
import { createPipelineEnv, type PipelineEnv } from './support/pipeline-env.ts';
import { runUntilSettled } from './support/spawned-processors.ts';

/**
 * Exactly-once against a real broker and Postgres: the committed states and alerts must equal the
 * independent oracle (the pure driver folding the same events), with and without crashes.
 */
const PARTITIONS = 3;
const COUNT = Number(process.env.RUNTIME_TEST_EVENTS ?? 100_000);

describe('runtime: exactly-once', () => {
  let env: PipelineEnv;
  beforeAll(async () => {
    env = await createPipelineEnv(PARTITIONS);
  });
  afterAll(async () => {
    await env?.close();
  });

  test(`${COUNT} generated events: every committed state and alert equals the oracle`, async () => {
    const { events } = generateEvents({ seed: 11, count: COUNT, users: 2000, skus: 300, minPerPattern: 2 });
    const all = [...events, ...closingEvents(events, PARTITIONS)];
    await env.produce(all);
    await runUntilSettled(env, 'proc-a');
    await expectCommittedEqualsOracle(env.sql, all);
  }, 300_000);

  test(`${COUNT} generated events with event_time_merge: every state and alert id equals the oracle folding the log in event-time order, no tolerance`, async () => {
    // Topics and a database of its own: the run above left its log and states in the shared ones.
    await env.close();
    env = await createPipelineEnv(PARTITIONS);
    const { events } = generateEvents({ seed: 12, count: COUNT, users: 2000, skus: 300, minPerPattern: 2 });
    const all = [...events, ...closingEvents(events, PARTITIONS)];
    await env.produce(all);
    await runUntilSettled(env, 'proc-merge', { env: { EVENT_TIME_MERGE: 'true' } });
    await expectCommittedEqualsOracle(env.sql, all, { exact: true, partitions: PARTITIONS });
  }, 300_000);
});
