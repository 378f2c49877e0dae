import type { Alert } from '../schemas/index.ts';
import type { Checkpoint, Quarantine } from './checkpoint-store.ts';
import type { ReadModelRows } from '../engine/index.ts';
import { writeAggregates, writeReadModel } from './analytics-writes.ts';
import { writeProcessedEvents } from './processed-events.ts';
import { writeHistory } from './history.ts';
import { writeParkedInputs } from './parked-inputs.ts';
import { jsonRows, jsonText, stateJsonOf, textLines } from './json-rows.ts';
import { outboxRowsDelete } from './outbox.ts';
import { allStatements, type StatementSql, type Started } from './all-statements.ts';

/**
 * The statements of checkpoints, all set-based, never one per entity — and never one per shard:
 * the checkpoints of several shards committed together (CheckpointStore.commitGroup) share each
 * statement, every row carrying its shard (issue #19: each statement cost the processor's thread
 * ~75 µs of CPU whatever its rows, and a pass of 24 shards ran ~190 of them). Split from the store
 * so that `findUnstorable` can probe the same writes for a subset of a checkpoint's rows.
 */

type Tx = StatementSql;

/** The rows of a checkpoint that belong to entities (and dead letters): what a data error can come from. */
export type CheckpointRows = Pick<Checkpoint, 'shard' | 'states' | 'outbox' | 'alerts' | 'timersAdded' | 'readModel' | 'aggregates' | 'processed' | 'history'>;

/**
 * Every statement of `cps` (one shard's checkpoint, or several shards' committed together),
 * started at once, in order, so that postgres.js pipelines them (one round trip) and Postgres runs
 * them in this order, which is load-bearing where two touch one table (states before quarantines,
 * added timers before fired ones are removed). The caller awaits them all (store/all-statements.ts)
 * and sends COMMIT right behind them (store/checkpoint-store.ts).
 *
 * Each is pushed to `started` as it is started. A writer that throws before its statement is sent
 * (a value JSON cannot encode: json-rows.ts UnencodableValue) stops the rest; `started` then holds
 * what went out before it, for the caller to settle and roll back.
 */
export function startCheckpoint(tx: Tx, cps: readonly Checkpoint[], started: (Started | undefined)[], processedEventsTable?: string): Promise<OutboxSeqs> | undefined {
  const outbox = startCheckpointRows(tx, cps, started, processedEventsTable);
  started.push(writeOffsets(tx, cps));
  started.push(writeInboxPositions(tx, cps));
  started.push(writeQuarantines(tx, cps.flatMap((cp) => cp.quarantines ?? [])));
  started.push(...writeParkedInputs(tx, { parked: cps.flatMap((cp) => cp.parked ?? []), released: cps.flatMap((cp) => cp.released ?? []) }));
  started.push(removeFiredTimers(tx, cps));
  started.push(deleteConsumedOutbox(tx, cps));
  return outbox;
}

/** The entity rows of `cps`, one statement per table. Pipelined, and settled all together, as above. */
export async function writeCheckpointRows(tx: Tx, cps: readonly CheckpointRows[], processedEventsTable?: string): Promise<void> {
  const started: (Started | undefined)[] = [];
  try {
    startCheckpointRows(tx, cps, started, processedEventsTable);
  } catch (e) {
    await Promise.allSettled(started);
    throw e;
  }
  return allStatements(started);
}

/** Starts the entity rows' statements; the outbox insert's, whose answer is its seqs, is also returned. */
function startCheckpointRows(tx: Tx, cps: readonly CheckpointRows[], started: (Started | undefined)[], processedEventsTable?: string): Promise<OutboxSeqs> | undefined {
  started.push(writeStates(tx, cps.flatMap((cp) => cp.states)));
  started.push(writeHistory(tx, cps.flatMap((cp) => cp.history ?? [])));
  const outbox = writeOutbox(tx, cps);
  started.push(outbox);
  started.push(writeAlerts(tx, cps.flatMap((cp) => cp.alerts)));
  started.push(writeTimersAdded(tx, cps));
  for (const rm of readModelsByTable(cps)) started.push(writeReadModel(tx, rm));
  started.push(...writeAggregates(tx, cps.flatMap((cp) => (cp.aggregates ?? []).map((a) => ({ shard: cp.shard, ...a })))));
  started.push(writeProcessedEvents(tx, processedEventsTable, cps.flatMap((cp) => cp.processed ?? [])));
  return outbox;
}

/** The read-model rows of `cps`, one entry per table (shards of one actor type share theirs). */
function readModelsByTable(cps: readonly CheckpointRows[]): ReadModelRows[] {
  const byTable = new Map<string, ReadModelRows>();
  for (const cp of cps) {
    const rm = cp.readModel;
    if (!rm || rm.rows.length === 0) continue;
    const seen = byTable.get(rm.table);
    if (seen) seen.rows.push(...rm.rows);
    else byTable.set(rm.table, { ...rm, rows: [...rm.rows] });
  }
  return [...byTable.values()];
}

