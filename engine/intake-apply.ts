import type { Intake, IntakeDeps } from './intake.ts';
import type { TracedRecord } from './observer.ts';
import type { Owned } from './owned-shard.ts';
import type { SourceBatch } from './record-source.ts';
import { packBatch, type PackableMessage, type TextMessage } from './shard/record-batch.ts';
import { TRACEPARENT } from './shard/records.ts';
import type { ApplyResult } from './shard/shard-host.ts';
import type { ShardCounters } from './shard/shard-api.ts';
import { tpKey } from './topic-partition.ts';
import { checkedTaken, countByOrigin, originOf, partsByReceipt, takenMask, wasTaken, type TakenByOrigin } from './memory-taken.ts';

/** Inbox messages handed over in memory (engine/local-delivery.ts): a batch of text, not fetched bytes. */
export interface MemoryBatch extends Omit<SourceBatch, 'records' | 'memory'> {
  records: readonly TextMessage[];
  memory: true;
}

/** What a shard applies: a fetched batch, or messages handed over in memory. */
export type ShardBatch = SourceBatch | MemoryBatch;

/**
 * Applies the batch in the shard's worker, rehydrating passivated entities it needs first.
 * Undefined when it could not be applied: the batch is then fetched again.
 */
export async function applyInShard(deps: Pick<IntakeDeps, 'membership' | 'store' | 'isInbox' | 'log'>, o: Owned, batch: ShardBatch): Promise<ApplyResult | undefined> {
  const sourceEnd = deps.isInbox(batch.topic) ? undefined : batch.highWatermark;
  try {
    // The packed batch is transferred (moved) to the worker: pack it afresh for every attempt.
    const pack = () => {
      const packed = packBatch(batch.topic, batch.partition, batch.records);
      if (batch.memory) packed.memory = true;
      return packed;
    };
    // A memory batch's account of what it took is checked: a shard that disagrees is restored (applyOrRestore).
    const applyBatch = async () => {
      const r = await o.host.apply(o.id, pack(), { now: Date.now(), sourceEnd, receivedAt: batch.receivedAt });
      return batch.memory ? checkedTaken(batch.records, r) : r;
    };
    let r = await applyOrRestore(deps, o, applyBatch);
    while (r.needs) {
      await o.host.rehydrate(o.id, await deps.store.loadStates(o.actor.type, r.needs), r.needs, Date.now());
      // Retired (and maybe taken again) during the look-up: the batch is not this incarnation's to apply.
      if (deps.membership.held(o.id) !== o) return undefined;
      r = await applyOrRestore(deps, o, applyBatch);
    }
    return r;
  } catch (e) {
    // The shard was retired or fenced meanwhile (or Postgres failed a rehydrate): nothing was
    // resolved, so the batch is fetched again by whoever owns the shard.
    if (deps.membership.held(o.id) === o) deps.log(`batch of ${o.id} not applied: ${(e as Error).message}`);
    return undefined;
  }
}

/**
 * An apply that throws (never an actor's error: those quarantine their entity) may have stopped
 * half-way through the batch, so the shard's memory no longer matches any prefix of its input.
 * The shard is restored from its last checkpoint, as after a refused commit; the batch is fetched
 * again from the restored offsets.
 */
async function applyOrRestore(deps: Pick<IntakeDeps, 'membership' | 'log'>, o: Owned, apply: () => Promise<ApplyResult>): Promise<ApplyResult> {
  try {
    return await apply();
  } catch (e) {
    if (deps.membership.held(o.id) === o) {
      deps.log(`shard ${o.id} failed inside a batch, restoring it from its last checkpoint: ${(e as Error).message}`);
      await deps.membership.retire(o.id);
      await deps.membership.ownedShard(o.id).catch((err) => deps.log(`re-acquiring ${o.id} failed: ${err}`));
    }
    throw e;
  }
}

/**
 * What the next checkpoint, the observers and the log need to know of the records just applied.
 * `mask`: which records were taken (memory-taken.ts), when the caller has it already.
 */
