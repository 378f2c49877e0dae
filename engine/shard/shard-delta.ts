import { parseTpKey } from '../topic-partition.ts';
import type { ErrorCode } from '../../schemas/index.ts';
import { deadLetterRow } from './dead-letter.ts';
import type { EntityTable } from './entity-table.ts';
import type { InputLog } from './input-log.ts';
import type { SourceRecord } from './records.ts';
import type { DeadLetterCount, ShardCounters, ShardDelta } from './shard-api.ts';

/**
 * What the next checkpoint of a shard must write, accumulated as records are applied: outbox rows,
 * alerts and removed timers go straight into `delta`; states, offsets, inbox positions and added
 * timers are noted as dirty and read at `take`, so a key changed many times is written once.
 */
export class PendingDelta {
  delta = emptyDelta();
  readonly dirtyKeys = new Set<string>();
  /** `<topic>:<partition>` of the offsets that moved. */
  readonly dirtyOffsets = new Set<string>();
  /** Inbox origins whose last applied sequence moved. */
  readonly dirtyPositions = new Set<string>();
  /** Timers scheduled since the last `take`, by seq: one that fires before it is never written. */
  readonly addedTimers = new Map<number, ShardDelta['timersAdded'][number]>();
  /** Dead letters since the last `take`, by `<topic>\0<code>`: counted where they are made, not read back from headers. */
  readonly deadLetters = new Map<string, DeadLetterCount>();

  constructor(
    private readonly counters: ShardCounters,
    private readonly partition: number,
    private readonly table: EntityTable,
    private readonly offsets: ReadonlyMap<string, number>,
    private readonly inboxPositions: ReadonlyMap<string, number>,
    private readonly inputs: InputLog | undefined,
  ) {}

  deadLetter(r: SourceRecord, code: ErrorCode, reason: string): void {
    this.counters.deadLettered++;
    this.delta.outbox.push(deadLetterRow(r, code, reason));
    const k = `${r.topic}\0${code}`;
    const c = this.deadLetters.get(k);
    if (c) c.count++;
    else this.deadLetters.set(k, { topic: r.topic, code, count: 1 });
  }

  /** A timer left the queue: dropped from what is pending, or removed from the checkpoint. */
  timerGone(seq: number): void {
    if (this.addedTimers.has(seq)) this.addedTimers.delete(seq);
    else this.delta.timersRemoved.push(seq);
  }

  dirty(): boolean {
    const { delta } = this;
    return this.dirtyKeys.size > 0 || this.dirtyOffsets.size > 0 || delta.outbox.length > 0 || delta.timersRemoved.length > 0 || this.addedTimers.size > 0;
  }

  /** Hands over everything accumulated since the previous call. */
  take(): ShardDelta {
    const out = this.delta;
    for (const key of this.dirtyKeys) out.states.push(this.table.row(key, this.partition));
    for (const tp of this.dirtyOffsets) out.offsets.push({ ...parseTpKey(tp), nextOffset: this.offsets.get(tp)! });
    for (const origin of this.dirtyPositions) out.inboxPositions.push({ origin, lastSeq: this.inboxPositions.get(origin)! });
    out.timersAdded.push(...this.addedTimers.values());
    if (this.deadLetters.size > 0) out.deadLetters = [...this.deadLetters.values()];
    this.deadLetters.clear();
    this.dirtyKeys.clear();
    this.dirtyOffsets.clear();
    this.dirtyPositions.clear();
    this.addedTimers.clear();
    this.inputs?.rotate();
    this.delta = emptyDelta();
    return out;
  }
}

function emptyDelta(): ShardDelta {
  return { offsets: [], states: [], outbox: [], alerts: [], inboxPositions: [], timersAdded: [], timersRemoved: [] };
}
