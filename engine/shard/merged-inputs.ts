import { EventTimeMerge } from './event-time-merge.ts';
import { Fifo } from './fifo.ts';
import type { InboxGate } from './inbox-gate.ts';
import { ALIVE_CLOCK, CLOCK_HEADER, compareKeys, decodeRootKey, MERGE_KEY_HEADER, type MergeKey } from './merge-key.ts';
import { ORIGIN_HEADER, SEQ_HEADER, type SourceRecord } from './records.ts';
import type { ShardCounters } from './shard-api.ts';
import type { PendingDelta } from './shard-delta.ts';
import { parseInbox, type DecodedSource, type InputRouter, type ParsedInbox } from './shard-inputs.ts';

/** How a shard merges its inputs (ShardOptions.merge). */
export interface MergeOptions {
  /** The origin shards it waits for: every partition of the actor types that send to it. */
  origins: readonly string[];
  /** An origin silent this long (no message, no clock record, no heartbeat) is taken as idle; default 30 s. */
  maxWaitMs?: number;
}

/**
 * A bound like Kafka Streams' `max.task.idle.ms`: how long a silent origin may hold inputs back.
 * Live senders beat every second (engine/clock-heartbeat.ts), so silence means no owner: longer than
 * a fail-over (the dead member's session timeout, 10 s by default, then a rebalance and the
 * acquisition), so a fail-over does not make a merging shard stop waiting.
 */
export const DEFAULT_MERGE_MAX_WAIT_MS = 30_000;

type Held =
  | { kind: 'source'; r: SourceRecord; decoded: DecodedSource; at: number }
  | { kind: 'message'; r: SourceRecord; parsed: ParsedInbox; entry: InboxEntry; receivedAt: number };

/** An inbox record not yet finished: held by the merge, or passing through behind its origin's held ones. */
interface InboxEntry {
  offset: number;
  state: 'held' | 'done' | 'pass' | 'refused';
  /** The origin of a message (held, or passing). */
  origin?: string;
  r?: SourceRecord;
  parsed?: ParsedInbox;
  /** A passing message not yet applied that its origin's later messages must not overtake. */
  blocks?: string;
  /** Why a refused record is dead-lettered. */
  reason?: string;
}

/**
 * The inputs of a shard that merges them in event-time order (event-time-merge.ts). Every record
 * fed is taken at once (nothing is fetched twice): source events and keyed messages of the origins
 * it waits for are held until their turn, clock records move the origins' promises, and any other
 * inbox record (unkeyed, late, a duplicate, refused) passes through, behind its own origin's held
 * messages only.
 *
 * What the checkpoint may say it consumed stays a plain prefix: the source offset moves as source
 * events are released (in order); the inbox offset stops at the first record not finished, and a
 * restart that reads again from there drops what was applied after it by the origins' sequences
 * (`inboxPositions`), which advance in order per origin because an origin's messages are released
 * in its own order. Held inputs are not in any checkpoint: a crash or a rebalance loses nothing.
 */
export class MergedInputs {
  private readonly merge: EventTimeMerge<Held>;
  private readonly maxWaitMs: number;
  private readonly startedAt: number;
  private readonly inbox = new Fifo<InboxEntry>();
  private sourceRead: number;
  private inboxRead: number;
  /** The source's event time made monotone (merge-key.ts): the running maximum of what was read. */
  private sourceAt = 0;
  private readonly lastHeldSeq = new Map<string, number>();
  /**
   * Per origin, its new messages passing through and not yet applied. While there are any, its
   * next messages pass too: released from the merge they could be applied first, and an origin's
   * sequence must advance in order — a message applied after a later one of its origin is dropped
   * as already applied, then and after a restart.
   */
  private readonly passing = new Map<string, number>();
  /**
   * Per origin, messages passing through that wait for its held ones before them, in offset order.
   * Only its own: one that waited behind another origin's held message could wait for ever when
   * that message waits for this origin's clock, and this origin for an answer to this very message
   * (an order's reserve behind an unkeyed release, at a SKU).
   */
  private readonly waitingPass = new Map<string, InboxEntry[]>();
  private readonly lastHeard = new Map<string, number>();
  /** Held inputs per entity key: those entities stay in memory (passivation skips them). */
  private readonly heldKeys = new Map<string, number>();
  /** Kafka timestamps of the source events applied since `takeAppliedTimestamps` (see ApplyResult.appliedTimestamps). */
  private applied: number[] = [];
  private horizon = -Infinity;
  /** `<topic>:<partition>` of the source and the inbox, as the offsets are keyed. */
  private readonly sourceTp: string;
  private readonly inboxTp: string;