export function accountApplied(deps: Pick<IntakeDeps, 'observer' | 'log'>, o: Owned, batch: ShardBatch, r: ApplyResult, expected: number, started: number, mask = takenMask(batch.records, r)): void {
  const before = o.counters;
  logWaitsTimedOut(deps.log, o.id, before, r.counters);
  o.counters = r.counters;
  o.size = r.size;
  o.oldestUseAt = r.oldestUseAt;
  const consumed = r.consumed;
  const tp = tpKey(batch.topic, batch.partition);
  // Memory records have no offset: the inbox partition's position is the fetched records' alone.
  if (consumed > 0 && !batch.memory) o.next.set(tp, Math.max(expected, Number(batch.records[consumed - 1]!.offset) + 1));
  const traced: TracedRecord[] = [];
  // A shard that merges in event time, or holds inputs for answers, applies later than it takes: its own account of what it applied.
  if (r.appliedTimestamps) for (const t of r.appliedTimestamps) o.appendTimes.push(t);
  for (let i = 0, n = mask ? batch.records.length : consumed; i < n; i++) {
    if (!wasTaken(mask, consumed, i)) continue;
    const m = batch.records[i]!;
    if (!r.appliedTimestamps) o.appendTimes.push(Number(m.timestamp));
    const traceparent = m.headers?.[TRACEPARENT];
    if (traceparent !== undefined) {
      traced.push({ topic: batch.topic, partition: batch.partition, offset: Number(m.offset), key: m.key?.toString() ?? null, actorType: o.actor.type, traceparent: String(traceparent) });
    }
  }
  if (traced.length > 0) o.traced.push(...traced);
  o.uncommitted += consumed;
  deps.observer.batchApplied?.({
    shard: o.id, actorType: o.actor.type, topic: batch.topic, partition: batch.partition,
    records: batch.records.length, consumed, ...(batch.memory ? { memory: true as const } : {}), applied: r.counters.applied - before.applied,
    deadLettered: r.counters.deadLettered - before.deadLettered, duplicatesDropped: r.counters.duplicatesDropped - before.duplicatesDropped,
    outOfEventTimeOrder: r.counters.outOfEventTimeOrder - before.outOfEventTimeOrder,
    mergeWaitsTimedOut: r.counters.mergeWaitsTimedOut - before.mergeWaitsTimedOut,
    awaitsTimedOut: r.counters.awaitsTimedOut - before.awaitsTimedOut,
    appendTimesMs: r.appliedTimestamps ?? o.appendTimes.slice(o.appendTimes.length - consumed), ...(r.appliedTimestamps ? { sourceTimesOnly: true as const } : {}), atMs: Date.now(), applyMs: performance.now() - started, traced,
  });
}

/**
 * A wait that ran out is where a run may decide differently from a replay (docs/determinism.md):
 * said when it happens, not only counted, so whoever reads the log can tell which shard and when.
 * Counted by the shard since its last batch, including waits ended by a checkpoint pass.
 */
function logWaitsTimedOut(log: (line: string) => void, shard: string, before: Readonly<ShardCounters>, now: Readonly<ShardCounters>): void {
  const merge = now.mergeWaitsTimedOut - before.mergeWaitsTimedOut;
  const awaits = now.awaitsTimedOut - before.awaitsTimedOut;
  if (merge > 0) log(`${shard}: stopped waiting for a silent origin ${merge} time(s) after event_time_max_wait_ms; what it applied then may differ from a replay`);
  const [entities, they] = awaits === 1 ? ['1 entity', 'it'] : [`${awaits} entities`, 'they'];
  if (awaits > 0) log(`${shard}: ${entities} waited too long for answers; what ${they} held was applied without them and may differ from a replay`);
}

/**
 * Applies messages handed over in memory (engine/local-delivery.ts) like an inbox batch, and
 * accounts for them; resolves to how many of each origin's messages (a prefix of them) the shard
 * took, undefined when it could not apply them at all. In two parts, as applyByReceipt does, but
 * cut per origin (partsByReceipt); an origin that had to wait in the first part is left out of
 * the second (its messages stay in sequence) while the others' go on.
 */