function writeStates(tx: Tx, states: Checkpoint['states']): Started | undefined {
  if (states.length === 0) return undefined;
  // The state travels as JSON text, cast to jsonb in the statement: a nested object declared
  // `jsonb` in the record is walked token by token by the outer parse and then parsed again, which
  // made this statement ~40% slower on the server (bench/README.md "States as JSON text"). And as
  // lines beside the rows, not inside them: see textLines.
  const texts = states.map(stateJsonOf);
  const rows: Record<string, unknown>[] = states.map((x) => ({ t: x.actorType, k: x.key, p: x.partition, v: x.stateVersion, q: x.quarantine ?? null, r: x.recentIds ?? null, h: x.held ?? null }));
  const lines = textLines(tx, rows, texts);
  return tx`
    insert into actor_states (actor_type, key, partition, state_version, state, quarantine, recent_event_ids, held_inputs)
    select t, k, p, v, (case when x then o else l end)::jsonb, q, r, h
      from rows from (json_to_recordset(${jsonRows(tx, rows)}::json) as (t text, k text, p int, v int, x boolean, o text, q text, r text, h text),
        unnest(string_to_array(${lines}, E'\n'))) as u(t, k, p, v, x, o, q, r, h, l)
    on conflict (actor_type, key) do update set partition = excluded.partition, state_version = excluded.state_version,
      state = excluded.state, quarantine = excluded.quarantine, recent_event_ids = excluded.recent_event_ids, held_inputs = excluded.held_inputs, updated_at = now()`.execute();
}

function writeOffsets(tx: Tx, cps: readonly Checkpoint[]): Started | undefined {
  const o = cps.flatMap((cp) => cp.offsets.map((x) => ({ ...x, shard: cp.shard })));
  if (o.length === 0) return undefined;
  return tx`
    insert into input_offsets (topic, partition, shard, next_offset, event_time_max)
    select t, p, s, n, m from unnest(${o.map((x) => x.topic)}::text[], ${o.map((x) => x.partition)}::int[],
      ${o.map((x) => x.shard)}::text[], ${o.map((x) => x.nextOffset)}::bigint[], ${o.map((x) => x.eventTimeMax ?? null)}::bigint[]) as u(t, p, s, n, m)
    on conflict (topic, partition) do update set shard = excluded.shard, next_offset = excluded.next_offset,
      event_time_max = coalesce(excluded.event_time_max, input_offsets.event_time_max)`.execute();
}

function writeOutbox(tx: Tx, cps: readonly Pick<Checkpoint, 'shard' | 'outbox'>[]): Promise<OutboxSeqs> | undefined {
  if (!cps.some((cp) => cp.outbox.length > 0)) return undefined;
  // Load-bearing order: receivers keep only the highest x-seq per origin shard, so a shard's rows
  // must get increasing `seq` in the order its effects happened. `order by n` (the row's position)
  // makes the insert draw the bigserial values in that order, and the epoch row lock above makes
  // one shard's commits sequential, so seq order = effect order across commits too. Shards
  // committed together keep their rows in their own order; how they interleave does not matter.
  // Headers as JSON text, cast in the statement, for the reason writeStates gives.
  // Values (messages' JSON) as lines beside the rows, as states are (json-rows.ts textLines).
  const rows: Record<string, unknown>[] = cps.flatMap((cp) => cp.outbox.map((x) => ({ s: cp.shard, t: x.topic, k: x.key, h: JSON.stringify(x.headers ?? {}) })));
  const lines = textLines(tx, rows, cps.flatMap((cp) => cp.outbox.map((x) => x.value)));
  // The seqs drawn come back per shard, ascending, so that the relay need not read the rows back
  // (store/committed-outbox.ts).
  return tx`
    with inserted as (
      insert into outbox (shard, topic, key, value, headers)
      select s, t, k, case when x then o else l end, h::jsonb
        from rows from (json_to_recordset(${jsonRows(tx, rows)}::json) as (s text, t text, k text, h text, x boolean, o text),
          unnest(string_to_array(${lines}, E'\n'))) with ordinality as u(s, t, k, h, x, o, l, n)
      order by n
      returning shard, seq)
    select shard, array_agg(seq order by seq) as seqs from inserted group by shard`.execute() as unknown as Promise<OutboxSeqs>;
}

/** What the outbox insert answers: per shard, the seqs its rows drew, ascending (numbers, or their text). */
export type OutboxSeqs = readonly { shard: string; seqs: readonly (string | number)[] }[];

