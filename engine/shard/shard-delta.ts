import { parseTpKey } from '../topic-partition.ts';
import type { ErrorCode } from '../../schemas/index.ts';
import { deadLetterRow } from './dead-letter.ts';
import type { EntityTable } from './entity-table.ts';
import type { InputLog } from './input-log.ts';
import type { SourceRecord } from './records.ts';
import type { DeadLetterCount, ProcessedEvent, ReadModelRows, ShardCounters, ShardDelta } from './shard-api.ts';
import type { CellValue, ReadModel } from '../../actors/projection.ts';
import type { AggregateFold } from './aggregate-fold.ts';
import type { ParkedInput } from './parked.ts';
import type { ShardHistory } from './shard-history.ts';
import { thrownMessage } from '../../actors/transition-checks.ts';
import { plainColumns, projectRow, type Column } from '../../actors/projection.ts';

/**
 * What the next checkpoint of a shard must write, accumulated as records are applied: outbox rows,
 * alerts and removed timers go straight into `delta`; states, offsets, inbox positions and added
 * timers are noted as dirty and read at `take`, so a key changed many times is written once.
 */
export class PendingDelta {
  delta = emptyDelta();
  readonly dirtyKeys = new Set<string>();
  /**
   * Keys whose state object changed (a subset of `dirtyKeys`, which also holds entities whose dedup
   * window alone moved): only their read-model rows are rewritten. Projections are pure, so an
   * unchanged state — a user who only browses — has the row it had.
   */
  readonly changedKeys = new Set<string>();
  /** `<topic>:<partition>` of the offsets that moved. */
  readonly dirtyOffsets = new Set<string>();
  /** Inbox origins whose last applied sequence moved. */
  readonly dirtyPositions = new Set<string>();
  /** Timers scheduled since the last `take`, by seq: one that fires before it is never written. */
  readonly addedTimers = new Map<number, ShardDelta['timersAdded'][number]>();
  /** Dead letters since the last `take`, by `<topic>\0<code>`: counted where they are made, not read back from headers. */
  readonly deadLetters = new Map<string, DeadLetterCount>();
  /** Applied source events since the last `take`, when the processed-events table is on. */
  processed: ProcessedEvent[] | undefined;
  /** The time-travel snapshots, when the shard keeps history. */
  history: ShardHistory | undefined;
  /** Told of each entity quarantined at `take` (its read-model row refused): ShardHandler.afterQuarantine. */
  quarantinedAtTake: ((key: string) => void) | undefined;

  constructor(
    private readonly counters: ShardCounters,
    private readonly partition: number,
    private readonly table: EntityTable,
    private readonly offsets: ReadonlyMap<string, number>,
    private readonly inboxPositions: ReadonlyMap<string, number>,
    private readonly inputs: InputLog | undefined,
    /** The actor type's read model, projected at `take` from the states that changed. */
    private readonly readModel: ReadModel<unknown> | undefined,
    /** What inputs added to the actor type's aggregates; undefined when it declares none. */
    readonly aggregates: AggregateFold | undefined,
  ) {
    this.readModelColumns = readModel && plainColumns(readModel.columns);
  }

  /** The read model's declared columns as plain data: what a take's rows carry to the store's thread. */
  private readonly readModelColumns: Column[] | undefined;

  deadLetter(r: SourceRecord, code: ErrorCode, reason: string): void {
    this.counters.deadLettered++;
    this.delta.outbox.push(deadLetterRow(r, code, reason));
    const k = `${r.topic}\0${code}`;
    const c = this.deadLetters.get(k);
    if (c) c.count++;
    else this.deadLetters.set(k, { topic: r.topic, code, count: 1 });
  }

  /** An input of a quarantined entity, kept for its release (engine/shard/parked.ts). */
  park(p: ParkedInput): void {
    (this.delta.parked ??= []).push(p);
  }

  /**
   * The inputs of `key` parked since the last `take`, in order, each offered to `apply` until one
   * is refused (it threw again): the accepted ones leave the delta, the refused one and those after
   * it stay parked.
   */
  unpark(key: string, apply: (p: ParkedInput) => boolean): void {
    const parked = this.delta.parked;
    if (!parked) return;
    let refused = false;
    this.delta.parked = parked.filter((p) => {
      if (p.key !== key || refused) return true;
      refused = !apply(p);
      return refused;
    });
  }

