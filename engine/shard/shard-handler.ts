import type { ActorAddress, ActorContext, ActorDefinition, ActorInput, Effect, Transition } from '../../actors/actor.ts';
import { applyInput, Quarantine, type EffectSink } from '../../actors/apply-input.ts';
import { inboxTopicOf, type ActorMessage, type Alert, type TimerMessage } from '../../schemas/index.ts';
import { MAX_REASON_CHARS, storableClip } from './dead-letter.ts';
import type { EntityTable } from './entity-table.ts';
import type { InputLog } from './input-log.ts';
import { addressKey, AwaitingRelease } from './awaiting-release.ts';
import { NoticeRelease } from './notice-release.ts';
import { AnswerNoticeSender } from './answer-notices.ts';
import type { HoldNotice, SettleTurn } from './hold-notices.ts';
import { encodeRootKey, MERGE_KEY_HEADER, TIMER_ROOT } from './merge-key.ts';
import { parkedActorInput, type ParkedInput } from './parked.ts';
import { TRACEPARENT, type SourceRecord } from './records.ts';
import type { ShardCounters } from './shard-api.ts';
import type { PendingDelta } from './shard-delta.ts';
import { TimerQueue, type PendingTimer } from './timer-queue.ts';
import { firstStateOf } from '../../actors/transition-checks.ts';

const NO_ALERTS: readonly Alert[] = Object.freeze([]);

function alertsOf(effects: readonly Effect[]): readonly Alert[] {
  if (effects.length === 0) return NO_ALERTS;
  const alerts: Alert[] = [];
  for (const e of effects) if (e.kind === 'alert') alerts.push(e.alert);
  return alerts.length === 0 ? NO_ALERTS : alerts;
}

/** What a shard's handler writes to besides its entities and its pending delta. */
export interface HandlerOptions {
  actor: ActorDefinition<any>;
  partition: number;
  app: string;
  alertsTopic: string;
  /** Stamps `detectedAt` on alerts. */
  wallClock: () => number;
  counters: ShardCounters;
  inputs: InputLog | undefined;
  /** The deployment's actor types (absent: sends are not checked; tests feeding one shard by hand). */
  recipients?: ReadonlySet<string>;
  /**
   * Actor types whose shards merge their inputs in event-time order (engine/shard/event-time-merge.ts):
   * a message to one carries the key of the source event at the root of its cascade (`x-at`).
   */
  mergedReceivers?: ReadonlySet<string>;
  /** How long an entity waits for answers before what it holds is applied anyway (default DEFAULT_MAX_AWAIT_MS). */
  maxAwaitMs?: number;
  /**
   * Note the Kafka timestamp of every source event applied (see `takeAppliedTimes`): set for a shard
   * that holds inputs of entities awaiting answers, which applies some events later than it takes them.
   */
  countApplied?: boolean;
}

/**
 * Applies inputs to a shard's entities and fires their timers. It is also the one effect sink of
 * the shard: the effects of an input become outbox rows, alerts and timers of the next checkpoint.
 */
export class ShardHandler implements EffectSink {
  private readonly timers = new TimerQueue();
  private timerSeq = 0;
  // The trace of the input being handled, read by the sink methods below: a traced input's trace
  // continues in what it caused (the message's record and the alert). A field rather than an
  // argument, so the sink stays one object per shard and nothing more is allocated per input.
  private inputTrace: string | undefined;
  // The root key of the input being handled (merge-key.ts), in parts so that nothing is allocated
  // per input: encoded only on a send to a merged receiver. Unset (NaN) for a released parked input.
  private rootAt = NaN;
  private rootTopic = '';
  private rootPartition = 0;
  private rootOffset = 0;
  /** What entities awaiting answers hold, and its release (awaiting-release.ts). */
  private readonly held: AwaitingRelease;
  /** Hold notices this shard's entities receive (notice-release.ts). */
  private readonly notices: NoticeRelease;
  /** Kafka timestamps of the source events applied since `takeAppliedTimes` (with `countApplied`). */
  private appliedTimes: number[] | undefined;
  /** While a held input with hold notices is applied: its sends to the notified entities, kept for their settles (hold-notices.ts). */
  private captured: Map<string, string[]> | undefined;
  /** The input handled next goes ahead of an open notice (`goesAhead`). */
  private ahead = false;
  /** The answer notices entities that await answers open and settle (answer-notices.ts). */
  private readonly answers: AnswerNoticeSender;