  constructor(
    opts: MergeOptions,
    private readonly topics: { sourceTopic: string; inboxTopic: string; partition: number; maxFutureMs: number },
    private readonly offsets: Map<string, number>,
    private readonly inboxPositions: ReadonlyMap<string, number>,
    private readonly router: InputRouter,
    private readonly pending: PendingDelta,
    private readonly counters: ShardCounters,
    private readonly wallClock: () => number,
    /**
     * Holds the end of the source partition the consumer last saw (Shard.noteSourceEnd) and when it
     * was learned, when the records being taken were received, and the source's running maximum of
     * event time as restored (InboxGate.eventTimeMax).
     */
    private readonly gate: Pick<InboxGate, 'sourceEnd' | 'endFreshFor' | 'receivedAt' | 'eventTimeMax'>,
  ) {
    this.merge = new EventTimeMerge<Held>(opts.origins);
    this.maxWaitMs = opts.maxWaitMs ?? DEFAULT_MERGE_MAX_WAIT_MS;
    this.startedAt = wallClock();
    this.sourceTp = `${topics.sourceTopic}:${topics.partition}`;
    this.inboxTp = `${topics.inboxTopic}:${topics.partition}`;
    this.sourceRead = offsets.get(this.sourceTp) ?? 0;
    this.inboxRead = offsets.get(this.inboxTp) ?? 0;
    this.sourceAt = gate.eventTimeMax;
  }

  /** Takes every record (see `Shard.apply`), then applies whatever may go now. */
  apply(records: readonly SourceRecord[]): number {
    const now = this.wallClock();
    for (const r of records) {
      if (r.memory) this.router.applyMemory(r); // not sent: merging types get their messages through Kafka (processor-options receivesInMemory)
      else if (r.topic === this.topics.sourceTopic) this.takeSource(r);
      else if (r.topic === this.topics.inboxTopic) this.takeInbox(r, now);
      else this.pending.deadLetter(r, 'WRONG_TOPIC', `shard does not consume ${r.topic}`);
    }
    this.releaseDue(now);
    return records.length;
  }

  takeAppliedTimestamps(): number[] {
    const out = this.applied;
    this.applied = [];
    return out;
  }

  /** True when inputs of `key` are held (its entity must stay in memory). */
  holds(key: string): boolean {
    return this.heldKeys.has(key);
  }

  /** Source events held now (the intake pauses the source partition when too many wait: engine/intake-merge-pause.ts). */
  get heldSources(): number {
    return this.merge.sourceHeld;
  }

  /**
   * The latest Kafka timestamp among the records held (-Infinity when none): their release may fire
   * timers up to it, so the entities owning those timers must be in memory (Shard.missingKeys).
   */
  get heldHorizon(): number {
    return this.merge.size === 0 ? -Infinity : this.horizon;
  }

  private takeSource(r: SourceRecord): void {
    if (r.offset < this.sourceRead) {
      this.counters.skippedBelowOffset++;
      return;
    }
    this.sourceRead = r.offset + 1;
    const decoded = this.router.decodeSource(r);
    if ('event' in decoded && decoded.event.ts > this.sourceAt) this.sourceAt = decoded.event.ts;
    const at = this.sourceAt;
    this.merge.holdSource({ at, topic: r.topic, partition: r.partition, offset: r.offset, seq: -1 }, { kind: 'source', r, decoded, at });
    this.pin(r.key, r);
  }

