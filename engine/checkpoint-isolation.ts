import type { DeadLetterCount, ShardDelta } from './shard/shard-api.ts';
import { deadLetterRow, MAX_REASON_CHARS, storableClip } from './shard/dead-letter.ts';
import { DLQ_HEADERS, type SourceRecord } from './shard/records.ts';
import type { Checkpoint, Quarantine, Unstorable } from '../store/index.ts';
import type { Owned } from './owned-shard.ts';
import { parkedFromRecord, type ParkedInput } from './shard/parked.ts';
import { firstStateOf } from '../actors/transition-checks.ts';

/**
 * The checkpoint to commit instead of one refused for its data (see store/unstorable.ts: a value
 * Postgres refuses, or one JSON cannot encode):
 * every row of the refused entities is left out — their state stays as last committed, their
 * sends, alerts and new timers of this checkpoint are dropped, their fired timers stay pending —
 * and they are marked quarantined with Postgres's reason; the records they were handed since that
 * commit are parked with them (engine/shard/parked.ts), to be applied again when the entity is
 * released after a fix, and copied to the dead-letter topic (code UNSTORABLE) for the record. A refused dead letter is replaced by one that carries only its
 * coordinates and the reason. Offsets move on, so the partition keeps flowing.
 */
export function withoutUnstorable(cp: Checkpoint, found: readonly Unstorable[], inputs: readonly SourceRecord[], owner: Pick<Owned, 'actor' | 'partition'>): Checkpoint {
  const refused = new Map<string, string>();
  const refusedDeadLetters = new Map<number, string>();
  for (const u of found) {
    if ('entityKey' in u.group) refused.set(u.group.entityKey, u.error);
    else refusedDeadLetters.set(u.group.deadLetter, u.error);
  }
  const outbox: ShardDelta['outbox'] = [];
  cp.outbox.forEach((m, i) => {
    const error = refusedDeadLetters.get(i);
    if (error !== undefined) outbox.push(strippedDeadLetter(m, error));
    else if (m.from === undefined || !refused.has(m.from)) outbox.push(m);
  });
  for (const r of inputs) {
    const error = refused.get(r.key ?? '') ?? 'refused by Postgres';
    outbox.push(deadLetterRow(r, 'UNSTORABLE', `the checkpoint of entity '${r.key}' cannot be stored (${error}); the entity is quarantined at its last committed state`));
  }
  const quarantines: Quarantine[] = [...refused].map(([key, error]) => ({
    actorType: owner.actor.type,
    key,
    partition: owner.partition,
    stateVersion: owner.actor.stateVersion,
    initialState: initialOrNull(owner.actor, key),
    reason: unstorableReason(error),
  }));
  return {
    ...cp,
    states: cp.states.filter((s) => !refused.has(s.key)),
    outbox,
    ...alertsWithout(cp, refused),
    timersAdded: cp.timersAdded.filter((t) => !refused.has(t.key)),
    ...(cp.history ? { history: cp.history.filter((h) => !refused.has(h.key)) } : {}),
    // A release that produced a refused state did not happen: its parked rows stay.
    parked: [...(cp.parked ?? []), ...parkedInputs(inputs, refused, owner)],
    ...(cp.released ? { released: cp.released.filter((r) => !refused.has(r.key)) } : {}),
    ...analyticsWithout(cp, refused),
    quarantines: [...(cp.quarantines ?? []), ...quarantines],
    deadLetters: withUnstorableInputs(cp.deadLetters ?? [], inputs),
  };
}

/**
 * The read-model rows and aggregate increments of a checkpoint without the refused entities'. A
 * shard restored to isolate refused rows records its inputs, and its aggregates are then kept per
 * entity, so the refused entities' share is known (their inputs go to the DLQ, so it must not count).
 */