  constructor(
    private readonly opts: HandlerOptions,
    private readonly table: EntityTable,
    private readonly pending: PendingDelta,
  ) {
    this.held = new AwaitingRelease(this, table, pending, opts);
    this.notices = new NoticeRelease(this, table, pending, this.held, opts.wallClock);
    this.answers = new AnswerNoticeSender(opts.actor, table.holds.answers, (s) => table.holds.awaits(s), this);
    if (opts.countApplied) this.appliedTimes = [];
  }

  /**
   * See EffectSink.accept: a transition applyInput let through, before its effects happen. Sends to
   * an actor type the deployment does not run are refused here: such a message has no inbox topic,
   * so its outbox row could never be relayed and would hold back every later output of the shard.
   * Then its aggregate increments are counted; an `add` that throws (the actor's own code) is a
   * throwing handler too. Either way the entity is quarantined with the reason, its input parked,
   * none of its effects happen, and a release after the fix applies it.
   */
  accept(input: ActorInput, before: unknown, t: Transition<unknown>, ctx: ActorContext): void {
    const types = this.opts.recipients;
    if (types) {
      for (const e of t.effects) {
        if (e.kind === 'send' && !types.has(e.to.type)) throw new Error(`sent a message to actor type '${e.to.type}', which this deployment does not run`);
      }
    }
    this.pending.aggregates?.add(input, before, t.state, ctx, alertsOf(t.effects));
    this.answers.accepted(ctx.key, input, before, t.state, this.captured === undefined);
  }

  /** The root key of the inputs handled next (see merge-key.ts): set before each source event or message. */
  setRoot(at: number, topic: string, partition: number, offset: number): void {
    this.rootAt = at;
    this.rootTopic = topic;
    this.rootPartition = partition;
    this.rootOffset = offset;
  }

  /** Puts a checkpoint's timers back; new timers are numbered after them. */
  restoreTimers(timers: readonly PendingTimer[]): void {
    for (const t of timers) this.timers.push(t);
    this.timerSeq = this.timers.maxSeq();
  }

  /**
   * Runs the pure handler through the interpreter the test driver uses; a throw quarantines the key
   * and parks the input (`source` is also dead-lettered with the error) — unless it is a parked
   * input being released (`releasing`), which simply stays parked.
   */
  handle(key: string, input: ActorInput, now: number, source: SourceRecord | undefined, releasing = false): void {
    const { table, pending } = this;
    const states = table.states;
    let before: unknown;
    if (states.has(key)) before = states.get(key);
    else {
      const first = firstStateOf(this.opts.actor, key);
      if (typeof first === 'string') return this.refuseNew(key, input, now, source, releasing, first);
      before = first.state;
    }
    table.residency.touch(key, table.now);
    // A release re-applies parked inputs after newer ones on purpose: not a reordering of the run.
    // Nor is an input that goes ahead of a notice (its actor says it does the same either way).
    const ahead = this.ahead;
    this.ahead = false;
    if (!releasing && !ahead && table.eventTimeOrder.late(key, now)) this.opts.counters.outOfEventTimeOrder++;
    if (pending.history) {
      if (!states.has(key)) pending.history.noteCreated(key);
      pending.history.note(key, now);
    }
    if (this.appliedTimes && input.kind === 'event' && source?.timestamp !== undefined) this.appliedTimes.push(source.timestamp);
    const trace = source?.headers[TRACEPARENT];
    // Carried into outbox headers and alert details: only a well-formed W3C traceparent.
    this.inputTrace = trace !== undefined && TRACEPARENT_FORMAT.test(trace) ? trace : undefined;
    const after = applyInput(this.opts.actor, before, input, { key, now }, this);
    if (after instanceof Quarantine) {
      table.quarantine.set(key, storableClip(after.reason, MAX_REASON_CHARS));
      // A brand-new entity still needs a state row to carry its quarantine through checkpoints.
      if (!states.has(key)) states.set(key, before);
      pending.dirtyKeys.add(key);
      if (!releasing) {
        this.park(key, input, now, source, 'HANDLER_ERROR', after.reason);
        if (source) {
          this.opts.inputs?.record(source);
          pending.deadLetter(source, 'HANDLER_ERROR', after.reason);
        }
      }
      this.afterQuarantine(key);
      return;
    }
    states.set(key, after);
    // Before what it held is applied (below): those are keyed after the notices this settles.
    this.answers.applied(key, before, after, now);
    this.opts.counters.applied++;
    pending.dirtyKeys.add(key);
    if (after !== before) pending.changedKeys.add(key);
    if (source) this.opts.inputs?.record(source);
    if (input.kind === 'message' && table.holds.has(key) && table.holds.done(after)) this.held.applyFrom(key);
  }

