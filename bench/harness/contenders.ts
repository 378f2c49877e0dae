/**
 * The contenders: how to launch each as a child process and, for those that keep SKU state, how to
 * read their final SKU states for the comparison with the oracle.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import type { SkuState } from '../../actors/sku.ts';
import { REPO_ROOT } from '../../scripts/kafka/jars.ts';
import type { ContenderConfig } from '../contenders/protocol.ts';
import type { DataSet } from './dataset.ts';
import type { BenchDatabase } from './infra.ts';

export const CONTENDER_IDS = ['raw-kafkajs', 'raw-platformatic', 'naive', 'actorstream-bun', 'actorstream-bun-no-analytics', 'actorstream-bun-no-recommendations', 'actorstream-bun-platformatic', 'actorstream-bun-pipelined', 'actorstream-bun-two-batches', 'actorstream-bun-purging-allocator', 'actorstream-bun-group-commit', 'actorstream-bun-shard-commits', 'actorstream-bun-fixed-interval', 'actorstream-bun-local-messages', 'actorstream-bun-kafka-messages', 'actorstream-bun-event-time-merge', 'actorstream-bun-event-time-merge-kafka-messages', 'actorstream-deno', 'actorstream-deno-event-time-merge', 'actorstream-deno-local-messages', 'actorstream-deno-kafka-messages', 'actorstream-deno-group-commit', 'actorstream-deno-two-batches', 'actorstream-deno-pipelined', 'actorstream-deno-platformatic', 'kafka-streams'] as const;
export type ContenderId = (typeof CONTENDER_IDS)[number];

export interface LaunchContext {
  brokers: string[];
  data: DataSet;
  /** Source records the contender must consume. */
  expect: number;
  partitions: number;
  checkpointIntervalMs: number;
  timeoutMs: number;
  /** Unique per launch: consumer group, app name, Kafka Streams application.id. */
  name: string;
  db?: BenchDatabase;
  /** Scratch directory of this launch. */
  workDir: string;
  /** actorstream only. */
  mode?: 'consume' | 'recover';
  workers?: number;
  ownerId?: string;
  /** Kafka Streams classpath (ensurePeerBuilt). */
  classpath?: string;
  /** Bun contenders: write a CPU profile (.cpuprofile and markdown) here when the process exits. */
  profileDir?: string;
}

export interface Launch {
  cmd: string;
  args: string[];
  env: Record<string, string>;
}

export interface ContenderSpec {
  id: ContenderId;
  label: string;
  /** What the contender is, in one line, for the report. */
  what: string;
  usesPostgres: boolean;
  launch(ctx: LaunchContext): Launch;
  /** Final SKU states (onHand, reserved, reorderPoint, lowStock) after `done`, when it keeps them. */
  skuStates?(ctx: LaunchContext): Promise<Map<string, SkuState>>;
}

const BUN = join(REPO_ROOT, 'node_modules', '.bin', 'bun');
const DENO = join(REPO_ROOT, 'node_modules', '.bin', 'deno');
/** The default before 2026-12-03 on two cores (twice the shard threads), for side-by-side runs. */
const TWO_BATCHES = 2;
const contender = (file: string) => join(REPO_ROOT, 'bench', 'contenders', file);
/** `deno run -A <file>`, V8's old space raised to 4 GB, for every Deno contender of this runtime. */
const denoArgs = (file: string) => ['run', '-A', '--quiet', '--v8-flags=--max-old-space-size=4096', contender(file)];
/** `bun [--cpu-prof …] <file>`: Bun's sampling profiler covers the main thread (not shard workers). */
const bunArgs = (ctx: LaunchContext, file: string) => [
  ...(ctx.profileDir ? ['--cpu-prof', '--cpu-prof-md', `--cpu-prof-dir=${ctx.profileDir}`, `--cpu-prof-name=${ctx.name}`] : []),
  contender(file),
];

