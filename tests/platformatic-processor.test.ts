import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import postgres from 'postgres';
import { buildActors } from '../actors/registry.ts';
import { platformaticLogClient } from '../adapters/platformatic/index.ts';
import { testBroker, uniquePrefix } from '../adapters/platformatic/test-helpers.ts';
import { startProcessor, topicNames, type Processor, type ProcessorOptions, type RecordSink, type TopicAdmin } from '../engine/index.ts';
import { generateEvents, toKafkaRecord, writeRecords } from '../generator/index.ts';
import { topicOf, type DomainEvent } from '../schemas/index.ts';
import { createTestDatabase, type TestDatabase } from '../scripts/infra/test-database.ts';
import { closingEvents, ORACLE_TYPES } from './support/oracle.ts';
import { expectCommittedEqualsOracle, expectDisjointSplit } from './support/expect-oracle.ts';
import { waitUntilSettled } from './support/pipeline-env.ts';

/**
 * The unchanged engine on the platformatic client: two processors (`startProcessor` with
 * `platformaticLogClient`, shards on the consumer thread) split the shards of generated traffic on
 * a real broker and Postgres; one stops midway and the other takes its shards over. The committed
 * states and alerts must equal the independent oracle (the pure driver folding the same events),
 * as for kafkajs and the embedded log.
 */
const PARTITIONS = 3;
const COUNT = Number(process.env.PLATFORMATIC_TEST_EVENTS ?? 20_000);
const prefix = uniquePrefix('p');
const app = `${prefix}app`;
const topics = topicNames(prefix);
// The registry's actors, read models and aggregates included: the oracle checks those too.
const actors = buildActors();

let broker: Awaited<ReturnType<typeof testBroker>>;
let db: TestDatabase;
let sql: postgres.Sql;
let admin: TopicAdmin;
let sink: RecordSink;
const processors: Processor[] = [];

beforeAll(async () => {
  broker = await testBroker();
  db = await createTestDatabase();
  sql = postgres(db.url, { max: 2, onnotice: () => {} });
  const client = platformaticLogClient(`${prefix}setup`, broker.brokers);
  admin = await client.admin();
  await admin.ensureSourceTopics(Object.values(topics.source), PARTITIONS);
  sink = await client.sink();
}, 120_000);

afterAll(async () => {
  for (const p of processors.splice(0)) await p.stop().catch(() => {});
  await sink?.disconnect();
  await admin?.disconnect();
  await sql?.end({ timeout: 5 });
  await db?.drop();
  await broker?.stop();
}, 60_000);

function options(ownerId: string): ProcessorOptions {
  return {
    client: platformaticLogClient(`${prefix}${ownerId}`, broker.brokers), databaseUrl: db.url, app, groupId: `${app}-group`,
    partitions: PARTITIONS, topics, checkpointIntervalMs: 200, ownerId, workers: 0, actors, postgresPoolSize: 4,
    log: () => {},
    onFatal: (e) => {
      throw e;
    },
  };
}

/** The generator's own writer (batched, keyed), through the platformatic sink. */
async function produce(events: readonly DomainEvent[]): Promise<void> {
  await writeRecords(sink, events.map((e) => ({ ...toKafkaRecord(e), topic: topics.source[topicOf(e.type)] })), { batchSize: 5000 });
}

describe('the engine on the platformatic client', () => {
  test(`two processors, one stops midway: ${COUNT} generated events end in the oracle's states and alerts`, async () => {
    const { events } = generateEvents({ seed: 21, count: COUNT, users: 500, skus: 100, minPerPattern: 2 });
    const all = [...events, ...closingEvents(events, PARTITIONS)];
    const half = Math.floor(all.length / 2);
    const a = await startProcessor(options('proc-a'));
    processors.push(a);
    await produce(all.slice(0, half));
    const b = await startProcessor(options('proc-b'));
    processors.push(b);
    await expectDisjointSplit(a, b, ORACLE_TYPES.length * PARTITIONS);
    await produce(all.slice(half));
    await a.stop();
    processors.splice(processors.indexOf(a), 1);
    await waitUntilSettled({ topics, app, client: options('settle').client, sql }, 240_000);
    expect(b.ownedShards()).toHaveLength(ORACLE_TYPES.length * PARTITIONS);
    expect(await admin.groupMembers(`${app}-group`)).toEqual([`${prefix}proc-b@/127.0.0.1`]);
    await b.stop();
    processors.splice(0);

    await expectCommittedEqualsOracle(sql, all);
  }, 400_000);
});
