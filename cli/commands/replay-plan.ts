/**
 * The mechanics of `actorstream replay`: where each input partition restarts, and what the reset
 * that makes processors rebuild the actor types from there would delete. The reset itself, one
 * Postgres transaction that also fences the shards' owners, is `resetForReplay` in store/replay.ts.
 *
 * Why a reset, not a fold in this process: the processors already are the deterministic fold of
 * the log (pure actors, offsets of truth in Postgres). Emptying a type's committed state and
 * pointing its offsets of truth at the restart positions makes the next owner of each shard
 * restore nothing and read from there — the same code path as a first start, so the rebuilt state
 * is exactly what the runtime computes, with workers, timers, inbox dedup and checkpoints.
 */
import { shardId, type TopicAdmin } from '../../engine/index.ts';
import { replayResetCounts, type ReplayResetCounts, type ReplayScope, type Sql } from '../../store/index.ts';
import { CommandFailed } from './command-support.ts';

/** Where replay starts: the log start, one offset for every partition, or a Kafka record time. */
export type ReplayFrom = { kind: 'earliest' } | { kind: 'offset'; offset: number } | { kind: 'time'; ms: number };

/**
 * One actor type to reset, with its input topics. Its source restarts at `from`; its inbox at its
 * end, because every type that sends to it is reset too and sends every message again (replay.ts).
 */
export interface ReplayTarget {
  type: string;
  sourceTopic: string;
  inboxTopic: string;
  /** Its read model's table, emptied with its states (it is rebuilt with them). */
  readModelTable?: string;
}

/** What `resetForReplay` (store/replay.ts) resets, the restart positions explained, and what it deletes. */
export interface ReplayPlan extends ReplayScope {
  types: string[];
  shards: string[];
  /** Restart position of every input partition of the targets. */
  positions: { topic: string; partition: number; shard: string; offset: number; note?: string }[];
  /** Rows the reset deletes, counted now. */
  counts: ReplayResetCounts;
}

/** Parses `--from`: `earliest`, an offset (< 10^12), epoch milliseconds (≥ 10^12) or an ISO date. */
export function parseFrom(raw: string): ReplayFrom | undefined {
  const s = raw.trim();
  if (s === 'earliest' || s === 'beginning') return { kind: 'earliest' };
  // 10^12 ms is September 2001: no record of this product is older, and no partition holds 10^12 records.
  if (/^\d+$/.test(s)) return Number(s) < 1e12 ? { kind: 'offset', offset: Number(s) } : { kind: 'time', ms: Number(s) };
  const ms = /^\d{4}-\d\d-\d\d/.test(s) ? Date.parse(s) : NaN;
  return Number.isFinite(ms) ? { kind: 'time', ms } : undefined;
}

/** Computes restart positions from Kafka and counts what the reset would delete. */
export async function planReplay(admin: TopicAdmin, sql: Sql, targets: ReplayTarget[], from: ReplayFrom): Promise<ReplayPlan> {
  const scope = await replayScope(admin, targets, from);
  return { ...scope, counts: await replayResetCounts(sql, scope) };
}

/** The shards the reset covers and where each of their input partitions restarts (read from the log's admin). */
export async function replayScope(admin: Pick<TopicAdmin, 'partitionCount' | 'offsets' | 'offsetsAt'>, targets: ReplayTarget[], from: ReplayFrom): Promise<Omit<ReplayPlan, 'counts'>> {
  const positions: ReplayPlan['positions'] = [];
  const shards: string[] = [];
  for (const t of targets) {
    const n = await admin.partitionCount(t.sourceTopic);
    if (n === undefined) throw new CommandFailed(`topic ${t.sourceTopic} does not exist: nothing to replay ${t.type} from`);
    for (let p = 0; p < n; p++) shards.push(shardId(t.type, p));
    positions.push(...(await startPositions(admin, t.sourceTopic, t.type, from)));
    // An inbox that does not exist yet holds nothing: its shard will start it at 0.
    if ((await admin.partitionCount(t.inboxTopic)) === undefined) continue;
    positions.push(...(await startPositions(admin, t.inboxTopic, t.type, 'end')));
  }
  const readModelTables = targets.flatMap((t) => (t.readModelTable ? [t.readModelTable] : []));
  return { types: targets.map((t) => t.type), shards, positions, readModelTables };
}

async function startPositions(admin: Pick<TopicAdmin, 'offsets' | 'offsetsAt'>, topic: string, type: string, from: ReplayFrom | 'end'): Promise<ReplayPlan['positions']> {
  const bounds = await admin.offsets(topic);
  const byTime = from !== 'end' && from.kind === 'time' ? await admin.offsetsAt(topic, from.ms) : [];
  return bounds
    .map((b) => {
      const low = Number(b.low);
      const high = Number(b.high);
      const shard = shardId(type, b.partition);
      if (from === 'end') return { topic, partition: b.partition, shard, offset: high, note: 'end: only messages sent by the rebuild' };
      if (from.kind === 'earliest') return { topic, partition: b.partition, shard, offset: low };
      if (from.kind === 'time') {
        const at = Number(byTime.find((o) => o.partition === b.partition)?.offset ?? high);
        return { topic, partition: b.partition, shard, offset: at, ...(at === high ? { note: 'no record at or after that time' } : {}) };
      }
      // Outside [low, high] Kafka would reset the consumer to the log start: clamp, and say so.
      const offset = Math.min(Math.max(from.offset, low), high);
      return { topic, partition: b.partition, shard, offset, ...(offset !== from.offset ? { note: `clamped to the log's range ${low}..${high}` } : {}) };
    })
    .sort((a, b) => a.partition - b.partition);
}
