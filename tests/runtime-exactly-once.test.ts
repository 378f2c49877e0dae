import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { generateEvents } from '../generator/index.ts';
import { alertComparison, closingEvents, committed, foldWithDriver, stateDiffs } from './support/oracle.ts';
import { createPipelineEnv, waitUntilSettled, type PipelineEnv } from './support/pipeline-env.ts';
import { spawnProcessor } from './support/processor-process.ts';

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
    const proc = await spawnProcessor(env.processorEnv('proc-a'));
    try {
      await waitUntilSettled(env);
    } finally {
      proc.kill('SIGTERM');
      await proc.exited();
    }
    const expected = foldWithDriver(all);
    const actual = await committed(env.sql);
    const diffs = stateDiffs(actual, expected);
    expect({ sku: diffs.sku!.length, order: diffs.order!.length, user: diffs.user!.length }).toEqual({ sku: 0, order: 0, user: 0 });
    const alerts = alertComparison(actual, expected);
    if (alerts.missedFraud.length) console.log(`fraud alerts not raised under backlog reordering: ${alerts.missedFraud.join(', ')}`);
    expect({ exactDiff: alerts.exactDiff, unexpectedFraud: alerts.unexpectedFraud, duplicates: alerts.duplicates }).toEqual({ exactDiff: [], unexpectedFraud: [], duplicates: 0 });
  }, 300_000);
});