  /** `key`'s parked rows up to `throughSeq` were applied: the checkpoint deletes them. */
  released(actorType: string, key: string, throughSeq: number): void {
    (this.delta.released ??= []).push({ actorType, key, throughSeq });
  }

  /** An outbox row of `origin` received in memory was applied or dropped: the checkpoint deletes it. */
  consumedOutboxRow(origin: string, seq: number): void {
    (this.delta.consumedOutbox ??= []).push({ origin, seq });
  }

  /** A timer left the queue: dropped from what is pending, or removed from the checkpoint. */
  timerGone(seq: number): void {
    if (this.addedTimers.has(seq)) this.addedTimers.delete(seq);
    else this.delta.timersRemoved.push(seq);
  }

  dirty(): boolean {
    const { delta } = this;
    return this.dirtyKeys.size > 0 || this.dirtyOffsets.size > 0 || delta.parked !== undefined || delta.released !== undefined || delta.consumedOutbox !== undefined || (this.aggregates !== undefined && !this.aggregates.empty()) || delta.outbox.length > 0 || delta.timersRemoved.length > 0 || this.addedTimers.size > 0;
  }

  /** Keys a history snapshot is due for: their state changed, or they are (newly or still) quarantined. */
  private snapshotKeys(): Set<string> {
    const keys = new Set(this.changedKeys);
    for (const key of this.dirtyKeys) if (this.table.quarantine.has(key)) keys.add(key);
    return keys;
  }

  /** Hands over everything accumulated since the previous call. */
  take(): ShardDelta {
    const out = this.delta;
    // Projected first: a projection that throws quarantines its entity, and the state row says so.
    const readModel = this.readModel && projectRows(this.readModel, this.readModelColumns!, this.changedKeys, this.table, this.quarantinedAtTake);
    if (readModel) out.readModel = readModel;
    for (const key of this.dirtyKeys) out.states.push(this.table.row(key, this.partition));
    if (this.history) {
      const rows = this.history.rows(this.snapshotKeys());
      if (rows.length > 0) out.history = rows;
    }
    for (const tp of this.dirtyOffsets) out.offsets.push({ ...parseTpKey(tp), nextOffset: this.offsets.get(tp)! });
    for (const origin of this.dirtyPositions) out.inboxPositions.push({ origin, lastSeq: this.inboxPositions.get(origin)! });
    out.timersAdded.push(...this.addedTimers.values());
    if (this.deadLetters.size > 0) out.deadLetters = [...this.deadLetters.values()];
    if (this.aggregates && !this.aggregates.empty()) out.aggregates = this.aggregates.take();
    if (this.processed && this.processed.length > 0) {
      out.processed = this.processed;
      this.processed = [];
    }
    this.deadLetters.clear();
    this.dirtyKeys.clear();
    this.changedKeys.clear();
    this.dirtyOffsets.clear();
    this.dirtyPositions.clear();
    this.addedTimers.clear();
    this.inputs?.rotate();
    this.delta = emptyDelta();
    return out;
  }
}

/**
 * The read-model rows of `keys` as their states are now (a quarantined entity's too: its state is
 * its last good one, and the row must show what the state row says). A projection that throws for an entity is
 * its actor's bug: that entity is quarantined (its state row carries the reason) rather than
 * failing every checkpoint of the shard.
 */
function projectRows(model: ReadModel<unknown>, columns: Column[], keys: Iterable<string>, table: EntityTable, quarantined?: (key: string) => void): ReadModelRows | undefined {
  const rows: (readonly CellValue[])[] = [];
  const refused: string[] = [];
  for (const key of keys) {
    try {
      const row = projectRow(model, key, table.states.get(key));
      if (row) rows.push(row);
    } catch (e) {
      table.quarantine.set(key, `read model ${model.table}: ${thrownMessage(e)}`);
      refused.push(key);
    }
  }
  // After the walk: what follows a quarantine may mark more keys changed (its held inputs parked).
  if (quarantined) for (const key of refused) quarantined(key);
  return rows.length === 0 ? undefined : { table: model.table, columns, rows };
}

function emptyDelta(): ShardDelta {
  return { offsets: [], states: [], outbox: [], alerts: [], inboxPositions: [], timersAdded: [], timersRemoved: [] };
}
