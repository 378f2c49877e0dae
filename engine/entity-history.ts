import type { ActorDefinition } from '../actors/actor.ts';
import { inboxTopicOf } from '../schemas/index.ts';
import { historyAround, shardInputOffsets, type HistorySnapshot, type Sql } from '../store/index.ts';
import { shardId } from './shard-id.ts';
import type { LogClient, TailRecord } from './log-client.ts';
import type { TopicAdmin } from './topic-admin.ts';
import { readPartitionRange } from './partition-range.ts';
import { isThroughPoint, resolveOffset, type HistoryPoint, type PointError, type ResolvedPoint } from './history-point.ts';
import { createShard } from './shard/shard.ts';
import type { SourceRecord } from './shard/records.ts';

/**
 * Time travel (issue #16): an entity's state at a past event time, rebuilt from the history its
 * checkpoints keep (store/history.ts) plus its inputs after it, read back from the log.
 *
 * What is kept: for each actor type in `history.actors`, every checkpoint in which an entity's
 * state (or quarantine) changed writes a snapshot of it beside the state row — its state, dedup
 * window, pending timers, and the shard's input offsets at that checkpoint — stamped with the
 * latest event time the entity had been given (a running maximum).
 *
 * What "the state at t" means: the driver's answer — every input of event time t or before, in
 * event-time order, then the timers due by t. Live, the engine applies inputs in arrival order,
 * and an inbox message can arrive after a later source event (it needs a checkpoint and a relay
 * first); the rebuild puts it back in its place.
 *
 * The rebuild: the base is the last snapshot before the first one stamped later than t (so it holds
 * no input later than t). Then the entity's records from the base's offsets on, up to the first
 * snapshot stamped later than t + LATENESS_MS (or to where its shard has checkpointed): those of
 * time t or before, in event-time order, are applied by the engine's own shard code; then the timers
 * due by t fire. An input that reached the entity more than LATENESS_MS of event time after a later
 * one is not found; the records read are bounded by MAX_RECORDS_PER_PARTITION.
 */

/** How much later in event time than `at` a snapshot must be before inputs of `at` are no longer looked for behind it. */
export const LATENESS_MS = 60_000;
/** Records read per partition at most (all are held in memory while the rebuild runs). */
export const MAX_RECORDS_PER_PARTITION = 200_000;

/** The state of an entity at an event time, and what it was rebuilt from. */
export interface HistoryAnswer {
  type: string;
  key: string;
  /** The event time asked for (or of the record asked for), epoch ms. */
  at: number;
  /** Asked by offset: the source record the state is right after. */
  through?: ResolvedPoint['through'];
  /** The state as stored (the HTTP route applies the actor's view). */
  state: unknown;
  /** The handler error that had quarantined it by then, or null. */
  quarantine: string | null;
  /**
   * The snapshot it was rebuilt from: the latest event time it had applied, and when its checkpoint
   * committed (ISO); null when rebuilt from the entity's creation (a time before its first snapshot).
   */
  snapshot: { at: number; committedAt: string } | null;
  /** What was applied after the snapshot: inputs read back from the log, timers fired, and how many records were read. */
  replayed: { inputs: number; timers: number; recordsRead: number };
}

export type HistoryResult =
  | { kind: 'found'; answer: HistoryAnswer }
  /** The actor type keeps no history (`history.actors`). */
  | { kind: 'not-kept'; type: string }
  /** No snapshot of the entity at all: it never changed while history was kept (or does not exist). */
  | { kind: 'unknown' }
  /** Its oldest kept snapshot is later than `at`: it did not exist yet, or what was older left with retention. */
  | { kind: 'before-history'; oldestAt: number }
  /** The log no longer holds the records after the snapshot (Kafka's retention, or the embedded log's window, is shorter than the history's). */
  | { kind: 'log-gone'; topic: string; partition: number; needed: number; low: number; snapshotAt: number | null; asked?: number }
  /** Asked by offset: no such record, or not an event (see history-point.ts). */
  | Exclude<PointError, { kind: 'log-gone' }>;

export interface EntityHistoryDeps {
  sql: Sql;
  client: LogClient;
  /** Where each partition's log starts now: records older than that are gone. */
  admin: Pick<TopicAdmin, 'offsets'>;
  app: string;
  /** The deployment's actor types. */
  actors: readonly ActorDefinition<any>[];
  /** Those that keep history. */
  historyTypes: ReadonlySet<string>;
  /** The source topic of an actor type in this deployment (prefix applied). */
  sourceTopicOf(actor: ActorDefinition<any>): string;
  maxFutureMs?: number;
  /** The processor merges in event time, and so holds what entities awaiting answers are given. */
  holdWhileAwaiting?: boolean;
}

/**
 * `at`: an event time (epoch ms), or `{ offset }` of a source record in the entity's partition.
 *
 * @example
 * const r = await entityStateAt(deps, 'sku', 'SKU-000042', Date.parse('2026-12-01T10:00:00Z'));
 * if (r.kind === 'found') console.log(r.answer.state);
 */