  private takeInbox(r: SourceRecord, now: number): void {
    if (r.offset < this.inboxRead) {
      this.counters.skippedBelowOffset++;
      return;
    }
    this.inboxRead = r.offset + 1;
    const origin = r.headers[ORIGIN_HEADER] ?? '';
    const clock = r.headers[CLOCK_HEADER];
    if (clock !== undefined) return this.takeClock(r, origin, clock, now);
    const parsed = parseInbox(r);
    const seq = Number(r.headers[SEQ_HEADER]);
    const key = this.merge.merges(origin) ? decodeRootKey(r.headers[MERGE_KEY_HEADER], seq) : undefined;
    const isNew = this.isNew(origin, seq);
    // A settle of an open hold notice goes now (it is applied once by the notice, not by its
    // sequence: hold-notices.ts); waiting behind its origin's later-keyed messages could wait for
    // an answer from the very entity it lets go. Its record still takes its turn below, as a no-op.
    const settle = isNew && this.router.settleEarly(r, parsed);
    if (key && this.plausible(key, r) && 'value' in parsed && r.key !== null && isNew && !this.merge.isLate(key) && !this.passing.has(origin)) {
      const entry: InboxEntry = { offset: r.offset, state: 'held', origin };
      this.inbox.push(entry);
      this.merge.holdMessage(origin, key, { kind: 'message', r, parsed, entry, receivedAt: this.gate.receivedAt });
      this.lastHeldSeq.set(origin, seq);
      this.lastHeard.set(origin, now);
      this.pin(r.key, r);
      return;
    }
    // Applied on arrival, behind its origin's held messages before it: unkeyed, late (a broken
    // promise, counted out of event-time order when applied), after another of its origin that
    // passes, a duplicate, or refused.
    const entry: InboxEntry = { offset: r.offset, state: 'pass', r, parsed, origin };
    this.inbox.push(entry);
    if (!this.merge.holdsFrom(origin) && !this.waitingPass.has(origin)) return this.applyPassing(entry);
    // A settle applies once by its notice, not by its sequence: it need not hold its origin's next
    // messages back from the merge (every settle is late, and would switch its origin off the merge).
    if (isNew && !settle) {
      countUp(this.passing, origin);
      entry.blocks = origin;
    }
    const waiting = this.waitingPass.get(origin);
    if (waiting) waiting.push(entry);
    else this.waitingPass.set(origin, [entry]);
  }

  /**
   * A clock record: the origin's promise. One from an origin this shard does not wait for is
   * ignored (a sender's clock reaches every merging type); an unreadable one is dead-lettered in its turn.
   */
  private takeClock(r: SourceRecord, origin: string, value: string, now: number): void {
    this.lastHeard.set(origin, now);
    if (value === ALIVE_CLOCK) return void this.inbox.push({ offset: r.offset, state: 'done' });
    const frontier: MergeKey | 'idle' | undefined = value === 'idle' ? 'idle' : decodeRootKey(value, -1);
    if (frontier === undefined) {
      this.inbox.push({ offset: r.offset, state: 'refused', r, reason: `clock record with an unreadable ${CLOCK_HEADER} header (want 'idle', 'alive' or <at>/<partition>/<offset>/<topic>)` });
      return;
    }
    if (this.merge.merges(origin)) this.merge.clock(origin, frontier);
    this.inbox.push({ offset: r.offset, state: 'done' });
  }

  /**
   * A root key no later than the record's own timestamp allows (as for a source event's time): a
   * key forged far ahead would hold every later message of its origin back until the others passed
   * it. Such a record is applied on arrival instead.
   */
  private plausible(key: MergeKey, r: SourceRecord): boolean {
    return r.timestamp === undefined || key.at <= r.timestamp + this.topics.maxFutureMs;
  }

  private isNew(origin: string, seq: number): boolean {
    return Number.isSafeInteger(seq) && seq > (this.inboxPositions.get(origin) ?? 0) && seq > (this.lastHeldSeq.get(origin) ?? 0);
  }