export const CONTENDERS: Record<ContenderId, ContenderSpec> = {
  'raw-kafkajs': {
    id: 'raw-kafkajs',
    label: 'raw kafkajs (Bun)',
    what: 'no-op consume loop, kafkajs eachBatch counting messages: the ceiling of the client actorstream uses',
    usesPostgres: false,
    launch: (ctx) => ({ cmd: BUN, args: bunArgs(ctx, 'raw-kafkajs.ts'), env: configEnv(ctx) }),
  },
  'raw-platformatic': {
    id: 'raw-platformatic',
    label: 'raw @platformatic/kafka (Bun)',
    what: 'no-op consume loop, @platformatic/kafka stream counting messages: a faster pure-JS client',
    usesPostgres: false,
    launch: (ctx) => ({ cmd: BUN, args: bunArgs(ctx, 'raw-platformatic.ts'), env: configEnv(ctx) }),
  },
  naive: {
    id: 'naive',
    label: 'naive kafkajs → Postgres (Bun)',
    what: 'kafkajs consume, crude SKU/order/velocity logic in memory, one upsert statement per batch, auto-commit; no actors, no exactly-once, no payment timeout',
    usesPostgres: true,
    launch: (ctx) => ({ cmd: BUN, args: bunArgs(ctx, 'naive.ts'), env: configEnv(ctx) }),
    async skuStates(ctx) {
      return readSkus(ctx.db!, `select sku as key, on_hand, reserved, coalesce(reorder_point, 0) as reorder_point, low_stock from naive_skus`, (r) => ({
        onHand: Number(r.on_hand), reserved: Number(r.reserved), reorderPoint: Number(r.reorder_point), lowStock: Boolean(r.low_stock),
      }));
    },
  },
  'actorstream-bun': {
    id: 'actorstream-bun',
    label: 'actorstream (Bun)',
    what: 'this runtime: startProcessor with the sku, order and user actors, shards in Web Workers, exactly-once checkpoints to Postgres',
    usesPostgres: true,
    launch: (ctx) => ({ cmd: BUN, args: bunArgs(ctx, 'actorstream.ts'), env: configEnv(ctx) }),
    skuStates: actorstreamSkus,
  },
  'actorstream-bun-no-analytics': {
    id: 'actorstream-bun-no-analytics',
    label: 'actorstream (Bun), analytics off',
    what: 'the same processor without read models and per-minute aggregates: what they cost (docs/analytics.md)',
    usesPostgres: true,
    launch: (ctx) => ({ cmd: BUN, args: bunArgs(ctx, 'actorstream.ts'), env: configEnv(ctx, { analytics: false }) }),
    skuStates: actorstreamSkus,
  },
  'actorstream-bun-no-recommendations': {
    id: 'actorstream-bun-no-recommendations',
    label: 'actorstream (Bun), recommendations off',
    what: 'the same processor without the recommendations actors and facts: what they cost (docs/recommendations.md)',
    usesPostgres: true,
    launch: (ctx) => ({ cmd: BUN, args: bunArgs(ctx, 'actorstream.ts'), env: configEnv(ctx, { recommendations: false }) }),
    skuStates: actorstreamSkus,
  },
  'actorstream-bun-platformatic': {
    id: 'actorstream-bun-platformatic',
    label: 'actorstream (Bun), @platformatic/kafka',
    what: 'the same processor on the second Kafka client (kafka.client: platformatic): the clients side by side in the full pipeline',
    usesPostgres: true,
    launch: (ctx) => ({ cmd: BUN, args: bunArgs(ctx, 'actorstream.ts'), env: configEnv(ctx, { client: 'platformatic' }) }),
    skuStates: actorstreamSkus,
  },
  'actorstream-bun-pipelined': {
    id: 'actorstream-bun-pipelined',
    label: 'actorstream (Bun), pipelined batches',
    what: 'the same processor applying a partition\'s batch while the next is fetched (processing.pipeline_batches, engine/intake-lanes.ts)',
    usesPostgres: true,
    launch: (ctx) => ({ cmd: BUN, args: bunArgs(ctx, 'actorstream.ts'), env: configEnv(ctx, { pipelineBatches: true }) }),
    skuStates: actorstreamSkus,
  },
  'actorstream-bun-two-batches': {
    id: 'actorstream-bun-two-batches',
    label: 'actorstream (Bun), two batches in flight',
    what: 'the same processor handing a fetch\'s batches to the shards two at a time (batchesInFlight 2, the default before 2026-12-03 on two cores; now 64)',
    usesPostgres: true,
    launch: (ctx) => ({ cmd: BUN, args: bunArgs(ctx, 'actorstream.ts'), env: configEnv(ctx, { batchesInFlight: TWO_BATCHES }) }),
    skuStates: actorstreamSkus,
  },
  'actorstream-bun-purging-allocator': {
    id: 'actorstream-bun-purging-allocator',
    label: 'actorstream (Bun), allocator purging freed pages',
    what: 'the same processor with mimalloc\'s default purge delay (10 ms, the setting before 2026-12-03) instead of keeping freed pages for a second (runtime/allocator.ts)',
    usesPostgres: true,
    launch: (ctx) => ({ cmd: BUN, args: bunArgs(ctx, 'actorstream.ts'), env: { ...configEnv(ctx), MIMALLOC_PURGE_DELAY: '10' } }),
    skuStates: actorstreamSkus,
  },
  'actorstream-deno': {
    id: 'actorstream-deno',
    label: 'actorstream (Deno)',
    what: 'the same processor on Deno (deno run -A)',
    usesPostgres: true,
    launch: (ctx) => ({ cmd: DENO, args: denoArgs('actorstream.ts'), env: configEnv(ctx) }),
    skuStates: actorstreamSkus,
  },
  'actorstream-deno-platformatic': {
    id: 'actorstream-deno-platformatic',
    label: 'actorstream (Deno), @platformatic/kafka',
    what: 'the same processor on Deno with the second Kafka client',
    usesPostgres: true,
    launch: (ctx) => ({ cmd: DENO, args: denoArgs('actorstream.ts'), env: configEnv(ctx, { client: 'platformatic' }) }),
    skuStates: actorstreamSkus,
  },
  'actorstream-deno-pipelined': {
    id: 'actorstream-deno-pipelined',
    label: 'actorstream (Deno), pipelined batches',
    what: 'the same processor on Deno applying a partition\'s batch while the next is fetched',
    usesPostgres: true,
    launch: (ctx) => ({ cmd: DENO, args: denoArgs('actorstream.ts'), env: configEnv(ctx, { pipelineBatches: true }) }),
    skuStates: actorstreamSkus,
  },
  'actorstream-bun-group-commit': {
    id: 'actorstream-bun-group-commit',
    label: 'actorstream (Bun), group commit',
    what: 'the same processor committing the dirty shards of a checkpoint pass in group transactions of ~8 shards (processing.group_commit, engine/checkpoint-group.ts; the default since 2026-12-05, set explicitly here)',
    usesPostgres: true,
    launch: (ctx) => ({ cmd: BUN, args: bunArgs(ctx, 'actorstream.ts'), env: configEnv(ctx, { groupCommit: true }) }),
    skuStates: actorstreamSkus,
  },
  'actorstream-bun-shard-commits': {
    id: 'actorstream-bun-shard-commits',
    label: 'actorstream (Bun), a transaction per shard',
    what: 'the same processor committing each dirty shard in its own transaction, five at a time (processing.group_commit: false; the default before 2026-12-05)',
    usesPostgres: true,
    launch: (ctx) => ({ cmd: BUN, args: bunArgs(ctx, 'actorstream.ts'), env: configEnv(ctx, { groupCommit: false }) }),
    skuStates: actorstreamSkus,
  },
  'actorstream-bun-fixed-interval': {
    id: 'actorstream-bun-fixed-interval',
    label: 'actorstream (Bun), fixed checkpoint interval',
    what: 'the same processor checkpointing on a fixed timer, every interval, as before 2026-12-05 (processing.checkpoint_min_interval_ms equal to the interval; the default runs passes up to 4× as often while they are cheap, engine/checkpoint-schedule.ts)',
    usesPostgres: true,
    launch: (ctx) => ({ cmd: BUN, args: bunArgs(ctx, 'actorstream.ts'), env: configEnv(ctx, { checkpointMinIntervalMs: ctx.checkpointIntervalMs }) }),
    skuStates: actorstreamSkus,
  },
  'actorstream-bun-local-messages': {
    id: 'actorstream-bun-local-messages',
    label: 'actorstream (Bun), local messages',
    what: 'the same processor handing messages between its own shards over in memory instead of through Kafka (processing.local_messages, engine/local-delivery.ts; the default since 2026-12-05, set explicitly here)',
    usesPostgres: true,
    launch: (ctx) => ({ cmd: BUN, args: bunArgs(ctx, 'actorstream.ts'), env: configEnv(ctx, { localMessages: true }) }),
    skuStates: actorstreamSkus,
  },
  'actorstream-bun-kafka-messages': {
    id: 'actorstream-bun-kafka-messages',
    label: 'actorstream (Bun), messages through Kafka',
    what: 'the same processor sending every message between shards through the inbox topics (processing.local_messages: false; the default before 2026-12-05)',
    usesPostgres: true,
    launch: (ctx) => ({ cmd: BUN, args: bunArgs(ctx, 'actorstream.ts'), env: configEnv(ctx, { localMessages: false }) }),
    skuStates: actorstreamSkus,
  },
  'actorstream-bun-event-time-merge': {
    id: 'actorstream-bun-event-time-merge',
    label: 'actorstream (Bun), event-time merge',
    what: 'the same processor giving sku, user and sku_affinity their inputs in event-time order, as the oracle does (processing.event_time_merge, engine/shard/merged-inputs.ts); messages to other types (the SKUs\' answers to orders) in memory, as by default',
    usesPostgres: true,
    launch: (ctx) => ({ cmd: BUN, args: bunArgs(ctx, 'actorstream.ts'), env: configEnv(ctx, { eventTimeMerge: true }) }),
    skuStates: actorstreamSkus,
  },
  'actorstream-bun-event-time-merge-kafka-messages': {
    id: 'actorstream-bun-event-time-merge-kafka-messages',
    label: 'actorstream (Bun), event-time merge, messages through Kafka',
    what: 'event-time merge with every message through the inbox topics (processing.local_messages: false; what the merge always did before 2026-12-05, session 45)',
    usesPostgres: true,
    launch: (ctx) => ({ cmd: BUN, args: bunArgs(ctx, 'actorstream.ts'), env: configEnv(ctx, { eventTimeMerge: true, localMessages: false }) }),
    skuStates: actorstreamSkus,
  },
  'actorstream-deno-event-time-merge': {
    id: 'actorstream-deno-event-time-merge',
    label: 'actorstream (Deno), event-time merge',
    what: 'the same processor on Deno with event-time merge (processing.event_time_merge)',
    usesPostgres: true,
    launch: (ctx) => ({ cmd: DENO, args: denoArgs('actorstream.ts'), env: configEnv(ctx, { eventTimeMerge: true }) }),
    skuStates: actorstreamSkus,
  },
  'actorstream-deno-local-messages': {
    id: 'actorstream-deno-local-messages',
    label: 'actorstream (Deno), local messages',
    what: 'the same processor on Deno with local messages (processing.local_messages; the default since 2026-12-05, set explicitly here)',
    usesPostgres: true,
    launch: (ctx) => ({ cmd: DENO, args: denoArgs('actorstream.ts'), env: configEnv(ctx, { localMessages: true }) }),
    skuStates: actorstreamSkus,
  },
  'actorstream-deno-kafka-messages': {
    id: 'actorstream-deno-kafka-messages',
    label: 'actorstream (Deno), messages through Kafka',
    what: 'the same processor on Deno sending every message between shards through the inbox topics (processing.local_messages: false)',
    usesPostgres: true,
    launch: (ctx) => ({ cmd: DENO, args: denoArgs('actorstream.ts'), env: configEnv(ctx, { localMessages: false }) }),
    skuStates: actorstreamSkus,
  },
  'actorstream-deno-group-commit': {
    id: 'actorstream-deno-group-commit',
    label: 'actorstream (Deno), group commit',
    what: 'the same processor on Deno with group commit (processing.group_commit)',
    usesPostgres: true,
    launch: (ctx) => ({ cmd: DENO, args: denoArgs('actorstream.ts'), env: configEnv(ctx, { groupCommit: true }) }),
    skuStates: actorstreamSkus,
  },
  'actorstream-deno-two-batches': {
    id: 'actorstream-deno-two-batches',
    label: 'actorstream (Deno), two batches in flight',
    what: 'the same processor on Deno handing a fetch\'s batches to the shards two at a time (the default before 2026-12-03)',
    usesPostgres: true,
    launch: (ctx) => ({ cmd: DENO, args: denoArgs('actorstream.ts'), env: configEnv(ctx, { batchesInFlight: TWO_BATCHES }) }),
    skuStates: actorstreamSkus,
  },
  'kafka-streams': {
    id: 'kafka-streams',
    label: 'Kafka Streams 3.9.1 (Java 17)',
    what: 'the Java peer: SKU inventory + simplified order saga + velocity rule, exactly_once_v2, RocksDB stores, 1 stream thread, -Xmx512m',
    usesPostgres: false,
    launch(ctx) {
      mkdirSync(ctx.workDir, { recursive: true });
      return {
        cmd: 'java',
        args: [
          '-Xmx512m', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', ctx.classpath!, 'dev.actorstream.bench.StreamsPeer',
          '--brokers', ctx.brokers.join(','), '--prefix', ctx.data.prefix, '--app-id', ctx.name, '--partitions', String(ctx.partitions),
          '--expect', String(ctx.expect), '--commit-interval-ms', String(ctx.checkpointIntervalMs), '--timeout-ms', String(ctx.timeoutMs),
          '--state-dir', join(ctx.workDir, 'state'), '--out', join(ctx.workDir, 'skus.json'),
        ],
        env: {},
      };
    },
    async skuStates(ctx) {
      return new Map(Object.entries(JSON.parse(readFileSync(join(ctx.workDir, 'skus.json'), 'utf8')) as Record<string, SkuState>));
    },
  },
};