export async function applyMemoryRecords(
  deps: Pick<IntakeDeps, 'membership' | 'store' | 'isInbox' | 'log' | 'observer'> & Pick<Intake, 'endWanted' | 'measuredAt'>,
  o: Owned,
  topic: string,
  records: readonly TextMessage[],
): Promise<TakenByOrigin | undefined> {
  const taken: TakenByOrigin = new Map();
  const waiting = new Set<string | undefined>();
  let applied = false;
  let endWanted = false;
  // Received when handed over: a memory record's timestamp is that moment (local-delivery.ts), on this process's clock.
  for (const received of partsByReceipt(records, deps.measuredAt(o))) {
    const part = waiting.size > 0 ? received.filter((m) => !waiting.has(originOf(m))) : received;
    if (part.length === 0) continue;
    const receivedAt = part.reduce((max, m) => Math.max(max, Number(m.timestamp)), -Infinity);
    const batch: MemoryBatch = { topic, partition: o.partition, highWatermark: 0, records: part, lastOffset: '-1', memory: true, receivedAt };
    const started = performance.now();
    const r = await applyInShard(deps, o, batch);
    if (!r) break;
    const mask = takenMask(part, r);
    accountApplied(deps, o, batch, r, o.next.get(tpKey(topic, o.partition)) ?? 0, started, mask);
    applied = true;
    endWanted ||= r.endWanted === true;
    const took = mask ? part.filter((_, i) => mask[i]) : part.slice(0, r.consumed);
    countByOrigin(took, taken);
    if (took.length < part.length) part.forEach((m, i) => !wasTaken(mask, r.consumed, i) && waiting.add(originOf(m)));
  }
  if (endWanted) deps.endWanted(o);
  return applied ? taken : undefined;
}

/**
 * Applies inbox records in at most two parts, each with its latest receipt time: those received
 * at or before `measuredAt` (when the latest measurement of the shard's source end started), then
 * the rest. Offered as one, with the latest time, a steady inbox on a quiet source would always
 * hold a record newer than the last measurement, and none would pass for the source being caught
 * up (engine/shard/inbox-gate.ts). Stops at a part not wholly taken; undefined when nothing could
 * be applied at all (see applyInShard).
 */
export async function applyByReceipt<M extends PackableMessage>(
  deps: Pick<IntakeDeps, 'membership' | 'store' | 'isInbox' | 'log' | 'observer'>,
  o: Owned,
  records: readonly M[],
  receivedAts: readonly number[],
  measuredAt: number,
  batchOf: (part: M[], receivedAt: number) => ShardBatch,
): Promise<{ consumed: number; endWanted: boolean } | undefined> {
  const n = records.length;
  const cut = receivedAts.findIndex((t) => t > measuredAt); // receivedAts is in step with records
  let consumed = 0;
  let endWanted = false;
  for (const to of cut > 0 ? [cut, n] : [n]) {
    const receivedAt = receivedAts.slice(consumed, to).reduce((max, t) => Math.max(max, t), -Infinity);
    const batch = batchOf(records.slice(consumed, to), receivedAt);
    const expected = o.next.get(tpKey(batch.topic, batch.partition)) ?? 0;
    const started = performance.now();
    const r = await applyInShard(deps, o, batch);
    if (!r) return consumed > 0 ? { consumed, endWanted } : undefined;
    accountApplied(deps, o, batch, r, expected, started);
    consumed += r.consumed;
    endWanted ||= r.endWanted === true;
    if (consumed < to) break;
  }
  return { consumed, endWanted };
}

/**
 * Runs a merging shard's merge again with nothing new (engine/shard/merged-inputs.ts): after its
 * source end was measured, inputs it holds may go. A merging shard takes every record it is fed,
 * so nothing waits in the intake to be offered again; the empty batch is of its inbox topic, so it
 * notes no end. Returns whether the shard still wants a fresher end.
 */
export async function offerMergeAgain(deps: Pick<IntakeDeps, 'membership' | 'store' | 'isInbox' | 'log' | 'observer' | 'topicsOf'>, o: Owned): Promise<boolean> {
  const batch: SourceBatch = { topic: deps.topicsOf(o)[1]!, partition: o.partition, highWatermark: 0, records: [], lastOffset: '-1', receivedAt: Date.now() };
  const started = performance.now();
  const r = await applyInShard(deps, o, batch);
  if (!r) return false;
  accountApplied(deps, o, batch, r, o.next.get(tpKey(batch.topic, batch.partition)) ?? 0, started);
  return r.endWanted === true;
}

/** Tells the observer how far the batch's partition is behind its end. */
export function reportLag(deps: Pick<IntakeDeps, 'observer'>, batch: SourceBatch): void {
  deps.observer.lag?.({ topic: batch.topic, partition: batch.partition, lag: Math.max(0, batch.highWatermark - Number(batch.lastOffset) - 1) });
}
