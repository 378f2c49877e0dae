import { isShardId, parseShardId } from '../shard-id.ts';
import { isEntityKey, parseEvent, type DomainEvent, type ErrorCode } from '../../schemas/index.ts';
import { isStorableValue } from './dead-letter.ts';
import { isEpochMs } from '../../actors/transition-checks.ts';
import type { EntityTable } from './entity-table.ts';
import type { InboxGate } from './inbox-gate.ts';
import { HOLD_SETTLED, holdNoticeOf, isHoldNoticeType } from './hold-notices.ts';
import { CLOCK_HEADER, decodeRootKey, MERGE_KEY_HEADER } from './merge-key.ts';
import { ORIGIN_HEADER, SEQ_HEADER, type InboxValue, type SourceRecord } from './records.ts';
import type { ShardCounters } from './shard-api.ts';
import type { PendingDelta } from './shard-delta.ts';
import type { ShardHandler } from './shard-handler.ts';

/** The topics a shard consumes and the edge rules it checks source events against. */
export interface InputTopics {
  /** The shard id, named in the dead letter of a record from a topic it does not consume. */
  id: string;
  sourceTopic: string;
  inboxTopic: string;
  /** The event types of the actor's source topic. */
  handled: ReadonlySet<string>;
  maxFutureMs: number;
  /** The actor types a message may come from (absent: any that matches its origin). */
  senders?: ReadonlySet<string>;
}

/**
 * Routes a shard's records by topic, in offset order: source events are validated and deduplicated
 * by id, inbox messages checked and deduplicated by origin sequence, then each goes to its entity's
 * handler, after the timers due before it. Everything refused is dead-lettered.
 */
export class InputRouter {
  constructor(
    private readonly topics: InputTopics,
    /** Next offset per `<topic>:<partition>`; `inboxPositions`: last applied sequence per origin shard. */
    private readonly offsets: Map<string, number>,
    private readonly inboxPositions: Map<string, number>,
    private readonly counters: ShardCounters,
    private readonly table: EntityTable,
    private readonly pending: PendingDelta,
    private readonly handler: ShardHandler,
    private readonly gate: InboxGate,
  ) {}

  /**
   * Per origin, the index in the last applied batch of its first memory message that had to wait
   * (see `takeMemoryWaits`); undefined when none did.
   */
  private memoryWaits: Map<string | undefined, number> | undefined;