function configEnv(ctx: LaunchContext, extra: Partial<ContenderConfig> = {}): Record<string, string> {
  const config: ContenderConfig = {
    ...extra,
    brokers: ctx.brokers,
    topics: ctx.data.topics.source,
    prefix: ctx.data.prefix,
    expect: ctx.expect,
    partitions: ctx.partitions,
    groupId: ctx.name,
    databaseUrl: ctx.db?.url,
    app: `${ctx.name}-app`,
    ownerId: ctx.ownerId,
    checkpointIntervalMs: ctx.checkpointIntervalMs,
    workers: ctx.workers,
    mode: ctx.mode,
    timeoutMs: ctx.timeoutMs,
  };
  return { BENCH_CONFIG: JSON.stringify(config) };
}

function actorstreamSkus(ctx: LaunchContext): Promise<Map<string, SkuState>> {
  return readSkus(ctx.db!, `select key, state from actor_states where actor_type = 'sku'`, (r) => r.state as SkuState);
}

async function readSkus(db: BenchDatabase, query: string, map: (row: Record<string, unknown>) => SkuState): Promise<Map<string, SkuState>> {
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  try {
    return new Map((await sql.unsafe(query)).map((r) => [String(r.key), map(r)]));
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Final SKU states against the oracle's: every SKU, all four fields. */
export function compareSkus(actual: Map<string, SkuState>, expected: Map<string, SkuState>): { equal: boolean; differing: number; total: number; example?: string } {
  const pick = (s: SkuState | undefined) => (s ? `${s.onHand}/${s.reserved}/${s.reorderPoint}/${s.lowStock}` : 'absent');
  let differing = 0;
  let example: string | undefined;
  for (const key of new Set([...expected.keys(), ...actual.keys()])) {
    const a = pick(actual.get(key));
    const e = pick(expected.get(key));
    if (a === e) continue;
    differing++;
    example ??= `${key}: got ${a}, oracle ${e} (onHand/reserved/reorderPoint/lowStock)`;
  }
  return { equal: differing === 0, differing, total: expected.size, example };
}
