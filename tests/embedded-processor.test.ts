import { afterEach, describe, expect, test } from 'bun:test';
import postgres from 'postgres';
import { generateEvents, toKafkaRecord, writeRecords } from '../generator/index.ts';
import { createInProcessLog, startPgliteServer, type InProcessLog, type PgliteServer } from '../adapters/embedded/index.ts';
import { topicNames } from '../engine/topic-names.ts';
import { startProcessor, type Processor, type ProcessorOptions } from '../engine/processor.ts';
import { topicOf, type DomainEvent } from '../schemas/index.ts';
import { closingEvents } from './support/oracle.ts';
import { expectCommittedEqualsOracle, expectDisjointSplit } from './support/expect-oracle.ts';
import { waitUntilSettled } from './support/pipeline-env.ts';

/**
 * The embedded default runs the unchanged engine: `startProcessor` with the in-process log as its
 * LogClient and PGlite (through its socket) as its Postgres, fed by the generator's own writer.
 * Its committed states and alerts must equal the independent oracle (the pure driver folding the
 * same events), as in the real-broker tests — also when a second processor joins the group midway
 * and the first one leaves.
 */
const PARTITIONS = 3;
const COUNT = Number(process.env.EMBEDDED_TEST_EVENTS ?? 20_000);
const APP = 'embedded';
const topics = topicNames();

let log: InProcessLog | undefined;
let pg: PgliteServer | undefined;
let sql: postgres.Sql | undefined;
const processors: Processor[] = [];

afterEach(async () => {
  for (const p of processors.splice(0)) await p.stop().catch(() => {});
  await sql?.end({ timeout: 5 });
  await log?.close();
  await pg?.close();
  log = pg = sql = undefined;
});

async function setup(seed: number) {
  pg = await startPgliteServer();
  log = createInProcessLog();
  sql = postgres(pg.url, { max: 1, onnotice: () => {} });
  // The source topics exist before anything is produced (the log, like the brokers, never auto-creates).
  await (await log.admin()).ensureSourceTopics(Object.values(topics.source), PARTITIONS);
  const { events } = generateEvents({ seed, count: COUNT, users: 500, skus: 100, minPerPattern: 2 });
  const all = [...events, ...closingEvents(events, PARTITIONS)];
  return { all };
}

function options(ownerId: string): ProcessorOptions {
  return {
    databaseUrl: pg!.url, app: APP, groupId: `${APP}-group`, partitions: PARTITIONS,
    checkpointIntervalMs: 200, ownerId, client: log!, postgresPoolSize: 1,
    onFatal: (e) => {
      throw e;
    },
  };
}

/** The generator's writer, through the in-process log's sink. */
async function produce(events: readonly DomainEvent[]): Promise<void> {
  const sink = await log!.sink();
  const records = events.map((e) => ({ ...toKafkaRecord(e), topic: topics.source[topicOf(e.type)] }));
  await writeRecords(sink, records, { batchSize: 5000 });
  await sink.disconnect();
}

/** The real-broker tests' settle check (stored offsets = log end offsets, outbox empty, twice). */
function settled(): Promise<void> {
  return waitUntilSettled({ topics, app: APP, client: log!, sql: sql! }, 120_000);
}

function expectOracle(all: DomainEvent[]): Promise<void> {
  return expectCommittedEqualsOracle(sql!, all);
}

describe('embedded default: the processor on the in-process log and PGlite', () => {
  test(`${COUNT} generated events: every committed state and alert equals the oracle`, async () => {
    const { all } = await setup(11);
    await produce(all);
    const proc = await startProcessor(options('proc-a'));
    processors.push(proc);
    await settled();
    expect(proc.ownedShards()).toHaveLength(3 * PARTITIONS);
    await proc.stop();
    await expectOracle(all);
  }, 300_000);

  test('a second processor joins midway and the first leaves: shards move, states still equal the oracle', async () => {
    const { all } = await setup(12);
    const half = Math.floor(all.length / 2);
    const a = await startProcessor(options('proc-a'));
    processors.push(a);
    await produce(all.slice(0, half));
    const b = await startProcessor(options('proc-b'));
    processors.push(b);
    await expectDisjointSplit(a, b, 3 * PARTITIONS, 10_000);
    await produce(all.slice(half));
    await a.stop();
    processors.splice(processors.indexOf(a), 1);
    await settled();
    expect(b.ownedShards()).toHaveLength(3 * PARTITIONS);
    await expectOracle(all);
  }, 300_000);
});