export async function entityStateAt(deps: EntityHistoryDeps, type: string, key: string, at: number | HistoryPoint): Promise<HistoryResult> {
  const actor = deps.actors.find((a) => a.type === type);
  if (!actor || !deps.historyTypes.has(type)) return { kind: 'not-kept', type };
  const sourceTopic = deps.sourceTopicOf(actor);
  const point = typeof at === 'number' ? { at } : 'at' in at ? { at: at.at } : await resolveOffset(deps, sourceTopic, key, at.offset);
  if ('kind' in point) return point;
  // By offset, a snapshot stamped with the record's own time may already hold a later record of
  // that time: the base must be stamped earlier (event times are whole milliseconds).
  const found = await historyAround(deps.sql, type, key, point.through ? point.at - 1 : point.at, LATENESS_MS);
  const s = found.snapshot ?? (found.next?.created && creationBase(actor, key, found.next));
  if (!s) return found.next ? { kind: 'before-history', oldestAt: found.next.at } : { kind: 'unknown' };
  const inboxTopic = inboxTopicOf(deps.app, actor.type);
  // No snapshot later than `at`: nothing after the base changed the entity, so there is nothing to read.
  const end = found.next && (found.end ?? (await checkpointedEnd(deps.sql, shardId(type, s.partition), sourceTopic, inboxTopic)));
  if (end) {
    const gone = await missingRecords(deps.admin, s, end, sourceTopic, inboxTopic);
    if (gone) return { kind: 'log-gone', ...gone, snapshotAt: found.snapshot ? s.at : null };
  }
  const records = end ? await entityRecords(deps.client, key, s, end, sourceTopic, inboxTopic) : [];
  const rebuilt = rebuildAt({ actor, app: deps.app, sourceTopic, actorTypes: deps.actors.map((a) => a.type), maxFutureMs: deps.maxFutureMs, holdWhileAwaiting: deps.holdWhileAwaiting }, key, s, records, point);
  // Rebuilt from its creation and nothing applied by then: it did not exist yet.
  if (!found.snapshot && rebuilt.replayed.inputs === 0 && rebuilt.replayed.timers === 0) return { kind: 'before-history', oldestAt: found.next!.at };
  return {
    kind: 'found',
    answer: { type, key, at: point.at, ...(point.through ? { through: point.through } : {}), ...rebuilt, snapshot: found.snapshot ? { at: s.at, committedAt: s.committedAt } : null, replayed: { ...rebuilt.replayed, recordsRead: records.length } },
  };
}

/**
 * The first partition whose records from the base on are no longer all in the log, if any: a
 * rebuild without them would silently miss inputs.
 */
export async function missingRecords(admin: Pick<TopicAdmin, 'offsets'>, from: HistorySnapshot, to: Pick<HistorySnapshot, 'sourceOffset' | 'inboxOffset'>, sourceTopic: string, inboxTopic: string): Promise<{ topic: string; partition: number; needed: number; low: number } | undefined> {
  const p = from.partition;
  for (const [topic, needed, until] of [[sourceTopic, from.sourceOffset, to.sourceOffset], [inboxTopic, from.inboxOffset, to.inboxOffset]] as const) {
    if (needed >= until) continue;
    const low = (await admin.offsets(topic)).find((o) => o.partition === p)?.low ?? 0;
    if (low > needed) return { topic, partition: p, needed, low };
  }
  return undefined;
}

/** Where the shard's source and inbox partitions are checkpointed now: the end of what a rebuild may read. */
async function checkpointedEnd(sql: Sql, shard: string, sourceTopic: string, inboxTopic: string): Promise<Pick<HistorySnapshot, 'sourceOffset' | 'inboxOffset'>> {
  const offsets = await shardInputOffsets(sql, shard, [sourceTopic, inboxTopic]);
  const of = (topic: string) => offsets.find((o) => o.topic === topic)?.nextOffset ?? 0;
  return { sourceOffset: of(sourceTopic), inboxOffset: of(inboxTopic) };
}

export interface RebuildContext {
  actor: ActorDefinition<any>;
  app: string;
  /** The actor type's source topic in this deployment. */
  sourceTopic: string;
  actorTypes: readonly string[];
  maxFutureMs?: number;
  /** As the processor ran: hold what entities awaiting answers are given (ShardOptions.holdWhileAwaiting). */
  holdWhileAwaiting?: boolean;
}

/**
 * Pure: the entity's state at `at` from a snapshot (holding no input later than `at`) and the
 * records after it (its shard's source and inbox partitions, any order; other keys' are ignored):
 * those of time `at` or before, in event-time order, applied by the engine's own shard code, then
 * the timers due by `at`. At a point given by a source record (`through`), only the inputs up to
 * it (history-point.ts), and the timers due before its time, as the record itself would fire them.
 */