  /** Applies every input whose turn has come, and moves the offsets the checkpoint may claim. */
  private releaseDue(now: number): void {
    // What the source may still deliver does not change while held inputs are released.
    const reading: MergeKey = { at: this.sourceAt, topic: this.topics.sourceTopic, partition: this.topics.partition, offset: this.sourceRead, seq: -1 };
    const atEnd = this.sourceAtEnd();
    for (;;) {
      this.finishInboxHead();
      this.merge.sourceFrontier(atEnd && this.endFreshForHead(reading) ? 'idle' : reading);
      const next = this.merge.next();
      if (next !== undefined) {
        this.release(next);
        continue;
      }
      const silent = this.merge.waitingFor();
      // An origin silent for too long is taken as idle (it may have no owner now); the source is
      // always waited for: it is this shard's own partition, and it is being read.
      if (silent === undefined || silent === '' || now - (this.lastHeard.get(silent) ?? this.startedAt) < this.maxWaitMs) break;
      this.merge.clock(silent, 'idle');
      this.counters.mergeWaitsTimedOut++;
    }
    const inboxNext = this.inbox.peek()?.offset ?? this.inboxRead;
    if (this.offsets.get(this.inboxTp) !== inboxNext && inboxNext > 0) {
      this.offsets.set(this.inboxTp, inboxNext);
      this.pending.dirtyOffsets.add(this.inboxTp);
    }
  }

  private release(h: Held): void {
    this.unpin(h.r.key);
    if (h.kind === 'source') {
      if (h.r.timestamp !== undefined) this.applied.push(h.r.timestamp);
      this.router.applyDecodedSource(h.r, h.decoded, h.at);
      this.offsets.set(this.sourceTp, h.r.offset + 1);
      this.pending.dirtyOffsets.add(this.sourceTp);
      return;
    }
    this.router.applyInbox(h.r, h.parsed);
    h.entry.state = 'done';
    const origin = h.entry.origin!;
    // Its origin's last held message before them is applied: what passes behind it goes now.
    const waiting = this.merge.holdsFrom(origin) ? undefined : this.waitingPass.get(origin);
    if (waiting) {
      this.waitingPass.delete(origin);
      for (const e of waiting) this.applyPassing(e);
    }
  }

  /** Drops finished records from the head of the inbox (dead-lettering refused ones): the inbox offset may move past them. */
  private finishInboxHead(): void {
    for (let e = this.inbox.peek(); e !== undefined && (e.state === 'done' || e.state === 'refused'); e = this.inbox.peek()) {
      if (e.state === 'refused') this.pending.deadLetter(e.r!, 'INVALID_ENVELOPE', e.reason!);
      this.inbox.shift();
    }
  }

  private applyPassing(e: InboxEntry): void {
    this.router.applyInbox(e.r!, e.parsed!);
    e.state = 'done';
    if (e.blocks !== undefined) countDown(this.passing, e.blocks);
  }

  /**
   * Whether the source, read to the end last seen, may count as having nothing more for the input
   * that comes next: only if that end was learned at or after the input was received (as for the
   * inbox gate, engine/shard/inbox-gate.ts). A source partition with nothing new is not fetched, so
   * its end can predate a message: a user shard taken while its source was empty would otherwise
   * apply a payment fact before the login written just ahead of it. A stale end asks for a new
   * measurement (ApplyResult.endWanted) and the input waits for the source as usual. Asked per
   * input, by its own receipt time: one time for all of them would stall a steady inbox.
   */
  private endFreshForHead(reading: MergeKey): boolean {
    const head = this.merge.peek();
    if (head === undefined || head.item.kind !== 'message') return true;
    // Passed by the source already: no need to ask whether it is at its end.
    if (compareKeys(reading, head.key) >= 0) return true;
    return this.gate.endFreshFor(head.item.receivedAt);
  }

  private sourceAtEnd(): boolean {
    const end = this.gate.sourceEnd;
    return end !== undefined && this.sourceRead >= end;
  }

  private pin(key: string | null, r: SourceRecord): void {
    if (this.merge.size === 1) this.horizon = -Infinity; // the first held since the merge was empty
    this.horizon = Math.max(this.horizon, r.timestamp ?? Infinity);
    if (key !== null) countUp(this.heldKeys, key);
  }

  private unpin(key: string | null): void {
    if (key !== null) countDown(this.heldKeys, key);
  }
}

function countUp(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** One less of `key`; a key counted down to nothing leaves the map (`has` means "some"). */
function countDown(counts: Map<string, number>, key: string): void {
  const n = (counts.get(key) ?? 1) - 1;
  if (n <= 0) counts.delete(key);
  else counts.set(key, n);
}
