import { buildActors } from '../../actors/registry.ts';
import { ConfigResourceTypes, Kafka, logLevel, type Admin } from 'kafkajs';
import postgres from 'postgres';
import type { DomainEvent } from '../../schemas/index.ts';
import { topicOf } from '../../schemas/index.ts';
import { toKafkaRecord, writeRecords } from '../../generator/index.ts';
import { applyKafkajsFixes, kafkajsLogClient } from '../../adapters/kafkajs/index.ts';
import { createTestDatabase, type TestDatabase } from '../../scripts/infra/test-database.ts';
import { ensureKafka, type KafkaHandle } from '../../scripts/kafka/local-kafka.ts';
import { sourceTopicName, topicNames, type LogClient, type RecordSink, type TopicAdmin, type TopicNames } from '../../engine/index.ts';
import { readTopic } from './read-topic.ts';
import { migrate } from '../../store/migrations.ts';
import { PROCESSOR_DEFAULTS } from '../../engine/processor-options.ts';

/**
 * One isolated pipeline for an integration test: its own topic prefix and app name on the shared
 * broker, its own Postgres database. Runs never see each other's records or rows.
 */
export interface PipelineEnv {
  brokers: string[];
  db: TestDatabase;
  sql: postgres.Sql;
  admin: Admin;
  kafka: Kafka;
  /** The same cluster through the engine's ports. */
  client: LogClient;
  prefix: string;
  app: string;
  topics: TopicNames;
  partitions: number;
  /** Environment for `instance/processor-main.ts`. */
  processorEnv(ownerId: string): Record<string, string>;
  produce(events: readonly DomainEvent[]): Promise<void>;
  /** Produces raw records (e.g. poison) to a source topic of the contract, renamed for this env. */
  produceRaw(records: readonly { topic: string; key: string; value: string }[]): Promise<void>;
  /** Every record of a topic, read from the beginning with a throwaway consumer. */
  readAll(topic: string): Promise<{ key: string; value: string; headers: Record<string, string> }[]>;
  close(): Promise<void>;
}

/**
 * The group session timeout of the processors these tests spawn (the default is 10 s). After a
 * SIGKILL, or a SIGSTOP, the group hands the member's shards to another only once its session has
 * expired, so each kill cost a test ~10 s of waiting: most of the broker suites' time in CI
 * ("SIGKILL at 3 random points" 44.5 s at 10 s, 21.3 s at 3 s, same machine, side by side). 3 s
 * is what tests/failover-session.test.ts has proven under load (heartbeats every second, a third
 * of it). A broker allows sessions from its `group.min.session.timeout.ms` on (1 s on the local
 * broker of scripts/kafka/, 6 s by Kafka's default): against a broker of one's own the tests use
 * that minimum when it is longer (`testSessionTimeoutMs`). A test about the window itself sets
 * its own (tests/http-api.test.ts).
 */
const TEST_SESSION_TIMEOUT_MS = 3_000;

/**
 * TEST_SESSION_TIMEOUT_MS, or the broker's shortest allowed session when that is longer; the
 * processors' default when the broker does not say. Asked once per broker list.
 */
function testSessionTimeoutMs(admin: Admin, brokers: readonly string[]): Promise<number> {
  const key = brokers.join(',');
  let known = sessionTimeouts.get(key);
  if (!known) {
    known = brokerMinSession(admin).then((min) => (min === undefined ? PROCESSOR_DEFAULTS.sessionTimeoutMs : Math.max(TEST_SESSION_TIMEOUT_MS, min)));
    sessionTimeouts.set(key, known);
  }
  return known;
}
const sessionTimeouts = new Map<string, Promise<number>>();

/** The broker's `group.min.session.timeout.ms`; undefined when it cannot be read. */
async function brokerMinSession(admin: Admin): Promise<number | undefined> {
  try {
    const { brokers } = await admin.describeCluster();
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.BROKER, name: String(brokers[0]!.nodeId), configNames: ['group.min.session.timeout.ms'] }],
    });
    const value = Number(resources[0]?.configEntries.find((c) => c.configName === 'group.min.session.timeout.ms')?.configValue);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export async function createPipelineEnv(partitions = 3): Promise<PipelineEnv> {
  try {
    return await setUpPipelineEnv(partitions);
  } catch (e) {
    // Set-up is not what the tests check, and a broker still busy with the previous suite can
    // refuse it once (CI saw a beforeAll fail here once in ~30 runs): say what failed, retry once.
    console.error(`[pipeline-env] set-up failed, retrying once: ${(e as Error).stack ?? e}`);
    return setUpPipelineEnv(partitions);
  }
}