export function rebuildAt(ctx: RebuildContext, key: string, s: Omit<HistorySnapshot, 'id' | 'committedAt'>, records: readonly SourceRecord[], point: number | ResolvedPoint): { state: unknown; quarantine: string | null; replayed: { inputs: number; timers: number } } {
  const p = typeof point === 'number' ? { at: point } : point;
  const at = p.at;
  const { actor, sourceTopic } = ctx;
  const inboxTopic = inboxTopicOf(ctx.app, actor.type);
  const shard = createShard({
    actor,
    partition: s.partition,
    app: ctx.app,
    sourceTopic,
    maxFutureMs: ctx.maxFutureMs,
    actorTypes: ctx.actorTypes,
    holdWhileAwaiting: ctx.holdWhileAwaiting === true,
    wallClock: () => 0,
    restore: {
      states: [{ key, stateVersion: s.stateVersion, state: s.state, quarantine: s.quarantine, recentIds: s.recentIds, held: s.held ?? null }],
      offsets: new Map([[`${sourceTopic}:${s.partition}`, s.sourceOffset], [`${inboxTopic}:${s.partition}`, s.inboxOffset]]),
      inboxPositions: new Map(Object.entries(s.inboxPositions)),
      timers: s.timers,
    },
  });
  let inputs = 0;
  for (const r of eventTimeOrder(records.filter((r) => r.key === key), sourceTopic, at)) {
    if (!isThroughPoint(p, inputTime(r), r, sourceTopic)) continue;
    shard.apply([r]);
    inputs++;
  }
  shard.advanceTimers(at, !p.through);
  const q = shard.query(key);
  const now = typeof q === 'object' ? q : { state: s.state, quarantine: s.quarantine };
  return { state: now.state, quarantine: now.quarantine, replayed: { inputs, timers: shard.counters.timersFired } };
}

/**
 * The entity before its first snapshot: its initial state where the shard stood when that
 * checkpoint's records began (HistoryRow.created).
 */
export function creationBase(actor: ActorDefinition<any>, key: string, first: HistorySnapshot): HistorySnapshot {
  const c = first.created!;
  return { ...first, at: -Infinity, state: actor.initial(key), stateVersion: actor.stateVersion, quarantine: null, recentIds: null, timers: [], sourceOffset: c.sourceOffset, inboxOffset: c.inboxOffset, inboxPositions: c.inboxPositions, committedAt: first.committedAt };
}

/** The entity's records between two snapshots: its source and inbox partitions, its key only. */
async function entityRecords(client: LogClient, key: string, from: HistorySnapshot, to: Pick<HistorySnapshot, 'sourceOffset' | 'inboxOffset'>, sourceTopic: string, inboxTopic: string): Promise<SourceRecord[]> {
  const p = from.partition;
  const bounded = (start: number, end: number) => Math.min(end, start + MAX_RECORDS_PER_PARTITION);
  const [source, inbox] = await Promise.all([
    readPartitionRange(client, sourceTopic, p, from.sourceOffset, bounded(from.sourceOffset, to.sourceOffset)),
    readPartitionRange(client, inboxTopic, p, from.inboxOffset, bounded(from.inboxOffset, to.inboxOffset)),
  ]);
  const mine = (r: TailRecord) => r.key === key;
  return [...source.filter(mine), ...inbox.filter(mine)].map(toSourceRecord);
}

function toSourceRecord(r: TailRecord): SourceRecord {
  return { topic: r.topic, partition: r.partition, offset: Number(r.offset), key: r.key, value: r.value, headers: r.headers, ...(r.timestamp === undefined ? {} : { timestamp: r.timestamp }) };
}

/**
 * Records in event-time order: by time, a source event before an inbox message of the same time (a
 * message is the consequence of an event at its time or before), then by offset. Stable. With
 * `until`, only those of that time or before.
 */
export function eventTimeOrder(records: readonly SourceRecord[], sourceTopic: string, until = Infinity): SourceRecord[] {
  const keyed = records.map((r) => ({ r, ts: inputTime(r), inbox: r.topic === sourceTopic ? 0 : 1 })).filter((k) => k.ts <= until);
  // Compared, not subtracted: an unreadable record's -Infinity minus another's is NaN.
  keyed.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0) || a.inbox - b.inbox || a.r.offset - b.r.offset);
  return keyed.map((k) => k.r);
}

/** A record's event time: an event's `ts`, a message's `msg.ts`; -Infinity when unreadable (the shard dead-letters it, changing nothing). */
export function inputTime(r: SourceRecord): number {
  try {
    const v = JSON.parse(r.value ?? '') as { ts?: unknown; msg?: { ts?: unknown } };
    const ts = typeof v?.ts === 'number' ? v.ts : v?.msg?.ts;
    return typeof ts === 'number' && Number.isFinite(ts) ? ts : -Infinity;
  } catch {
    return -Infinity;
  }
}

/** Why a state cannot be rebuilt when the log lost the records after its base (for the route and the CLI). */
export function logGoneReason(r: Extract<HistoryResult, { kind: 'log-gone' }>): string {
  if (r.asked !== undefined) return `offset ${r.asked} of ${r.topic} partition ${r.partition} is no longer in the log (it starts at offset ${r.low})`;
  const base = r.snapshotAt === null ? 'its creation' : `its snapshot at ${new Date(r.snapshotAt).toISOString()}`;
  return `the records after ${base} are no longer in the log (${r.topic} partition ${r.partition} starts at offset ${r.low}, ${r.needed} was needed): the log keeps less than history.retention_hours`;
}