  /**
   * What follows `key`'s quarantine, whether its handler threw or its read-model row was refused at
   * a take (shard-delta.ts): what it held waits for the release now, behind the input that threw,
   * in order, and the entities it told to wait for its answers are told it will not answer.
   */
  afterQuarantine(key: string): void {
    const held = this.table.holds.take(key);
    if (held) this.held.park(key, held);
    this.notices.parkKeptSettles(key);
    this.answers.quarantined(key);
  }

  /** See HeldInputHandler.appliedLate: a held event counts for event→state now. */
  appliedLate(appendedAt: number | undefined): void {
    if (this.appliedTimes && appendedAt !== undefined) this.appliedTimes.push(appendedAt);
  }

  /**
   * The Kafka timestamps of the source events applied since the last call (ApplyResult.appliedTimestamps):
   * a held event counts when it is applied, so event→state includes its wait for answers.
   * Undefined without `countApplied`.
   */
  takeAppliedTimes(): number[] | undefined {
    const out = this.appliedTimes;
    if (out !== undefined) this.appliedTimes = [];
    return out;
  }

  /** See AwaitingRelease.holdIfAwaiting. */
  holdIfAwaiting(key: string, input: ActorInput, now: number, source: SourceRecord | undefined): boolean {
    return this.held.holdIfAwaiting(key, input, now, source);
  }

  /** See AwaitingRelease.holdMessageIfNoticed. */
  holdMessageIfNoticed(key: string, input: ActorInput, now: number, source: SourceRecord): boolean {
    return this.held.holdMessageIfNoticed(key, input, now, source);
  }

  /** See NoticeRelease.receiveNotice. */
  receiveNotice(key: string, from: ActorAddress, notice: HoldNotice, root: string | undefined, source: SourceRecord): void {
    this.opts.inputs?.record(source);
    this.notices.receiveNotice(key, from, notice, root);
  }

  /** See NoticeRelease.settleEarly. */
  settleEarly(key: string, from: ActorAddress, notice: HoldNotice & { kind: 'settled' }, root: string | undefined, source: SourceRecord, at: SettleTurn): boolean {
    this.opts.inputs?.record(source);
    return this.notices.settleEarly(key, from, notice, root, at);
  }

  /** See HeldInputHandler.goesAhead. */
  goesAhead(): void {
    this.ahead = true;
  }

  /** See HeldInputHandler.noticeTargets: the actor's `heldInputTargets` of the types that merge, each once. */
  noticeTargets(state: unknown, input: ActorInput): ActorAddress[] {
    const merged = this.opts.mergedReceivers;
    if (!merged || merged.size === 0) return [];
    try {
      return this.mergedTargets(this.opts.actor.heldInputTargets?.(state, input));
    } catch {
      // A hook that throws names none: the held input's sends apply on arrival, as before notices,
      // rather than the batch failing on every retry.
      return [];
    }
  }

  /** See AnswerNoticeHandler.mergedTargets. */
  mergedTargets(all: readonly ActorAddress[] | undefined): ActorAddress[] {
    const merged = this.opts.mergedReceivers;
    if (!merged || merged.size === 0 || !all || all.length === 0) return [];
    const seen = new Set<string>();
    const out: ActorAddress[] = [];
    for (const to of all) {
      if (typeof to?.key !== 'string') continue; // a hook's mistake names no one
      const k = addressKey(to);
      if (merged!.has(to.type) && !seen.has(k)) {
        seen.add(k);
        out.push({ type: to.type, key: to.key });
      }
    }
    return out;
  }

  /** See HeldInputHandler.sendNotice: an outbox row like a send's, keyed at `root` (`x-at`). */
  sendNotice(fromKey: string, to: ActorAddress, msgJson: string, root: string): void {
    this.pushInboxRow({ type: this.opts.actor.type, key: fromKey }, to, msgJson, { ...this.traceHeaders(), [MERGE_KEY_HEADER]: root });
  }

  captureSends(to: readonly ActorAddress[]): void {
    this.captured = new Map(to.map((a) => [addressKey(a), []]));
  }

  capturedSends(): Map<string, string[]> {
    const out = this.captured ?? new Map<string, string[]>();
    this.captured = undefined;
    return out;
  }