function writeAlerts(tx: Tx, alerts: Alert[]): Started | undefined {
  if (alerts.length === 0) return undefined;
  // Alert ids are deterministic, so a replayed alert hits the primary key and is dropped.
  return tx`
    insert into alerts (id, type, entity_type, entity_key, severity, ts, detected_at, body)
    select i, t, et, ek, s, ts, d, b::jsonb from unnest(
      ${alerts.map((a) => a.id)}::text[], ${alerts.map((a) => a.type)}::text[], ${alerts.map((a) => a.entityType)}::text[],
      ${alerts.map((a) => a.entityKey)}::text[], ${alerts.map((a) => a.severity)}::text[], ${alerts.map((a) => a.ts)}::bigint[],
      ${alerts.map((a) => a.detectedAt)}::bigint[], ${alerts.map((a) => jsonText(a, `alert ${a.id}`))}::text[]) as u(i, t, et, ek, s, ts, d, b)
    on conflict (id) do nothing`.execute();
}

function writeInboxPositions(tx: Tx, cps: readonly Checkpoint[]): Started | undefined {
  const p = cps.flatMap((cp) => cp.inboxPositions.map((x) => ({ ...x, shard: cp.shard })));
  if (p.length === 0) return undefined;
  return tx`
    insert into inbox_positions (shard, origin, last_seq)
    select h, o, s from unnest(${p.map((x) => x.shard)}::text[], ${p.map((x) => x.origin)}::text[], ${p.map((x) => x.lastSeq)}::bigint[]) as u(h, o, s)
    on conflict (shard, origin) do update set last_seq = greatest(inbox_positions.last_seq, excluded.last_seq)`.execute();
}

/**
 * Rows of other shards' outboxes this checkpoint's shard received in memory (engine/local-delivery.ts):
 * they leave with the checkpoint that applied them, atomically with its inbox positions, so until
 * then each is the durable copy a restarted receiver is handed again.
 */
function deleteConsumedOutbox(tx: Tx, cps: readonly Checkpoint[]): Started | undefined {
  const rows = cps.flatMap((cp) => cp.consumedOutbox ?? []);
  if (rows.length === 0) return undefined;
  return outboxRowsDelete(tx, rows).execute();
}

/**
 * Timers that fired are deleted, except those of entities quarantined by this checkpoint: their
 * firing belonged to changes Postgres refused, so they stay pending with the committed state.
 */
function removeFiredTimers(tx: Tx, cps: readonly Checkpoint[]): Started | undefined {
  const fired = cps.flatMap((cp) => {
    const kept = new Set(cp.quarantines?.map((q) => q.key));
    // A timer row names its key, not its seq's entity: those of kept keys are left out by key below.
    return cp.timersRemoved.map((seq) => ({ shard: cp.shard, seq, keep: kept.size > 0 ? [...kept] : null }));
  });
  if (fired.length === 0) return undefined;
  return tx`delete from timers using unnest(${fired.map((x) => x.shard)}::text[], ${fired.map((x) => x.seq)}::bigint[],
      ${fired.map((x) => (x.keep ? JSON.stringify(x.keep) : null))}::text[]) as u(shard, seq, keep)
    where timers.shard = u.shard and timers.seq = u.seq and (u.keep is null or not (u.keep::jsonb ? timers.key))`.execute();
}

function writeTimersAdded(tx: Tx, cps: readonly Pick<Checkpoint, 'shard' | 'timersAdded'>[]): Started | undefined {
  const t = cps.flatMap((cp) => cp.timersAdded.map((x) => ({ ...x, shard: cp.shard })));
  if (t.length === 0) return undefined;
  return tx`
    insert into timers (shard, actor_type, key, due_at, seq, timer)
    select h, a, k, d, s, j::jsonb from unnest(${t.map((x) => x.shard)}::text[], ${t.map((x) => x.actorType)}::text[], ${t.map((x) => x.key)}::text[],
      ${t.map((x) => x.dueAt)}::bigint[], ${t.map((x) => x.seq)}::bigint[], ${t.map((x) => jsonText(x.timer, `${x.actorType} '${x.key}': a timer`))}::text[]) as u(h, a, k, d, s, j)
    on conflict (shard, seq) do nothing`.execute();
}

/** Marks entities quarantined without touching a committed state (see Checkpoint.quarantines). */
function writeQuarantines(tx: Tx, q: readonly Quarantine[]): Started | undefined {
  if (q.length === 0) return undefined;
  return tx`
    insert into actor_states (actor_type, key, partition, state_version, state, quarantine)
    select t, k, p, v, s::jsonb, r from unnest(
      ${q.map((x) => x.actorType)}::text[], ${q.map((x) => x.key)}::text[], ${q.map((x) => x.partition)}::int[],
      ${q.map((x) => x.stateVersion)}::int[], ${q.map((x) => JSON.stringify(x.initialState))}::text[],
      ${q.map((x) => x.reason)}::text[]) as u(t, k, p, v, s, r)
    on conflict (actor_type, key) do update set quarantine = excluded.quarantine, updated_at = now()`.execute();
}
