import type { EntityTable } from './entity-table.ts';
import type { HistoryRow } from './shard-api.ts';
import type { PendingTimer } from './timer-queue.ts';

/**
 * The time-travel snapshots of one shard (ShardOptions.keepHistory): at each checkpoint, a row for
 * every entity whose state or quarantine changed since the last, with what a rebuild needs to go
 * on from it exactly (engine/entity-history.ts): the state, its dedup window and pending timers,
 * the shard's input offsets and inbox positions, and the latest event time the entity was given.
 * Every change has a snapshot, so between two of an entity's lie one checkpoint's records only.
 */
export class ShardHistory {
  /**
   * The latest event time each entity in memory was given (an input's `ts`, a timer's due time).
   * A running maximum, so a late input never stamps a snapshot earlier than one it follows.
   * Forgotten with the entity's passivation: a later snapshot is then stamped from its new inputs.
   */
  private readonly eventTime = new Map<string, number>();
  /** Entities created since the last checkpoint (a first input, no state before). */
  private readonly created = new Set<string>();
  /** Where the shard stood at the last checkpoint: where this checkpoint's records began. */
  private start: NonNullable<HistoryRow['created']>;

  constructor(
    private readonly actorType: string,
    private readonly partition: number,
    private readonly stateVersion: number,
    /** `<topic>:<partition>` of the shard's source and inbox partitions. */
    private readonly sourceTp: string,
    private readonly inboxTp: string,
    private readonly offsets: ReadonlyMap<string, number>,
    private readonly inboxPositions: ReadonlyMap<string, number>,
    private readonly table: EntityTable,
    private readonly timersOf: (keys: ReadonlySet<string>) => Map<string, PendingTimer[]>,
  ) {
    this.start = this.position();
  }

  /** `key` gets its first input: it has no state yet. */
  noteCreated(key: string): void {
    this.created.add(key);
  }

  /** An input (or timer) of event time `ts` was applied to `key`. */
  note(key: string, ts: number): void {
    const t = this.eventTime.get(key);
    if (t === undefined || ts > t) this.eventTime.set(key, ts);
  }

  /** Snapshots of `changed` (the keys whose state or quarantine changed) as they are now. */
  rows(changed: ReadonlySet<string>): HistoryRow[] {
    const start = this.start;
    const { sourceOffset, inboxOffset, inboxPositions: positions } = (this.start = this.position());
    const created = new Set(this.created);
    this.created.clear();
    if (changed.size === 0) return [];
    const timers = this.timersOf(changed);
    const { table } = this;
    const rows: HistoryRow[] = [];
    for (const key of changed) {
      if (!table.states.has(key)) continue;
      rows.push({
        actorType: this.actorType,
        key,
        partition: this.partition,
        at: this.eventTime.get(key) ?? 0,
        stateVersion: this.stateVersion,
        state: table.states.get(key),
        quarantine: table.quarantine.get(key) ?? null,
        recentIds: table.recentIds.saved(key) ?? null,
        ...(table.holds.has(key) ? { held: table.holds.saved(key) } : {}),
        timers: (timers.get(key) ?? []).map((t) => ({ key: t.key, dueAt: t.dueAt, seq: t.seq, timer: t.timer })),
        sourceOffset,
        inboxOffset,
        inboxPositions: positions,
        ...(created.has(key) ? { created: start } : {}),
      });
    }
    return rows;
  }

  private position(): NonNullable<HistoryRow['created']> {
    return { sourceOffset: this.offsets.get(this.sourceTp) ?? 0, inboxOffset: this.offsets.get(this.inboxTp) ?? 0, inboxPositions: Object.fromEntries(this.inboxPositions) };
  }

  /** Drops the event times of entities no longer in memory (after a passivation). */
  prune(): void {
    for (const key of this.eventTime.keys()) if (!this.table.states.has(key)) this.eventTime.delete(key);
  }
}