  /** See NoticeRelease.settleTurnPassed. */
  settleTurnPassed(key: string, from: ActorAddress, hold: string): void {
    this.notices.settleTurnPassed(key, from, hold);
  }

  /** See AwaitingRelease.releaseOverdue. */
  releaseOverdueHolds(): void {
    this.held.releaseOverdue();
  }

  /** A state for `key` when it has none yet; undefined when the actor cannot start one (actors/transition-checks.ts `firstStateOf`). */
  initialState(key: string): unknown {
    const first = firstStateOf(this.opts.actor, key);
    return typeof first === 'string' ? undefined : first.state;
  }

  /**
   * An input for an entity its actor cannot start: there is no state to keep its inputs with. A
   * source event goes to the dead-letter topic with the reason, to be sent back (redriven) once
   * `initial` is fixed; anything else parks on a placeholder (below).
   */
  private refuseNew(key: string, input: ActorInput, now: number, source: SourceRecord | undefined, releasing: boolean, reason: string): void {
    // A source event can be sent back from the dead-letter topic once `initial` is fixed. A message
    // cannot: its receiver drops a record whose sequence it has passed. So a message, an input with
    // no record (held for the entity, carried by a settle) and a release of such an entity are
    // quarantined on a placeholder state, its reason marked, so that a release asks `initial` again
    // instead of applying to the placeholder (release.ts).
    if (source && !releasing && input.kind === 'event') return this.pending.deadLetter(source, 'INVALID_DATA', `the actor cannot start this entity: ${reason}`);
    const { table, pending } = this;
    table.quarantine.set(key, storableClip(`${NOT_STARTED}${reason}`, MAX_REASON_CHARS));
    table.states.set(key, null);
    // Ids it remembered were of inputs held for it, none applied: their release must not take
    // them for duplicates.
    table.recentIds.delete(key);
    pending.dirtyKeys.add(key);
    if (releasing) return;
    this.park(key, input, now, source, 'HANDLER_ERROR', reason);
    // For the record, like a throw's input: parked, so not to be sent back (engine/dead-letters.ts).
    if (source) pending.deadLetter(source, 'HANDLER_ERROR', reason);
    this.afterQuarantine(key); // the rest it held is parked behind it
  }

  /** The root key of the input being handled, encoded; undefined when it has none. */
  rootKey(): string | undefined {
    return Number.isNaN(this.rootAt) ? undefined : encodeRootKey({ at: this.rootAt, topic: this.rootTopic, partition: this.rootPartition, offset: this.rootOffset, seq: 0 });
  }

  /** See TimerQueue.forKeysDueBy: which entities a batch reaching `limit` may fire timers of. */
  timerKeysDueBy(limit: number, visit: (key: string) => void): void {
    this.timers.forKeysDueBy(limit, visit);
  }

  /** The pending timers of `keys` (time-travel snapshots). */
  timersOf(keys: ReadonlySet<string>): Map<string, PendingTimer[]> {
    return this.timers.forKeys(keys);
  }

  /** Fires, in due order, every timer due strictly before `ts` (an input's event time), or at it too when `inclusive`. */
  fireTimersBefore(ts: number, inclusive = false): void {
    const { timers, table } = this;
    for (let t = timers.popDueBefore(ts, inclusive); t; t = timers.popDueBefore(ts, inclusive)) {
      // missingKeys put every entity a batch may fire a timer of back in memory; firing one that
      // is still out would run its actor from the initial state and overwrite its committed row.
      if (!table.states.has(t.key) && table.residency.mayBeStored(t.key)) {
        throw new Error(`timer of ${t.key} due at ${t.dueAt} fired while its state is not in memory`);
      }
      this.opts.counters.timersFired++;
      this.pending.timerGone(t.seq);
      this.setRoot(t.dueAt, TIMER_ROOT, this.opts.partition, t.seq);
      const input: ActorInput = { kind: 'timer', at: t.dueAt, timer: t.timer };
      if (table.quarantine.has(t.key)) this.park(t.key, input, t.dueAt, undefined, 'QUARANTINED', `entity is quarantined: ${table.quarantine.get(t.key)}`);
      else if (!this.holdIfAwaiting(t.key, input, t.dueAt, undefined)) this.handle(t.key, input, t.dueAt, undefined);
    }
  }

  /** An input that reached a quarantined entity: parked for its release, and dead-lettered for the record. */
  parkQuarantined(key: string, input: ActorInput, now: number, source: SourceRecord): void {
    const reason = `entity is quarantined: ${this.table.quarantine.get(key)}`;
    this.park(key, input, now, source, 'QUARANTINED', reason);
    this.pending.deadLetter(source, 'QUARANTINED', reason);
  }