async function setUpPipelineEnv(partitions: number): Promise<PipelineEnv> {
  const broker: KafkaHandle | undefined = process.env.KAFKA_BROKERS ? undefined : await ensureKafka();
  const brokers = (process.env.KAFKA_BROKERS ?? broker!.brokers.join(',')).split(',');
  const db = await createTestDatabase();
  const sql = postgres(db.url, { max: 4, onnotice: () => {} });
  const prefix = `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}_`;
  // The test's own client with the fixes the product's has (no TimeoutNegativeWarning from kafkajs's idle timer).
  applyKafkajsFixes();
  const kafka = new Kafka({ clientId: `${prefix}test`, brokers, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const client = kafkajsLogClient(kafka);
  const topics = topicNames(prefix);
  let sink: RecordSink;
  let sessionMs = TEST_SESSION_TIMEOUT_MS;
  try {
    await migrate(sql);
    await admin.connect();
    sessionMs = await testSessionTimeoutMs(admin, brokers);
    await admin.createTopics({
      topics: Object.values(topics.source).map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
      waitForLeaders: true,
    });
    await producer.connect();
    sink = await client.sink();
  } catch (e) {
    await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
    await sql.end({ timeout: 1 }).catch(() => {});
    await db.drop().catch(() => {});
    await broker?.stop();
    throw e;
  }
  const app = `${prefix}app`;
  return {
    brokers, db, sql, admin, kafka, client, prefix, app, topics, partitions,
    processorEnv: (ownerId) => ({
      KAFKA_BROKERS: brokers.join(','),
      DATABASE_URL: db.url,
      APP: app,
      GROUP_ID: `${app}-group`,
      PARTITIONS: String(partitions),
      TOPIC_PREFIX: prefix,
      CHECKPOINT_INTERVAL_MS: '200',
      OWNER_ID: ownerId,
      KAFKA_SESSION_TIMEOUT_MS: String(sessionMs),
    }),
    async produce(events) {
      // The generator's own writer (batched, keyed, acks=all), with this env's topic names.
      const records = events.map((e) => ({ ...toKafkaRecord(e), topic: sourceTopicName(topics, topicOf(e.type)) }));
      await writeRecords(sink, records, { batchSize: 5000 });
    },
    async produceRaw(records) {
      await producer.sendBatch({
        acks: -1,
        topicMessages: records.map((r) => ({ topic: topics.source[r.topic as keyof typeof topics.source] ?? r.topic, messages: [{ key: r.key, value: r.value }] })),
      });
    },
    readAll: (topic) => readTopic(client, topic),
    async close() {
      await sink.disconnect();
      await producer.disconnect();
      await admin.disconnect();
      await sql.end({ timeout: 5 });
      await db.drop();
      await broker?.stop();
    },
  };
}

/**
 * Resolves when the pipeline has consumed everything: for every input topic partition (sources
 * and inboxes) the offset stored in Postgres equals Kafka's end offset, and the outbox is empty,
 * twice in a row (a relay may still be producing inbox messages in between).
 */
export async function waitUntilSettled(env: Pick<PipelineEnv, 'topics' | 'app' | 'client' | 'sql'>, timeoutMs = 240_000, moduleTypes: readonly { type: string; sourceTopic: string }[] = []): Promise<void> {
  const admin = await env.client.admin();
  try {
    await settle(env, admin, timeoutMs, moduleTypes);
  } finally {
    await admin.disconnect();
  }
}

async function settle(env: Pick<PipelineEnv, 'topics' | 'app' | 'sql'>, admin: TopicAdmin, timeoutMs: number, moduleTypes: readonly { type: string; sourceTopic: string }[]): Promise<void> {
  // Every built-in actor type (recommendations' sku_affinity too: on by default) and the modules'.
  const actors = [...buildActors({ analytics: false }), ...moduleTypes];
  const inputs = [...new Set([
    ...Object.values(env.topics.source),
    ...actors.flatMap((m) => [sourceTopicName(env.topics, m.sourceTopic), `${env.app}.${m.type}.inbox`]),
  ])];
  const deadline = Date.now() + timeoutMs;
  let calm = 0;
  let last = '';
  while (Date.now() < deadline) {
    const ends = new Map<string, number>();
    for (const topic of inputs) {
      // An inbox topic appears once the processor created it; until then it holds nothing.
      const offsets = (await admin.partitionCount(topic)) === undefined ? [] : await admin.offsets(topic);
      for (const o of offsets) ends.set(`${topic}:${o.partition}`, o.high);
    }
    const stored = new Map<string, number>(
      (await env.sql`select topic, partition, next_offset from input_offsets`).map((r) => [`${r.topic}:${r.partition}`, Number(r.next_offset)]),
    );
    const [{ n: outbox }] = (await env.sql`select count(*)::int as n from outbox`) as unknown as [{ n: number }];
    const behind = [...ends].filter(([tp, end]) => end > 0 && (stored.get(tp) ?? 0) < end);
    last = `behind: ${behind.map(([tp, end]) => `${tp} ${stored.get(tp) ?? 0}/${end}`).join(', ') || 'none'}; outbox ${outbox}`;
    calm = behind.length === 0 && outbox === 0 ? calm + 1 : 0;
    if (calm >= 2) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`pipeline did not settle in ${timeoutMs} ms (${last})`);
}