function analyticsWithout(cp: Checkpoint, refused: ReadonlyMap<string, string>): Pick<Checkpoint, 'readModel' | 'aggregates' | 'processed'> {
  const out: Pick<Checkpoint, 'readModel' | 'aggregates' | 'processed'> = {};
  if (cp.processed) out.processed = cp.processed.filter((p) => !refused.has(p.key));
  if (cp.readModel) out.readModel = { ...cp.readModel, rows: cp.readModel.rows.filter((r) => !refused.has(String(r[0]))) };
  if (cp.aggregates) out.aggregates = cp.aggregates.map((a) => ({ ...a, rows: a.rows.filter((r) => r.key === undefined || !refused.has(r.key)) }));
  return out;
}

/** The alerts of a checkpoint but those the refused entities raised (about themselves or not). */
function alertsWithout(cp: Checkpoint, refused: ReadonlyMap<string, string>): Pick<Checkpoint, 'alerts' | 'alertFrom'> {
  const raisedBy = (i: number) => cp.alertFrom?.[i] ?? cp.alerts[i]!.entityKey;
  const kept = cp.alerts.map((_, i) => i).filter((i) => !refused.has(raisedBy(i)));
  return { alerts: kept.map((i) => cp.alerts[i]!), ...(cp.alertFrom ? { alertFrom: kept.map(raisedBy) } : {}) };
}

/** The refused entities' input records, parked with them as inputs again. */
function parkedInputs(inputs: readonly SourceRecord[], refused: ReadonlyMap<string, string>, owner: Pick<Owned, 'actor' | 'partition'>): ParkedInput[] {
  const out: ParkedInput[] = [];
  for (const r of inputs) {
    const reason = unstorableReason(refused.get(r.key ?? '') ?? 'refused');
    const p = parkedFromRecord(r, { actorType: owner.actor.type, partition: owner.partition, reason });
    if (p) out.push(p);
  }
  return out;
}

/** The dead-letter counts of a checkpoint plus one UNSTORABLE per input record re-sent to the DLQ. */
function withUnstorableInputs(counts: readonly DeadLetterCount[], inputs: readonly SourceRecord[]): DeadLetterCount[] {
  const out = counts.map((c) => ({ ...c }));
  for (const r of inputs) {
    const c = out.find((x) => x.topic === r.topic && x.code === 'UNSTORABLE');
    if (c) c.count++;
    else out.push({ topic: r.topic, code: 'UNSTORABLE', count: 1 });
  }
  return out;
}

/** Keys of the entities `found` names. */
export function refusedKeys(found: readonly Unstorable[]): string[] {
  return found.flatMap((u) => ('entityKey' in u.group ? [u.group.entityKey] : []));
}

function strippedDeadLetter(m: ShardDelta['outbox'][number], error: string): ShardDelta['outbox'][number] {
  const h = m.headers ?? {};
  const keep = [DLQ_HEADERS.code, DLQ_HEADERS.topic, DLQ_HEADERS.partition, DLQ_HEADERS.offset, DLQ_HEADERS.originalLength];
  const headers: Record<string, string> = {};
  for (const name of keep) if (h[name] !== undefined) headers[name] = storableClip(h[name]!, MAX_REASON_CHARS);
  headers[DLQ_HEADERS.reason] = storableClip(`${h[DLQ_HEADERS.reason] ?? ''} [value withheld: Postgres refused it: ${error}]`, MAX_REASON_CHARS);
  return { topic: m.topic, key: '', value: '', headers };
}

/** The quarantine reason of a refused entity, and of each input parked with it. */
function unstorableReason(error: string): string {
  return storableClip(`UNSTORABLE: this entity's checkpoint cannot be stored: ${error}`, MAX_REASON_CHARS);
}

/** The first state a quarantine row of an entity not stored yet carries: null when the actor cannot start one (its `initial` throws or gives undefined). */
function initialOrNull(actor: Owned['actor'], key: string): unknown {
  const first = firstStateOf(actor, key);
  return typeof first === 'string' ? null : first.state;
}
