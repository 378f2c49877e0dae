import postgres from 'postgres';
import { createInProcessLog, startPgliteServer, type InProcessLog, type PgliteServer } from '../../adapters/embedded/index.ts';
import { startProcessor, type Processor, type ProcessorOptions } from '../../engine/processor.ts';
import { sourceTopicName, topicNames, type TopicNames } from '../../engine/topic-names.ts';
import { toKafkaRecord, writeRecords } from '../../generator/index.ts';
import { topicOf, type DomainEvent } from '../../schemas/index.ts';
import { waitUntilSettled } from './pipeline-env.ts';

/**
 * The embedded default as the engine tests use it: `startProcessor` on the in-process log and
 * PGlite (through its socket), both kept across processors so a test can stop one and start
 * another on the same log and database. `close()` stops every processor started here.
 */
export interface EmbeddedEnv {
  readonly log: InProcessLog;
  readonly sql: postgres.Sql;
  readonly topics: TopicNames;
  /** Starts a processor of this env's group (`extra` overrides the defaults). */
  start(ownerId: string, extra?: Partial<ProcessorOptions>): Promise<Processor>;
  /** Stops one processor started here. */
  stop(p: Processor): Promise<void>;
  /** The generator's writer, through the in-process log's sink. */
  produce(events: readonly DomainEvent[]): Promise<void>;
  /** The real-broker tests' settle check (stored offsets = log end offsets, outbox empty, twice). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export async function createEmbeddedEnv(opts: { app: string; partitions: number; checkpointIntervalMs: number }): Promise<EmbeddedEnv> {
  const pg: PgliteServer = await startPgliteServer();
  const log = createInProcessLog();
  const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
  const topics = topicNames();
  // The source topics exist before anything is produced (the log, like the brokers, never auto-creates).
  await (await log.admin()).ensureSourceTopics(Object.values(topics.source), opts.partitions);
  const running: Processor[] = [];
  const options = (ownerId: string): ProcessorOptions => ({
    databaseUrl: pg.url, app: opts.app, groupId: `${opts.app}-group`, partitions: opts.partitions,
    checkpointIntervalMs: opts.checkpointIntervalMs, ownerId, client: log, postgresPoolSize: 1,
    onFatal: (e) => {
      throw e;
    },
  });
  return {
    log, sql, topics,
    async start(ownerId, extra = {}) {
      const p = await startProcessor({ ...options(ownerId), ...extra });
      running.push(p);
      return p;
    },
    async stop(p) {
      running.splice(running.indexOf(p), 1);
      await p.stop();
    },
    async produce(events) {
      const sink = await log.sink();
      await writeRecords(sink, events.map((e) => ({ ...toKafkaRecord(e), topic: sourceTopicName(topics, topicOf(e.type)) })), { batchSize: 5000 });
      await sink.disconnect();
    },
    settled: () => waitUntilSettled({ topics, app: opts.app, client: log, sql }, 120_000),
    async close() {
      for (const p of running.splice(0)) await p.stop().catch(() => {});
      await sql.end({ timeout: 5 });
      await log.close();
      await pg.close();
    },
  };
}
