import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, PipelineFile } from '../instance/config.ts';
import { partitionOf } from '../adapters/kafkajs/partitioner.ts';
import { createTestDatabase } from '../scripts/infra/test-database.ts';
import { createPipelineEnv, waitUntilSettled, type PipelineEnv } from './support/pipeline-env.ts';
import { spawnProcessor } from './support/processor-process.ts';
import { runUntilSettled } from './support/spawned-processors.ts';
import { runCli } from './support/run-cli.ts';
import { MIGRATIONS } from '../store/migrations.ts';

/**
 * The operator commands as a user runs them: `bun cli/main.ts …` as a subprocess against the real
 * broker and a database of this test, judged by exit code, messages and what lands in Kafka and
 * Postgres. Exit codes are the CLI contract: 0 ok, 1 failure, 2 usage/configuration, 3 unreachable.
 */
const PARTITIONS = 3;
const T0 = 1_760_000_000_000;

const cli = runCli;

const line = (o: unknown) => JSON.stringify(o);
const stock = (id: string, sku: string, qty: number, ts: number) => ({ id, type: 'stock_received', v: 1, ts, data: { sku, qty } });

describe('CLI commands', () => {
  let env: PipelineEnv;
  let base: Record<string, string>;
  let dir: string;
  beforeAll(async () => {
    env = await createPipelineEnv(PARTITIONS);
    base = { ...env.processorEnv('cli-test'), PIPELINE_CONFIG: '' };
    dir = mkdtempSync(join(tmpdir(), 'actorstream-cli-'));
  }, 60_000);
  afterAll(async () => {
    await env?.close();
  });

  test('usage errors exit 2 with the usage and the reason', async () => {
    const cases: [string[], RegExp][] = [
      [['migrate', '--bogus'], /unknown option --bogus/],
      [['inspect', 'sku'], /Missing required positional argument: KEY/],
      [['inspect', 'widget', 'w-1', '--partitions', '3'], /unknown entity type 'widget'/],
      [['replay', '--type', 'all'], /Missing required argument: --from/],
      [['replay', '--type', 'all', '--from', 'yesterday'], /--from must be/],
      [['replay', '--type', 'all', '--from', 'earliest', '--baseline', 'live.yaml', '--keep'], /--baseline, --keep only go with --shadow/],
      [['ingest', join(dir, 'missing.ndjson')], /cannot read .*missing\.ndjson/],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [[], /no command given/],
    ];
    for (const [args, reason] of cases) {
      const r = await cli(args, base);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(reason);
      expect(r.stderr).toMatch(/USAGE/);
    }
    const help = await cli(['replay', '--help'], base);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--force/);
    expect(help.stdout).toMatch(/Exit codes/);
  }, 60_000);

  test('configuration missing exits 2; infrastructure unreachable exits 3', async () => {
    const none = { KAFKA_BROKERS: '', DATABASE_URL: '', PIPELINE_CONFIG: '' };
    const missing = await cli(['migrate'], { ...base, ...none });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/migrate needs Postgres: set DATABASE_URL/);
    const noKafka = await cli(['ingest', '-'], { ...base, ...none }, line(stock('x', 's', 1, T0)));
    expect(noKafka.code).toBe(2);
    expect(noKafka.stderr).toMatch(/ingest needs Kafka: set KAFKA_BROKERS/);
    const pg = await cli(['migrate'], { ...base, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' });
    expect(pg.code).toBe(3);
    expect(pg.stderr).toMatch(/cannot reach Postgres at postgres:\/\/postgres@127\.0\.0\.1:1\/nowhere/);
    const kafka = await cli(['ingest', '-'], { ...base, KAFKA_BROKERS: '127.0.0.1:1' }, line(stock('x', 's', 1, T0)));
    expect(kafka.code).toBe(3);
    expect(kafka.stderr).toMatch(/cannot reach Kafka at 127\.0\.0\.1:1/);
  }, 60_000);

  test('migrate creates the tables, then reports up to date', async () => {
    const db = await createTestDatabase();
    try {
      const e = { ...base, DATABASE_URL: db.url };
      const status = await cli(['migrate', '--status'], e);
      expect(status.stdout).toMatch(/pending {2}1 {2}checkpoint tables/);
      expect(status.stdout).toMatch(/pending {2}2 {2}recent event ids per entity/);
      const first = await cli(['migrate'], e);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/applied 1 {2}checkpoint tables/);
      expect(first.stdout).toMatch(/applied 2 {2}recent event ids per entity/);
      const second = await cli(['migrate'], e);
      expect(second.code).toBe(0);
      expect(first.stdout).toMatch(/applied 3 {2}outbox index the relay can use/);
      expect(second.stdout).toContain(`up to date (schema version ${MIGRATIONS.at(-1)!.version})`);
      expect(second.stdout).not.toMatch(/applied/);
    } finally {
      await db.drop();
    }
  }, 60_000);

  test('ingest: valid lines go to the topic of their type keyed by entity; the bad line is reported by number', async () => {
    const good = [
      stock('cli-e1', 'sku-cli-1', 5, T0),
      { id: 'cli-e2', type: 'login_succeeded', v: 1, ts: T0 + 1, data: { userId: 'u-cli-1', country: 'DE', ip: '10.0.0.1', deviceId: 'd-1' } },
      // v1 order_placed (no currency): valid, and produced as sent; the processor upcasts it.
      { id: 'cli-e3', type: 'order_placed', v: 1, ts: T0 + 2, data: { orderId: 'o-cli-1', userId: 'u-cli-1', items: [{ sku: 'sku-cli-1', qty: 2, unitPrice: 10 }], country: 'DE' } },
      stock('cli-e4', 'sku-cli-1', 3, T0 + 3),
    ];
    const bad = { id: 'cli-bad', type: 'stock_received', v: 1, ts: T0, data: { sku: 'sku-cli-1', qty: -1 } };
    const file = join(dir, 'events.ndjson');
    writeFileSync(file, [line(good[0]), line(good[1]), line(bad), '', line(good[2]), line(good[3])].join('\n') + '\n');
    const r = await cli(['ingest', file], base);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${file}:3: rejected INVALID_DATA: /data/qty`);
    expect(r.stderr).toMatch(/4 event\(s\) produced/);
    expect(r.stderr).toMatch(/warning: 1 line\(s\) rejected/);

    const inventory = await env.readAll(env.topics.source.inventory_events);
    expect(inventory.map((m) => [m.key, JSON.parse(m.value).id])).toEqual([['sku-cli-1', 'cli-e1'], ['sku-cli-1', 'cli-e4']]);
    const users = await env.readAll(env.topics.source.user_events);
    expect(users.map((m) => [m.key, JSON.parse(m.value).id])).toEqual([['u-cli-1', 'cli-e2']]);
    const orders = await env.readAll(env.topics.source.transaction_events);
    expect(orders.map((m) => [m.key, JSON.parse(m.value)])).toEqual([['o-cli-1', good[2]]]);

    const strict = await cli(['ingest', '--strict', '--dry-run', file], base);
    expect(strict.code).toBe(1);
    const none = await cli(['ingest', '-'], base, `${line(bad)}\nnot json\n`);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/stdin:2: rejected INVALID_JSON/);
    expect(none.stderr).toMatch(/no valid event in the input: nothing was produced/);
    expect((await env.readAll(env.topics.source.inventory_events)).length).toBe(2);
  }, 60_000);

  test('inspect: committed state, murmur2 shard, owner epoch and alerts of an entity; exit 1 when unknown', async () => {
    // sku-cli-1 got 5 + 3 from the ingest test, and 2 reserved by o-cli-1.
    await runUntilSettled(env, 'cli-proc', { timeoutMs: 60_000 });
    const r = await cli(['inspect', 'sku', 'sku-cli-1', '--json'], base);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.found).toBe(true);
    expect(doc.state).toMatchObject({ onHand: 8, reserved: 2 });
    const partition = partitionOf('sku-cli-1', PARTITIONS);
    expect(doc.shard).toEqual({ id: `sku/${partition}`, partition, partitions: PARTITIONS, partitionsFrom: `kafka ${env.topics.source.inventory_events}` });
    expect(doc.owner.ownerId).toBe('cli-proc');
    expect(doc.owner.epoch).toBeGreaterThanOrEqual(1);
    expect(doc.offsets).toContainEqual({ topic: env.topics.source.inventory_events, partition, nextOffset: 2 });

    // An alert of this entity, inserted as the checkpoint store writes it, is listed.
    const alert = { id: 'a-cli-1', type: 'low_stock', entityType: 'sku', entityKey: 'sku-cli-1', severity: 'warning', ts: T0 + 9, detectedAt: T0 + 9, reasons: ['cli-e4'], details: { summary: 'test alert' } };
    await env.sql`insert into alerts (id, type, entity_type, entity_key, severity, ts, detected_at, body)
      values (${alert.id}, ${alert.type}, 'sku', 'sku-cli-1', 'warning', ${alert.ts}, ${alert.detectedAt}, ${env.sql.json(alert)})`;
    const text = await cli(['inspect', 'sku', 'sku-cli-1'], base);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`shard +sku/${partition} \\(partition ${partition} of ${PARTITIONS}`));
    expect(text.stdout).toMatch(/owner +cli-proc, epoch \d+/);
    expect(text.stdout).toMatch(/low_stock {2}test alert {2}\[a-cli-1\]/);

    // --partitions: no Kafka needed at all.
    const offline = await cli(['inspect', 'order', 'o-cli-1', '--partitions', String(PARTITIONS)], { ...base, KAFKA_BROKERS: '' });
    expect(offline.code).toBe(0);
    expect(offline.stdout).toMatch(/"status": "reserved"/);
    const unknown = await cli(['inspect', 'user', 'u-nobody', '--json'], base);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout).found).toBe(false);
    expect(unknown.stderr).toMatch(/no committed state for user 'u-nobody'/);
  }, 120_000);

  test('dlq: lists a dead letter with its code and source; a redriven one that fails again is dead-lettered marked as such', async () => {
    const topic = env.topics.source.inventory_events;
    await env.produceRaw([{ topic: 'inventory_events', key: 'sku-cli-dlq', value: '{"id": "broken' }]);
    const proc = await spawnProcessor(env.processorEnv('cli-proc-dlq'));
    try {
      await waitUntilSettled(env, 60_000);
      const listed = await cli(['dlq', 'list', '--topic', topic], base);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(new RegExp(`0:0  INVALID_JSON +${topic}:\\d+@\\d+  key "sku-cli-dlq"`));
      const again = await cli(['dlq', 'redrive', '--topic', topic, '--at', '0:0,0:7'], base);
      expect(again.code).toBe(1); // 0:7 holds no dead letter
      expect(again.stdout).toMatch(new RegExp(`redriven 0:0 → ${topic}`));
      expect(again.stdout).toMatch(/refused {2}0:7: no dead letter at/);
      await waitUntilSettled(env, 60_000);
    } finally {
      proc.kill('SIGTERM');
      await proc.exited();
    }
    const records = await env.readAll(`${topic}.dlq`);
    expect(records.map((r) => [r.headers['x-dlq-code'], r.headers['x-redrive-of'] ?? null])).toEqual([['INVALID_JSON', null], ['INVALID_JSON', `${topic}.dlq:0:0`]]);
  }, 90_000);

  test('pipeline.example.yaml loads as a configuration and documents every key of the schema', () => {
    const config = loadConfig({}, 'pipeline.example.yaml');
    expect(config.instance.mode).toBe('external');
    const text = readFileSync('pipeline.example.yaml', 'utf8');
    const keys: string[] = [];
    const walk = (schema: any, path: string) => {
      const props = schema?.properties ?? schema?.items?.properties;
      for (const [k, v] of Object.entries(props ?? {})) {
        keys.push(`${path}${k}`);
        walk(v, `${path}${k}.`);
      }
    };
    walk(PipelineFile, '');
    // Each key appears as `key:` (active, or commented out like the secrets), under a comment.
    const missing = keys.filter((k) => !new RegExp(`^\\s*#?\\s*(- )?${k.split('.').at(-1)}:`, 'm').test(text));
    expect(missing).toEqual([]);
    expect(keys.length).toBeGreaterThan(30);
  });
});