  /**
   * Applies a parked input of an entity being released: `threw` when it threw again (the entity is
   * quarantined anew and the input stays parked). A source event applied already (a producer's
   * retry parked twice) is a `duplicate`, skipped as the dedup window would have skipped it live.
   */
  applyParked(p: ParkedInput): 'applied' | 'duplicate' | 'threw' {
    const { table, pending } = this;
    const input = parkedActorInput(p);
    if (input.kind === 'event' && table.recentIds.seen(p.key, input.event.id)) {
      this.opts.counters.duplicatesDropped++;
      return 'duplicate';
    }
    this.rootAt = NaN; // a release applies it out of every order: its sends are not merged
    this.handle(p.key, input, p.at, undefined, true);
    if (table.quarantine.has(p.key)) return 'threw';
    if (input.kind !== 'event') return 'applied';
    const { event } = input;
    table.recentIds.add(p.key, event.id);
    if (p.source) pending.processed?.push({ ...p.source, id: event.id, type: event.type, key: p.key, ts: event.ts, json: JSON.stringify(event) });
    return 'applied';
  }

  /** Parks an input of `key` (a quarantined entity's, or the one that threw) for its release. */
  park(key: string, input: ActorInput, at: number, source: ParkedInput['source'] | undefined, code: ParkedInput['code'], reason: string): void {
    const { actor, partition } = this.opts;
    const parked: ParkedInput = { actorType: actor.type, key, partition, code, reason: storableClip(reason, MAX_REASON_CHARS), input: JSON.stringify(input), at };
    if (source) parked.source = { topic: source.topic, partition: source.partition, offset: source.offset };
    this.pending.park(parked);
  }

  send(from: ActorAddress, to: ActorAddress, _msg: ActorMessage, msgJson: string): void {
    const kept = this.captured?.get(addressKey(to));
    if (kept) return void kept.push(msgJson);
    let headers = this.traceHeaders();
    if (this.opts.mergedReceivers?.has(to.type) && !Number.isNaN(this.rootAt)) {
      const at = encodeRootKey({ at: this.rootAt, topic: this.rootTopic, partition: this.rootPartition, offset: this.rootOffset, seq: 0 });
      headers = { ...headers, [MERGE_KEY_HEADER]: at };
    }
    this.pushInboxRow(from, to, msgJson, headers);
  }

  /** An outbox row for `to`'s inbox: the InboxValue { from, msg } (records.ts) around a message encoded once, and checked. */
  private pushInboxRow(from: ActorAddress, to: ActorAddress, msgJson: string, headers: Record<string, string> | undefined): void {
    const value = `{"from":${JSON.stringify(from)},"msg":${msgJson}}`;
    // x-origin / x-seq are added by the relay from the outbox row's sequence number.
    this.pending.delta.outbox.push({ topic: inboxTopicOf(this.opts.app, to.type), key: to.key, value, headers, from: from.key });
  }

  alert(from: ActorAddress, a: Alert): void {
    const traceId = this.inputTrace?.split('-')[1];
    const alert = { ...a, detectedAt: this.opts.wallClock(), ...(traceId ? { details: { ...a.details, traceId } } : {}) };
    const { delta } = this.pending;
    delta.alerts.push(alert);
    (delta.alertFrom ??= []).push(from.key);
    delta.outbox.push({ topic: this.opts.alertsTopic, key: alert.entityKey, value: JSON.stringify(alert), headers: this.traceHeaders(), from: from.key });
  }

  schedule(from: ActorAddress, at: number, timer: TimerMessage): void {
    const t: PendingTimer = { key: from.key, dueAt: at, seq: ++this.timerSeq, timer };
    this.timers.push(t);
    this.pending.addedTimers.set(t.seq, { actorType: this.opts.actor.type, key: t.key, dueAt: t.dueAt, seq: t.seq, timer: t.timer });
  }

  /** The trace header of a row the input caused: a fresh object per row, as before, so no two rows share one. */
  private traceHeaders(): Record<string, string> | undefined {
    return this.inputTrace ? { [TRACEPARENT]: this.inputTrace } : undefined;
  }
}

/** W3C trace context: version-traceid-parentid-flags. */
const TRACEPARENT_FORMAT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** How the quarantine reason of an entity its actor could not start begins: its state is a placeholder. */
export const NOT_STARTED = 'not started: ';
