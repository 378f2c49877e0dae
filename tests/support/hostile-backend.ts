import postgres from 'postgres';
import type { ActorDefinition } from '../../actors/actor.ts';
import { generateEvents, toKafkaRecord, writeRecords } from '../../generator/index.ts';
import { createInProcessLog } from '../../adapters/embedded/in-process-log.ts';
import { startPgliteServer } from '../../adapters/embedded/pglite-server.ts';
import { kafkajsClusterClient } from '../../adapters/kafkajs/index.ts';
import { topicNames, type LogClient, type ProcessorOptions, type TopicNames } from '../../engine/index.ts';
import { topicOf, type DomainEvent } from '../../schemas/index.ts';
import { createPipelineEnv, waitUntilSettled, type PipelineEnv } from './pipeline-env.ts';
import { readTopic } from './read-topic.ts';

/**
 * One pipeline for the hostile-input tests, on a real broker + Postgres or on the embedded default
 * (in-process log + PGlite): the same processor options, producers and readers for both.
 */
export interface HostileBackend {
  name: string;
  sql: postgres.Sql;
  topics: TopicNames;
  options(ownerId: string, actors: readonly ActorDefinition<any>[]): ProcessorOptions;
  produce(events: readonly DomainEvent[]): Promise<void>;
  /** Raw records on a contract topic (renamed for this backend), as a producer that bypasses the API would send them. */
  produceRaw(records: readonly { topic: keyof TopicNames['source']; key: string; value: string | Uint8Array; timestamp?: number }[]): Promise<void>;
  /** Every record of a topic, from the beginning. */
  readAll(topic: string): Promise<{ key: string; value: string; headers: Record<string, string> }[]>;
  settled(): Promise<void>;
  close(): Promise<void>;
}

const PARTITIONS = 3;

export async function realBackend(): Promise<HostileBackend> {
  const env = await createPipelineEnv(PARTITIONS);
  const client = kafkajsClusterClient(`${env.prefix}hostile`, env.brokers);
  return backend('real broker + Postgres', client, env.sql, env.topics, env.app, { client, databaseUrl: env.db.url, postgresPoolSize: 4 }, () => waitUntilSettled(env, 180_000), () => env.close());
}

export async function embeddedBackend(): Promise<HostileBackend> {
  const pg = await startPgliteServer();
  const log = createInProcessLog();
  const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
  const topics = topicNames();
  const admin = await log.admin();
  await admin.ensureSourceTopics(Object.values(topics.source), PARTITIONS);
  const app = 'hostile';
  const settle = () => waitUntilSettled({ topics, app, client: log, sql }, 120_000);
  return backend('embedded', log, sql, topics, app, { databaseUrl: pg.url, client: log, postgresPoolSize: 1 }, settle, async () => {
    await admin.disconnect();
    await sql.end({ timeout: 5 });
    await log.close();
    await pg.close();
  });
}

/** Generated traffic (past event time, like the benchmarks) for the oracle comparison. */
export function generated(seed: number, count: number): DomainEvent[] {
  return generateEvents({ seed, count, users: 300, skus: 60, minPerPattern: 1 }).events;
}

function backend(
  name: string, client: LogClient, sql: postgres.Sql, topics: TopicNames, app: string,
  connection: Pick<ProcessorOptions, 'databaseUrl' | 'client' | 'postgresPoolSize'>,
  settled: () => Promise<void>, closeEnv: () => Promise<void>,
): HostileBackend {
  const connected = client.sink();
  return {
    name, sql, topics, settled,
    options: (ownerId, actors) => ({
      ...connection, app, groupId: `${app}-group`, partitions: PARTITIONS, topics, checkpointIntervalMs: 200, ownerId,
      workers: 0, actors,
      onFatal: (e) => {
        throw e;
      },
    }),
    async produce(events) {
      const records = events.map((e) => ({ ...toKafkaRecord(e), topic: topics.source[topicOf(e.type)] }));
      await writeRecords(await connected, records, { batchSize: 5000 });
    },
    async produceRaw(records) {
      const sink = await connected;
      for (const r of records) await sink.send([{ ...r, topic: topics.source[r.topic] }]);
    },
    readAll: (topic) => readTopic(client, topic),
    async close() {
      await (await connected).disconnect().catch(() => {});
      await closeEnv();
    },
  };
}
