import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { buildActors } from '../actors/registry.ts';
import { createTestDriver } from '../actors/test-driver.ts';
import { ACTOR_MESSAGES, messageComponent } from '../cli/commands/replay.ts';
import { generateEvents } from '../generator/index.ts';
import { decodeEvent, type DomainEvent } from '../schemas/index.ts';
import { alertComparison, closingEvents, committed, foldWithDriver, stateDiffs, type Expected } from './support/oracle.ts';
import { createPipelineEnv, waitUntilSettled, type PipelineEnv } from './support/pipeline-env.ts';
import { spawnProcessor } from './support/processor-process.ts';
import { runUntilSettled } from './support/spawned-processors.ts';
import { runCli } from './support/run-cli.ts';

/**
 * `actorstream replay` resets actor types so the processors rebuild them from the log. The
 * rebuilt states must equal the independent oracle (the pure driver folding the whole log) —
 * which they cannot if any actor message were applied twice or lost, also after an earlier rebuild
 * left a second copy of every message in the inboxes — and the command must refuse running
 * processors.
 */
const PARTITIONS = 3;

const cli = runCli;

describe('CLI replay', () => {
  let env: PipelineEnv;
  let base: Record<string, string>;
  let log: DomainEvent[];
  let expected: Expected;

  async function expectOracle(): Promise<void> {
    const actual = await committed(env.sql);
    const diffs = stateDiffs(actual, expected);
    expect({ sku: diffs.sku!.length, order: diffs.order!.length, user: diffs.user!.length, sku_affinity: diffs.sku_affinity!.length }).toEqual({ sku: 0, order: 0, user: 0, sku_affinity: 0 });
    const alerts = alertComparison(actual, expected);
    expect({ exactDiff: alerts.exactDiff, unexpectedFraud: alerts.unexpectedFraud, duplicates: alerts.duplicates }).toEqual({ exactDiff: [], unexpectedFraud: [], duplicates: 0 });
  }

  const count = async (table: 'actor_states' | 'alerts') => Number((await env.sql`select count(*)::int as n from ${env.sql(table)}`)[0]!.n);

  beforeAll(async () => {
    env = await createPipelineEnv(PARTITIONS);
    base = env.processorEnv('cli-replay');
    const { events } = generateEvents({ seed: 21, count: 3000, users: 200, skus: 40, minPerPattern: 1 });
    log = [...events, ...closingEvents(events, PARTITIONS)];
    expected = foldWithDriver(log);
    await env.produce(log);
  }, 60_000);
  afterAll(async () => {
    await env?.close();
  });

  test('ACTOR_MESSAGES is what the actors send, so a type is rebuilt with everything it talks to', () => {
    const driver = createTestDriver(buildActors());
    // A longer log than the replayed one: its few orders see no accepted payment, so no bought_together.
    const { events: longer } = generateEvents({ seed: 21, count: 20_000, users: 200, skus: 40, minPerPattern: 1 });
    driver.pipe(longer.map((e) => (decodeEvent(e) as { ok: true; event: DomainEvent }).event));
    const sent = new Set(driver.sent().map((s) => `${s.from.type}->${s.to.type}`));
    const declared = new Set(Object.entries(ACTOR_MESSAGES).flatMap(([from, tos]) => tos.map((to) => `${from}->${to}`)));
    expect([...sent].sort()).toEqual([...declared].sort());
    expect(messageComponent('user')).toEqual(['order', 'sku', 'sku_affinity', 'user']);
  });

  test('refused while the consumer group has members; state untouched', async () => {
    const proc = await spawnProcessor(env.processorEnv('cli-replay-a'));
    try {
      await waitUntilSettled(env, 120_000);
      const before = await count('actor_states');
      const r = await cli(['replay', '--type', 'all', '--from', 'earliest'], base);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/has 1 member\(s\).*stop its processors first/);
      expect(await count('actor_states')).toBe(before);
    } finally {
      proc.kill('SIGTERM');
      await proc.exited();
    }
    await expectOracle();
  }, 180_000);

  test('--type all --from earliest: sources from the start, inboxes from their end, rebuilt state equals the oracle', async () => {
    const epochs = new Map((await env.sql`select shard, epoch from shard_owners`).map((r) => [r.shard as string, Number(r.epoch)]));
    const dry = await cli(['replay', '--type', 'all', '--from', 'earliest', '--dry-run'], base);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/dry run: nothing changed/);
    expect(await count('actor_states')).toBeGreaterThan(0);

    const alerts = await count('alerts');
    const r = await cli(['replay', '--type', 'all', '--from', 'earliest'], base);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/reset sku, order, user, sku_affinity: \d+ state\(s\)/);
    expect(await count('actor_states')).toBe(0);
    expect(await count('alerts')).toBe(alerts);
    for (const row of await env.sql`select shard, epoch from shard_owners`) expect(Number(row.epoch)).toBe(epochs.get(row.shard)! + 1);
    const offsets = await env.sql`select topic, partition, next_offset from input_offsets`;
    for (const topic of Object.values(env.topics.source)) {
      for (let p = 0; p < PARTITIONS; p++) expect(offsets.find((o) => o.topic === topic && o.partition === p)?.next_offset).toBe('0');
    }
    for (const type of ['sku', 'order', 'user']) {
      const topic = `${env.app}.${type}.inbox`;
      for (const end of await env.admin.fetchTopicOffsets(topic)) {
        expect(offsets.find((o) => o.topic === topic && o.partition === end.partition)?.next_offset).toBe(end.high);
      }
    }
    await runUntilSettled(env, 'cli-replay-b', { timeoutMs: 120_000 });
    await expectOracle();
  }, 240_000);

  test('--type user rebuilds the types it exchanges messages with too, and a second rebuild applies each message once', async () => {
    // The inboxes now hold every message twice (the first run's and the first rebuild's sends).
    const r = await cli(['replay', '--type', 'user', '--from', 'earliest'], base);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/user exchanges actor messages with order, sku, sku_affinity: they are rebuilt together/);
    expect(r.stdout).toMatch(/reset sku, order, user, sku_affinity/);
    expect(await count('actor_states')).toBe(0);
    await runUntilSettled(env, 'cli-replay-c', { timeoutMs: 120_000 });
    await expectOracle();
  }, 240_000);

  test('--from <time> restarts each partition at the first record produced at or after it (dry run)', async () => {
    const topic = env.topics.source.inventory_events;
    const before = await env.admin.fetchTopicOffsets(topic);
    await new Promise((r) => setTimeout(r, 50));
    const at = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 50));
    const later = Array.from({ length: 12 }, (_, i) => ({ id: `late-${i}`, type: 'stock_received', v: 1, ts: 2e12 + i, data: { sku: `sku-late-${i}`, qty: 1 } }) as DomainEvent);
    await env.produce(later);
    const r = await cli(['replay', '--type', 'all', '--from', at, '--dry-run'], base);
    expect(r.code).toBe(0);
    for (const b of before) expect(r.stdout).toContain(`${topic}[${b.partition}] → ${b.high}`);
    // An offset past a partition's end is clamped to it (Kafka would otherwise restart at the log start).
    const past = await cli(['replay', '--type', 'all', '--from', '999999999', '--dry-run'], base);
    const ends = await env.admin.fetchTopicOffsets(topic);
    for (const e of ends) expect(past.stdout).toContain(`${topic}[${e.partition}] → ${e.high}  (clamped to the log's range 0..${e.high})`);
  }, 60_000);
});
