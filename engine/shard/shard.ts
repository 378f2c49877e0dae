import type { ActorInput } from '../../actors/actor.ts';
import { isShardId, shardId } from '../shard-id.ts';
import { applyInput, Quarantine, type EffectSink } from '../../actors/apply-input.ts';
import { ALERTS_TOPIC, DEFAULT_MAX_FUTURE_MS, inboxTopicOf, isEntityKey, parseEvent, type ErrorCode } from '../../schemas/index.ts';
import { deadLetterRow, isStorableValue, MAX_REASON_CHARS, storableClip } from './dead-letter.ts';
import { InputLog } from './input-log.ts';
import { RecentIds } from './recent-ids.ts';
import { ORIGIN_HEADER, SEQ_HEADER, TRACEPARENT, type InboxValue, type SourceRecord } from './records.ts';
import { Residency } from './residency.ts';
import { TimerQueue, type PendingTimer } from './timer-queue.ts';
import type { Shard, ShardCounters, ShardDelta, ShardOptions, ShardRestore } from './shard-api.ts';

export type { Shard, ShardCounters, ShardDelta, ShardOptions, ShardRestore } from './shard-api.ts';

/** Builds a shard, restoring it from a checkpoint snapshot when given one. */
export function createShard(opts: ShardOptions): Shard {
  const { actor, partition, app } = opts;
  const id = shardId(actor.type, partition);
  const inboxTopic = inboxTopicOf(app, actor.type);
  const sourceTopic = opts.sourceTopic ?? actor.sourceTopic;
  const alertsTopic = opts.alertsTopic ?? ALERTS_TOPIC;
  const handled = new Set<string>(actor.eventTypes);
  const wallClock = opts.wallClock ?? Date.now;
  const maxFutureMs = opts.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS;

  const states = new Map<string, unknown>();
  const quarantine = new Map<string, string>();
  const offsets = new Map<string, number>(opts.restore?.offsets ?? []);
  const inboxPositions = new Map<string, number>(opts.restore?.inboxPositions ?? []);
  const timers = new TimerQueue();
  const residency = new Residency();
  const recentIds = new RecentIds();
  const inputs = opts.recordInputs ? new InputLog() : undefined;
  let wallNow = (opts.wallClock ?? Date.now)();
  const restoreState = (s: ShardRestore['states'][number]) => {
    const stored = 'stateJson' in s ? JSON.parse(s.stateJson) : s.state;
    if (s.quarantine) quarantine.set(s.key, s.quarantine);
    recentIds.restore(s.key, s.recentIds);
    if (s.stateVersion === actor.stateVersion) states.set(s.key, stored);
    else {
      try {
        states.set(s.key, actor.migrate(stored, s.stateVersion));
      } catch (e) {
        // One unmigratable row must not keep the whole shard from loading: that entity is
        // quarantined (its inputs go to the DLQ) and its stored row is left untouched, since it is
        // never marked dirty, until a fixed migration loads it.
        states.set(s.key, stored);
        quarantine.set(s.key, `state v${s.stateVersion} could not be migrated to v${actor.stateVersion}: ${(e as Error)?.message ?? e}`);
      }
    }
    residency.touch(s.key, wallNow);
  };
  for (const s of opts.restore?.states ?? []) restoreState(s);
  for (const t of opts.restore?.timers ?? []) {
    timers.push(t);
    residency.timerAdded(t.key);
  }
  let timerSeq = timers.maxSeq();
  // Event-time gate for inbox records (see `noteSourceEnd`). A shard reads two partitions whose
  // interleaving Kafka does not define: its source and its inbox. Live, the source is read as soon
  // as it is produced and inbox messages trail it (they need a checkpoint and a relay first). On a
  // catch-up from an old or empty checkpoint both partitions hold a backlog, and the consumer may
  // hand over the whole inbox backlog first: an SKU would then see every `reserve` before the
  // `stock_received` that precedes it in event time, refuse it, and the order would be rejected.
  // So an inbox message waits until the source has moved past its event time (or has nothing more).
  const sourceTp = `${sourceTopic}:${partition}`;
  let sourceEnd: number | undefined;
  let sourceClock = 0;

  let delta = emptyDelta();
  const dirtyKeys = new Set<string>();
  const dirtyOffsets = new Set<string>();
  const dirtyPositions = new Set<string>();
  const addedTimers = new Map<number, ShardDelta['timersAdded'][number]>();
  const counters: ShardCounters = { applied: 0, deadLettered: 0, duplicatesDropped: 0, skippedBelowOffset: 0, timersFired: 0 };

  function deadLetter(r: SourceRecord, code: ErrorCode, reason: string): void {
    counters.deadLettered++;
    delta.outbox.push(deadLetterRow(r, code, reason));
  }

  /**
   * The event time a record may move the shard's timers to: its `ts`, but never past the record's
   * Kafka timestamp. Event time is a claim of the producer; the timestamp is when the log took it,
   * so one record stamped ahead (within the allowed skew) cannot expire other entities' timers early.
   */
  function timerHorizon(ts: number, r: SourceRecord): number {
    return r.timestamp === undefined ? ts : Math.min(ts, r.timestamp);
  }

  function fireTimersBefore(ts: number): void {
    for (let t = timers.popDueBefore(ts); t; t = timers.popDueBefore(ts)) {
      counters.timersFired++;
      residency.timerFired(t.key);
      if (addedTimers.has(t.seq)) addedTimers.delete(t.seq);
      else delta.timersRemoved.push(t.seq);
      if (!quarantine.has(t.key)) handle(t.key, { kind: 'timer', at: t.dueAt, timer: t.timer }, t.dueAt, undefined);
    }
  }

  /**
   * Runs the pure handler through the interpreter the test driver uses; a throw quarantines the key
   * (`source` is dead-lettered with the error).
   */
  function handle(key: string, input: ActorInput, now: number, source: SourceRecord | undefined): void {
    const before = states.has(key) ? states.get(key) : actor.initial(key);
    residency.touch(key, wallNow);
    const trace = source?.headers[TRACEPARENT];
    // Carried into outbox headers and alert details: only a well-formed W3C traceparent.
    inputTrace = trace !== undefined && TRACEPARENT_FORMAT.test(trace) ? trace : undefined;
    const after = applyInput(actor, before, input, { key, now }, effects);
    if (after instanceof Quarantine) {
      quarantine.set(key, storableClip(after.reason, MAX_REASON_CHARS));
      // A brand-new entity still needs a state row to carry its quarantine through checkpoints.
      if (!states.has(key)) states.set(key, before);
      dirtyKeys.add(key);
      if (source) {
        inputs?.record(source);
        deadLetter(source, 'HANDLER_ERROR', after.reason);
      }
      return;
    }
    states.set(key, after);
    counters.applied++;
    dirtyKeys.add(key);
    if (source) inputs?.record(source);
  }

  // The trace of the input being handled, read by `effects` below: a traced input's trace continues
  // in what it caused (the message's record and the alert). A variable rather than an argument, so
  // the sink stays one object per shard and nothing more is allocated per input.
  let inputTrace: string | undefined;

  /** The effects of an input become outbox rows, alerts and timers of the next checkpoint. */
  const effects: EffectSink = {
    send(from, to, msg) {
      const value: InboxValue = { from, msg };
      // x-origin / x-seq are added by the relay from the outbox row's sequence number.
      delta.outbox.push({ topic: inboxTopicOf(app, to.type), key: to.key, value: JSON.stringify(value), headers: traceHeaders(), from: from.key });
    },
    alert(from, a) {
      const traceId = inputTrace?.split('-')[1];
      const alert = { ...a, detectedAt: wallClock(), ...(traceId ? { details: { ...a.details, traceId } } : {}) };
      delta.alerts.push(alert);
      delta.outbox.push({ topic: alertsTopic, key: alert.entityKey, value: JSON.stringify(alert), headers: traceHeaders(), from: from.key });
    },
    schedule(from, at, timer) {
      const t: PendingTimer = { key: from.key, dueAt: at, seq: ++timerSeq, timer };
      timers.push(t);
      residency.timerAdded(t.key);
      addedTimers.set(t.seq, { actorType: actor.type, key: t.key, dueAt: t.dueAt, seq: t.seq, timer: t.timer });
    },
  };

  /** The trace header of a row the input caused: a fresh object per row, as before, so no two rows share one. */
  function traceHeaders(): Record<string, string> | undefined {
    return inputTrace ? { [TRACEPARENT]: inputTrace } : undefined;
  }

  function applySource(r: SourceRecord): void {
    if (r.malformed) return deadLetter(r, 'INVALID_UTF8', `record ${r.malformed.key !== undefined ? 'key' : 'value'} is not valid UTF-8`);
    if (r.key === null) return deadLetter(r, 'KEY_MISMATCH', 'record has no key; the key must be the entity key');
    if (r.value === null) return deadLetter(r, 'INVALID_JSON', 'record has no value');
    // The same edge rules as the HTTP API, so a producer that bypasses it gains nothing; event
    // time is bounded by the record's own Kafka timestamp, which the log fixed: replays decide alike.
    const decoded = parseEvent(r.value, r.key, r.timestamp === undefined ? undefined : { notAfter: r.timestamp + maxFutureMs });
    if (!decoded.ok) return deadLetter(r, decoded.error.code, decoded.error.message);
    const event = decoded.event;
    if (!handled.has(event.type)) {
      return deadLetter(r, 'WRONG_TOPIC', `'${event.type}' events belong on another topic than ${r.topic}`);
    }
    if (recentIds.seen(r.key, event.id)) {
      counters.duplicatesDropped++;
      return;
    }
    if (event.ts > sourceClock) sourceClock = event.ts;
    fireTimersBefore(timerHorizon(event.ts, r));
    if (quarantine.has(r.key)) return deadLetter(r, 'QUARANTINED', `entity is quarantined: ${quarantine.get(r.key)}`);
    handle(r.key, { kind: 'event', event }, event.ts, r);
    // Remembered once applied; an input that quarantined its entity is in the DLQ, and so is a retry.
    if (!quarantine.has(r.key)) recentIds.add(r.key, event.id);
  }

  /** An inbox record's value, or the error that sends it to the DLQ. */
  function parseInbox(r: SourceRecord): { value: InboxValue } | { error: string } {
    try {
      return { value: JSON.parse(r.value ?? '') as InboxValue };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }

  /** True when an inbox message of event time `ts` must wait for the source partition. */
  function mustWait(ts: unknown): boolean {
    if (sourceEnd === undefined || typeof ts !== 'number') return false;
    if ((offsets.get(sourceTp) ?? 0) >= sourceEnd) return false; // source caught up: nothing earlier to wait for
    return ts >= sourceClock;
  }

  function applyInbox(r: SourceRecord, parsed: { value: InboxValue } | { error: string }): void {
    const origin = r.headers[ORIGIN_HEADER];
    const seq = Number(r.headers[SEQ_HEADER]);
    if (!origin || !Number.isSafeInteger(seq)) return deadLetter(r, 'INVALID_ENVELOPE', 'inbox record without x-origin / x-seq headers');
    // Inbox topics are written by the relay, but anything with write access could add records:
    // what becomes a checkpoint row (the origin, the key, the message) is checked like an event.
    if (!isShardId(origin)) return deadLetter(r, 'INVALID_ENVELOPE', 'x-origin is not a shard id (<actor type>/<partition>)');
    if (seq <= (inboxPositions.get(origin) ?? 0)) {
      counters.duplicatesDropped++;
      return;
    }
    inboxPositions.set(origin, seq);
    dirtyPositions.add(origin);
    if (r.malformed) return deadLetter(r, 'INVALID_UTF8', 'inbox record is not valid UTF-8');
    if ('error' in parsed) return deadLetter(r, 'INVALID_JSON', `inbox value is not JSON: ${parsed.error}`);
    const value = parsed.value;
    if (!r.key || typeof value?.msg?.ts !== 'number') return deadLetter(r, 'INVALID_DATA', 'inbox value lacks key, msg or msg.ts');
    if (!isEntityKey(r.key) || !isStorableValue(value)) return deadLetter(r, 'INVALID_DATA', 'inbox key or message holds characters an entity key or a checkpoint cannot');
    fireTimersBefore(timerHorizon(value.msg.ts, r));
    if (quarantine.has(r.key)) return deadLetter(r, 'QUARANTINED', `entity is quarantined: ${quarantine.get(r.key)}`);
    handle(r.key, { kind: 'message', from: value.from, msg: value.msg }, value.msg.ts, r);
  }

  return {
    id,
    counters,
    nextOffset: (topic, p) => offsets.get(`${topic}:${p}`),
    apply(records) {
      let consumed = 0;
      for (const r of records) {
        const tp = `${r.topic}:${r.partition}`;
        const next = offsets.get(tp) ?? 0;
        if (r.offset < next) {
          counters.skippedBelowOffset++;
          consumed++;
          continue;
        }
        if (r.topic === inboxTopic) {
          const parsed = parseInbox(r);
          // Stop at the first message that must wait: the inbox is applied in offset order, so
          // the offset (and the origin sequences) stay a plain prefix, as checkpoints require.
          if ('value' in parsed && mustWait(parsed.value?.msg?.ts)) break;
          applyInbox(r, parsed);
        } else if (r.topic === sourceTopic) applySource(r);
        else deadLetter(r, 'WRONG_TOPIC', `shard ${id} does not consume ${r.topic}`);
        offsets.set(tp, r.offset + 1);
        dirtyOffsets.add(tp);
        consumed++;
      }
      return consumed;
    },
    noteSourceEnd(highWatermark) {
      if (Number.isSafeInteger(highWatermark) && (sourceEnd === undefined || highWatermark > sourceEnd)) sourceEnd = highWatermark;
    },
    dirty: () => dirtyKeys.size > 0 || dirtyOffsets.size > 0 || delta.outbox.length > 0 || delta.timersRemoved.length > 0 || addedTimers.size > 0,
    takeDelta() {
      const out = delta;
      for (const key of dirtyKeys) {
        const row: ShardDelta['states'][number] = { actorType: actor.type, key, partition, stateVersion: actor.stateVersion, state: states.get(key), quarantine: quarantine.get(key) ?? null };
        const window = recentIds.saved(key);
        if (window) row.recentIds = window;
        out.states.push(row);
      }
      for (const tp of dirtyOffsets) {
        const sep = tp.lastIndexOf(':');
        out.offsets.push({ topic: tp.slice(0, sep), partition: Number(tp.slice(sep + 1)), nextOffset: offsets.get(tp)! });
      }
      for (const origin of dirtyPositions) out.inboxPositions.push({ origin, lastSeq: inboxPositions.get(origin)! });
      out.timersAdded.push(...addedTimers.values());
      dirtyKeys.clear();
      dirtyOffsets.clear();
      dirtyPositions.clear();
      addedTimers.clear();
      inputs?.rotate();
      delta = emptyDelta();
      return out;
    },
    query(key) {
      if (states.has(key)) return { state: states.get(key), quarantine: quarantine.get(key) ?? null };
      return residency.evicted.has(key) ? 'passivated' : undefined;
    },
    size: () => states.size,
    missingKeys(records) {
      if (residency.evicted.size === 0) return [];
      const keys = new Set<string>();
      for (const r of records) if (r.key !== null && residency.evicted.has(r.key)) keys.add(r.key);
      return [...keys];
    },
    rehydrate(rows, keys) {
      // Only keys still evicted: one already put back (by a concurrent batch of the same shard) may
      // have moved on since, and its committed row would take it back in time.
      for (const row of rows) if (residency.evicted.has(row.key)) restoreState(row);
      for (const key of keys) if (residency.evicted.has(key)) residency.rehydrated(key, wallNow);
    },
    passivate(policy, at) {
      const gone = residency.evict(policy, at, (key) => dirtyKeys.has(key));
      for (const key of gone) {
        states.delete(key);
        quarantine.delete(key);
        recentIds.delete(key);
      }
      return gone.length;
    },
    setNow(at) {
      wallNow = at;
    },
    inputsOfTakenDelta: (keys) => {
      if (!inputs) throw new Error(`shard ${id} does not record its inputs`);
      return inputs.takenFor(keys);
    },
  };
}

function emptyDelta(): ShardDelta {
  return { offsets: [], states: [], outbox: [], alerts: [], inboxPositions: [], timersAdded: [], timersRemoved: [] };
}

/** W3C trace context: version-traceid-parentid-flags. */
const TRACEPARENT_FORMAT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