  /**
   * See `Shard.apply`: returns how many of `records` were consumed. A prefix, except in a batch of
   * messages handed over in memory, where only an origin that must wait stops (`takeMemoryWaits`).
   */
  apply(records: readonly SourceRecord[]): number {
    const { offsets, counters, pending } = this;
    const { sourceTopic, inboxTopic, id } = this.topics;
    this.memoryWaits = undefined;
    let consumed = 0;
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      if (r.memory) {
        if (this.takeMemory(r, i)) consumed++;
        continue;
      }
      const tp = `${r.topic}:${r.partition}`;
      const next = offsets.get(tp) ?? 0;
      if (r.offset < next) {
        counters.skippedBelowOffset++;
        consumed++;
        continue;
      }
      if (r.topic === inboxTopic && r.headers[CLOCK_HEADER] !== undefined) {
        // A clock record is for shards that merge (merged-inputs.ts); this one applies in arrival order.
      } else if (r.topic === inboxTopic) {
        const parsed = parseInbox(r);
        // Stop at the first message that must wait: the inbox is applied in offset order, so
        // the offset (and the origin sequences) stay a plain prefix, as checkpoints require.
        if ('value' in parsed && this.gate.mustWait(parsed.value?.msg?.ts)) break;
        this.applyInbox(r, parsed);
      } else if (r.topic === sourceTopic) this.applySource(r);
      else pending.deadLetter(r, 'WRONG_TOPIC', `shard ${id} does not consume ${r.topic}`);
      offsets.set(tp, r.offset + 1);
      pending.dirtyOffsets.add(tp);
      consumed++;
    }
    return consumed;
  }

  /**
   * Memory message `r` (index `i` of its batch), unless its origin already waits in this batch or
   * it must wait itself. Only an origin's own messages must stay in sequence (receivers keep one
   * position per origin); between origins no order is promised (over Kafka it is the relay's
   * timing), and only a message the gate lets through (earlier than the source's clock) can pass
   * one that waits. So one origin's message that waits for the source partition holds up that
   * origin's later ones only: the others' are applied now, not offered again behind it (a 300k
   * backlog run of the bench held back ~58k messages that could have gone).
   */
  private takeMemory(r: SourceRecord, i: number): boolean {
    const origin = r.headers[ORIGIN_HEADER];
    if (this.memoryWaits?.has(origin)) return false;
    if (this.applyMemory(r)) return true;
    (this.memoryWaits ??= new Map()).set(origin, i);
    return false;
  }

  /**
   * The batch index of each origin's first memory message that waited in the last apply (that one
   * and the origin's later ones in the batch were not consumed; every other record was), once.
   */
  takeMemoryWaits(): number[] | undefined {
    const waits = this.memoryWaits;
    this.memoryWaits = undefined;
    return waits && [...waits.values()];
  }

  /**
   * An inbox message handed over in memory (engine/local-delivery.ts): no offset to skip by or to
   * move, the same checks and dedup as a fetched one, and its outbox row is deleted by this
   * shard's next checkpoint whether it was applied or dropped. False when it must wait for the
   * source partition (it stays queued, and so do its origin's later messages).
   */
  applyMemory(r: SourceRecord): boolean {
    if (r.topic !== this.topics.inboxTopic) {
      this.pending.deadLetter(r, 'WRONG_TOPIC', `shard ${this.topics.id} does not consume ${r.topic}`);
      return true;
    }
    const parsed = parseInbox(r);
    if ('value' in parsed && this.gate.mustWait(parsed.value?.msg?.ts)) return false;
    const origin = r.headers[ORIGIN_HEADER];
    const seq = Number(r.headers[SEQ_HEADER]);
    this.applyInbox(r, parsed);
    if (origin && isShardId(origin) && Number.isSafeInteger(seq)) this.pending.consumedOutboxRow(origin, seq);
    return true;
  }

  private applySource(r: SourceRecord): void {
    this.applyDecodedSource(r, this.decodeSource(r));
  }

  /** A source record checked against the edge rules: its event, or the dead letter it becomes. */
  decodeSource(r: SourceRecord): DecodedSource {
    if (r.malformed) return { code: 'INVALID_UTF8', reason: `record ${r.malformed.key !== undefined ? 'key' : 'value'} is not valid UTF-8` };
    if (r.key === null) return { code: 'KEY_MISMATCH', reason: 'record has no key; the key must be the entity key' };
    if (r.value === null) return { code: 'INVALID_JSON', reason: 'record has no value' };
    // The same edge rules as the HTTP API, so a producer that bypasses it gains nothing; event
    // time is bounded by the record's own Kafka timestamp, which the log fixed: replays decide alike.
    const decoded = parseEvent(r.value, r.key, r.timestamp === undefined ? undefined : { notAfter: r.timestamp + this.topics.maxFutureMs });
    if (!decoded.ok) return { code: decoded.error.code, reason: decoded.error.message };
    if (!this.topics.handled.has(decoded.event.type)) return { code: 'WRONG_TOPIC', reason: `'${decoded.event.type}' events belong on another topic than ${r.topic}` };
    return { event: decoded.event };
  }

  /**
   * Applies a decoded source record (`decodeSource`) to its entity, or dead-letters it. `rootAt`:
   * its event time made monotone in the partition (merge-key.ts), when the caller keeps that clock.
   */
  applyDecodedSource(r: SourceRecord, decoded: DecodedSource, rootAt?: number): void {
    const { pending, table } = this;
    if (!('event' in decoded)) return pending.deadLetter(r, decoded.code, decoded.reason);
    const event = decoded.event;
    const key = r.key!;
    // Before the duplicate check: the partition's clock is a function of its log alone.
    if (event.ts > this.gate.sourceClock) this.gate.sourceClock = event.ts;
    if (event.ts > this.gate.eventTimeMax) this.gate.eventTimeMax = event.ts;
    if (table.recentIds.seen(key, event.id)) {
      this.counters.duplicatesDropped++;
      return;
    }
    this.handler.fireTimersBefore(timerHorizon(event.ts, r));
    this.handler.setRoot(rootAt ?? this.gate.eventTimeMax, r.topic, r.partition, r.offset);
    const input = { kind: 'event', event } as const;
    if (table.quarantine.has(key)) return this.handler.parkQuarantined(key, input, event.ts, r);
    if (this.handler.holdIfAwaiting(key, input, event.ts, r)) {
      // Remembered now: a retry while it waits is the same event. Its processed row comes when it is applied.
      table.recentIds.add(key, event.id);
      return;
    }
    this.handler.handle(key, input, event.ts, r);
    // Remembered once applied; an input that quarantined its entity is parked, and so is a retry
    // (its release skips what it applied already). One whose entity its actor could not start is
    // dead-lettered, not applied: neither remembered (its redrive after the fix must apply) nor
    // counted as processed.
    if (table.quarantine.has(key) || !table.states.has(key)) return;
    table.recentIds.add(key, event.id);
    // The event as decoded (unknown fields dropped, old versions upcast), not the raw value: a
    // field only Postgres refuses must not make the processed-events row refuse its entity.
    pending.processed?.push({ topic: r.topic, partition: r.partition, offset: r.offset, id: event.id, type: event.type, key, ts: event.ts, json: JSON.stringify(event) });
  }

  applyInbox(r: SourceRecord, parsed: ParsedInbox): void {
    const { pending, table } = this;
    const origin = r.headers[ORIGIN_HEADER];
    const seq = Number(r.headers[SEQ_HEADER]);
    if (!origin || !Number.isSafeInteger(seq)) return pending.deadLetter(r, 'INVALID_ENVELOPE', 'inbox record without x-origin / x-seq headers');
    // Inbox topics are written by the relay, but anything with write access could add records:
    // what becomes a checkpoint row (the origin, the key, the message) is checked like an event.
    if (!isShardId(origin)) return pending.deadLetter(r, 'INVALID_ENVELOPE', 'x-origin is not a shard id (<actor type>/<partition>)');
    if (seq <= (this.inboxPositions.get(origin) ?? 0)) {
      this.counters.duplicatesDropped++;
      // A settle applied ahead of its turn whose turn was passed (its origin's later messages went first).
      const value = 'value' in parsed ? parsed.value : undefined;
      const settle = value?.msg && r.key ? holdNoticeOf(value.msg) : undefined;
      if (settle?.kind === 'settled' && typeof value?.from?.key === 'string') this.handler.settleTurnPassed(r.key!, value.from, settle.hold);
      return;
    }
    this.inboxPositions.set(origin, seq);
    pending.dirtyPositions.add(origin);
    if (r.malformed) return pending.deadLetter(r, 'INVALID_UTF8', 'inbox record is not valid UTF-8');
    if ('error' in parsed) return pending.deadLetter(r, 'INVALID_JSON', `inbox value is not JSON: ${parsed.error}`);
    const value = parsed.value;
    // A whole number of milliseconds: the time is stored (bigint columns) with what the message
    // causes, and a fraction failed those statements in a way isolation cannot pin on an entity.
    if (!r.key || !isEpochMs(value?.msg?.ts)) return pending.deadLetter(r, 'INVALID_DATA', 'inbox value lacks key, msg or msg.ts (epoch milliseconds, a whole number)');
    if (!this.isSender(value.from, origin)) return pending.deadLetter(r, 'INVALID_ENVELOPE', `inbox message's from is not an entity of the x-origin shard's actor type (${origin})`);
    if (!isEntityKey(r.key) || !isStorableValue(value)) return pending.deadLetter(r, 'INVALID_DATA', 'inbox key or message holds characters an entity key or a checkpoint cannot');
    this.handler.fireTimersBefore(timerHorizon(value.msg.ts, r));
    // A message's sends keep the root of its cascade (an unkeyed one's are not merged).
    const root = decodeRootKey(r.headers[MERGE_KEY_HEADER], seq);
    this.handler.setRoot(root?.at ?? NaN, root?.topic ?? '', root?.partition ?? 0, root?.offset ?? 0);
    // A hold notice is the engine's (hold-notices.ts): the actor never sees it.
    const notice = holdNoticeOf(value.msg);
    if (notice) return this.handler.receiveNotice(r.key, value.from, notice, r.headers[MERGE_KEY_HEADER], r);
    if (isHoldNoticeType(value.msg.type)) return pending.deadLetter(r, 'INVALID_DATA', `malformed hold notice (${String(value.msg.type)}): want a hold id, and for a settle the messages it carries`);
    const input = { kind: 'message', from: value.from, msg: value.msg } as const;
    if (table.quarantine.has(r.key)) return this.handler.parkQuarantined(r.key, input, value.msg.ts, r);
    if (this.handler.holdMessageIfNoticed(r.key, input, value.msg.ts, r)) return;
    this.handler.handle(r.key, input, value.msg.ts, r);
  }

  /**
   * A settle (hold-notices.ts) taken as it arrives, before its turn in its origin's sequence:
   * applied now when its notice is open here, else kept until it opens (AwaitingRelease.settleEarly).
   * Its own turn then only moves the origin's position. True when `r` is a settle, checked as its
   * turn would check it; anything else waits for that turn.
   */
  settleEarly(r: SourceRecord, parsed: ParsedInbox): boolean {
    // Every merged message comes through here: the cheap test first.
    if (!('value' in parsed) || (parsed.value?.msg as { type?: unknown } | undefined)?.type !== HOLD_SETTLED) return false;
    const origin = r.headers[ORIGIN_HEADER];
    if (!origin || !isShardId(origin) || r.malformed || !r.key) return false;
    const value = parsed.value;
    if (!isEpochMs(value?.msg?.ts) || !this.isSender(value.from, origin) || !isEntityKey(r.key) || !isStorableValue(value)) return false;
    const notice = holdNoticeOf(value.msg);
    if (notice?.kind !== 'settled') return false;
    return this.handler.settleEarly(r.key, value.from, notice, r.headers[MERGE_KEY_HEADER], r, { origin, seq: Number(r.headers[SEQ_HEADER]) });
  }

  /** `from` is an entity of the origin shard's actor type, and that type is one of the deployment's. */
  private isSender(from: InboxValue['from'] | undefined, origin: string): boolean {
    const type = parseShardId(origin)?.actorType;
    if (typeof from !== 'object' || from === null || from.type !== type || !isEntityKey(from.key)) return false;
    return this.topics.senders?.has(type) ?? true;
  }
}

export type ParsedInbox = { value: InboxValue } | { error: string };

/** A source record's event, or why it is dead-lettered. */
export type DecodedSource = { event: DomainEvent } | { code: ErrorCode; reason: string };

/** An inbox record's value, or the error that sends it to the DLQ. */
export function parseInbox(r: SourceRecord): ParsedInbox {
  try {
    return { value: JSON.parse(r.value ?? '') as InboxValue };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/**
 * The event time a record may move the shard's timers to: its `ts`, but never past the record's
 * Kafka timestamp. Event time is a claim of the producer; the timestamp is when the log took it,
 * so one record stamped ahead (within the allowed skew) cannot expire other entities' timers early.
 */
function timerHorizon(ts: number, r: SourceRecord): number {
  return r.timestamp === undefined ? ts : Math.min(ts, r.timestamp);
}
