import type { ActorDefinition } from '../../actors/actor.ts';
import { createShard, type Shard, type ShardDelta } from '../../engine/shard/shard.ts';
import type { SourceRecord } from '../../engine/shard/records.ts';
import { generateEvents, toKafkaRecord } from '../../generator/index.ts';
import { createTestDatabase } from '../../scripts/infra/test-database.ts';
import { createCheckpointStore } from '../../store/checkpoint-store.ts';
import { migrate } from '../../store/migrations.ts';
import { openPool, type Sql } from '../../store/pool.ts';

/**
 * The in-process harness of the cost benches (analytics-cost.ts, recommendations-checkpoint-cost.ts, history-cost.ts):
 * generated records through one shard per actor type, a checkpoint every CHECKPOINT_EVERY records
 * committed to a fresh Postgres database — no Kafka, no workers, so the figures are the shards' own
 * CPU and the commits' wall time.
 */
export const BATCH = 500;
export const CHECKPOINT_EVERY = 5_000;

export interface ShardRunSample {
  /** This thread's CPU in apply + take (a worker's, in production). */
  shardCpuMs: number;
  commitMs: number;
  rows: number;
}

/** The generator's records (seed 9, 10,000 users, 1,000 SKUs) as one partition's input. */
export function generatedRecords(count: number): SourceRecord[] {
  const { events } = generateEvents({ seed: 9, count, users: 10_000, skus: 1_000 });
  return events.map((e, offset) => {
    const r = toKafkaRecord(e);
    return { topic: r.topic, partition: 0, offset, key: r.key, value: r.value, headers: {}, timestamp: e.ts };
  });
}

export interface ShardRun {
  actors: readonly ActorDefinition<any>[];
  records: readonly SourceRecord[];
  /** The processed-events table to write (created here), when the run keeps it. */
  processedEventsTable?: string;
  /** Prepares the fresh database (e.g. an opt-in table) before the shards are acquired. */
  prepare?: (sql: Sql) => Promise<void>;
  /** Reads what it needs from the database after the last checkpoint, before it is dropped. */
  finish?: (sql: Sql) => Promise<void>;
  /** Shards write time-travel snapshots (ShardOptions.keepHistory). */
  keepHistory?: boolean;
  /** Rows a delta writes, as the bench counts them. */
  rowsOf(d: ShardDelta): number;
}

export async function runShardsWithCheckpoints(run: ShardRun): Promise<ShardRunSample> {
  const db = await createTestDatabase();
  const sql = openPool(db.url, { max: 4 });
  try {
    await migrate(sql);
    await run.prepare?.(sql);
    const store = createCheckpointStore(sql, { processedEventsTable: run.processedEventsTable });
    const shards: { shard: Shard; epoch: number }[] = [];
    const byTopic = new Map<string, Shard>();
    for (const actor of run.actors) {
      const shard = createShard({ actor, partition: 0, app: 'bench', wallClock: () => 0, keepProcessed: run.processedEventsTable !== undefined, keepHistory: run.keepHistory });
      shards.push({ shard, epoch: await store.acquire(shard.id, 'bench') });
      byTopic.set(actor.sourceTopic, shard);
    }
    const sample: ShardRunSample = { shardCpuMs: 0, commitMs: 0, rows: 0 };
    const checkpoint = async () => {
      const c0 = process.cpuUsage();
      const deltas = shards.map((s) => ({ ...s.shard.takeDelta(), shard: s.shard.id, epoch: s.epoch }));
      sample.shardCpuMs += cpuMs(process.cpuUsage(c0));
      const t0 = performance.now();
      await Promise.all(deltas.map((d) => store.commit(d)));
      sample.commitMs += performance.now() - t0;
      for (const d of deltas) sample.rows += run.rowsOf(d);
    };
    for (let i = 0; i < run.records.length; i += BATCH) {
      const batch = run.records.slice(i, i + BATCH);
      const c0 = process.cpuUsage();
      for (const [topic, shard] of byTopic) shard.apply(batch.filter((r) => r.topic === topic));
      sample.shardCpuMs += cpuMs(process.cpuUsage(c0));
      if ((i + BATCH) % CHECKPOINT_EVERY === 0) await checkpoint();
    }
    await checkpoint();
    await run.finish?.(sql);
    return sample;
  } finally {
    await sql.end({ timeout: 5 });
    await db.drop();
  }
}

function cpuMs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000;
}

/** `median (min–max)`, rounded. */
export function summary(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `${Math.round(s[Math.floor(s.length / 2)]!)} (${Math.round(s[0]!)}–${Math.round(s.at(-1)!)})`;
}
