import type postgres from 'postgres';
import type { Alert } from '../schemas/index.ts';
import type { Checkpoint } from './checkpoint-store.ts';
import { writeAggregates, writeReadModel } from './analytics-writes.ts';
import { writeProcessedEvents } from './processed-events.ts';
import { writeHistory } from './history.ts';
import { writeParkedInputs } from './parked-inputs.ts';
import { jsonRows } from './json-rows.ts';

/**
 * The statements of one checkpoint, all set-based (UNNEST), never one per entity. Split from the
 * store so that `findUnstorable` can probe the same writes for a subset of a checkpoint's rows.
 */

type Tx = postgres.TransactionSql;

/**
 * Every statement of a checkpoint, made at once so that postgres.js pipelines them (one round
 * trip); Postgres runs them in this order, which is load-bearing where two touch one table
 * (states before quarantines, added timers before fired ones are removed).
 */
export async function writeCheckpoint(tx: Tx, cp: Checkpoint, processedEventsTable?: string): Promise<void> {
  await Promise.all([
    writeCheckpointRows(tx, cp, processedEventsTable),
    writeOffsets(tx, cp),
    writeInboxPositions(tx, cp),
    writeQuarantines(tx, cp),
    writeParkedInputs(tx, cp),
    removeFiredTimers(tx, cp),
  ]);
}

/** The rows that belong to entities (and dead letters): what a data error can come from. Pipelined, as above. */
export async function writeCheckpointRows(
  tx: Tx,
  cp: Pick<Checkpoint, 'shard' | 'states' | 'outbox' | 'alerts' | 'timersAdded' | 'readModel' | 'aggregates' | 'processed' | 'history'>,
  processedEventsTable?: string,
): Promise<void> {
  await Promise.all([
    writeStates(tx, cp),
    writeHistory(tx, cp.history),
    writeOutbox(tx, cp),
    writeAlerts(tx, cp.alerts),
    writeTimersAdded(tx, cp),
    writeReadModel(tx, cp.readModel),
    writeAggregates(tx, cp.shard, cp.aggregates),
    writeProcessedEvents(tx, processedEventsTable, cp.processed),
  ]);
}

async function writeStates(tx: Tx, cp: Pick<Checkpoint, 'states'>): Promise<void> {
  if (cp.states.length === 0) return;
  const rows = cp.states.map((x) => ({ t: x.actorType, k: x.key, p: x.partition, v: x.stateVersion, s: x.state, q: x.quarantine ?? null, r: x.recentIds ?? null }));
  await tx`
    insert into actor_states (actor_type, key, partition, state_version, state, quarantine, recent_event_ids)
    select t, k, p, v, s, q, r from json_to_recordset(${jsonRows(tx, rows)}::json) as u(t text, k text, p int, v int, s jsonb, q text, r text)
    on conflict (actor_type, key) do update set partition = excluded.partition, state_version = excluded.state_version,
      state = excluded.state, quarantine = excluded.quarantine, recent_event_ids = excluded.recent_event_ids, updated_at = now()`;
}

async function writeOffsets(tx: Tx, cp: Checkpoint): Promise<void> {
  if (cp.offsets.length === 0) return;
  const o = cp.offsets;
  await tx`
    insert into input_offsets (topic, partition, shard, next_offset)
    select t, p, ${cp.shard}, n from unnest(${o.map((x) => x.topic)}::text[], ${o.map((x) => x.partition)}::int[],
      ${o.map((x) => x.nextOffset)}::bigint[]) as u(t, p, n)
    on conflict (topic, partition) do update set shard = excluded.shard, next_offset = excluded.next_offset`;
}

async function writeOutbox(tx: Tx, cp: Pick<Checkpoint, 'shard' | 'outbox'>): Promise<void> {
  if (cp.outbox.length === 0) return;
  // Load-bearing order: receivers keep only the highest x-seq per origin shard, so a shard's rows
  // must get increasing `seq` in the order its effects happened. `order by n` (the row's position)
  // makes the insert draw the bigserial values in that order, and the epoch row lock above makes
  // one shard's commits sequential, so seq order = effect order across commits too.
  const rows = cp.outbox.map((x) => ({ t: x.topic, k: x.key, v: x.value, h: x.headers ?? {} }));
  await tx`
    insert into outbox (shard, topic, key, value, headers)
    select ${cp.shard}, t, k, v, h from rows from (json_to_recordset(${jsonRows(tx, rows)}::json) as (t text, k text, v text, h jsonb))
      with ordinality as u(t, k, v, h, n)
    order by n`;
}

async function writeAlerts(tx: Tx, alerts: Alert[]): Promise<void> {
  if (alerts.length === 0) return;
  // Alert ids are deterministic, so a replayed alert hits the primary key and is dropped.
  await tx`
    insert into alerts (id, type, entity_type, entity_key, severity, ts, detected_at, body)
    select i, t, et, ek, s, ts, d, b::jsonb from unnest(
      ${alerts.map((a) => a.id)}::text[], ${alerts.map((a) => a.type)}::text[], ${alerts.map((a) => a.entityType)}::text[],
      ${alerts.map((a) => a.entityKey)}::text[], ${alerts.map((a) => a.severity)}::text[], ${alerts.map((a) => a.ts)}::bigint[],
      ${alerts.map((a) => a.detectedAt)}::bigint[], ${alerts.map((a) => JSON.stringify(a))}::text[]) as u(i, t, et, ek, s, ts, d, b)
    on conflict (id) do nothing`;
}

async function writeInboxPositions(tx: Tx, cp: Checkpoint): Promise<void> {
  if (cp.inboxPositions.length === 0) return;
  const p = cp.inboxPositions;
  await tx`
    insert into inbox_positions (shard, origin, last_seq)
    select ${cp.shard}, o, s from unnest(${p.map((x) => x.origin)}::text[], ${p.map((x) => x.lastSeq)}::bigint[]) as u(o, s)
    on conflict (shard, origin) do update set last_seq = greatest(inbox_positions.last_seq, excluded.last_seq)`;
}

/**
 * Timers that fired are deleted, except those of entities quarantined by this checkpoint: their
 * firing belonged to changes Postgres refused, so they stay pending with the committed state.
 */
async function removeFiredTimers(tx: Tx, cp: Checkpoint): Promise<void> {
  if (cp.timersRemoved.length === 0) return;
  const kept = cp.quarantines?.map((q) => q.key) ?? [];
  await tx`delete from timers where shard = ${cp.shard} and seq = any(${cp.timersRemoved}::bigint[])
    ${kept.length > 0 ? tx`and not (key = any(${kept}::text[]))` : tx``}`;
}

async function writeTimersAdded(tx: Tx, cp: Pick<Checkpoint, 'shard' | 'timersAdded'>): Promise<void> {
  if (cp.timersAdded.length === 0) return;
  const t = cp.timersAdded;
  await tx`
    insert into timers (shard, actor_type, key, due_at, seq, timer)
    select ${cp.shard}, a, k, d, s, j::jsonb from unnest(${t.map((x) => x.actorType)}::text[], ${t.map((x) => x.key)}::text[],
      ${t.map((x) => x.dueAt)}::bigint[], ${t.map((x) => x.seq)}::bigint[], ${t.map((x) => JSON.stringify(x.timer))}::text[]) as u(a, k, d, s, j)
    on conflict (shard, seq) do nothing`;
}

/** Marks entities quarantined without touching a committed state (see Checkpoint.quarantines). */
async function writeQuarantines(tx: Tx, cp: Checkpoint): Promise<void> {
  const q = cp.quarantines ?? [];
  if (q.length === 0) return;
  await tx`
    insert into actor_states (actor_type, key, partition, state_version, state, quarantine)
    select t, k, p, v, s::jsonb, r from unnest(
      ${q.map((x) => x.actorType)}::text[], ${q.map((x) => x.key)}::text[], ${q.map((x) => x.partition)}::int[],
      ${q.map((x) => x.stateVersion)}::int[], ${q.map((x) => JSON.stringify(x.initialState))}::text[],
      ${q.map((x) => x.reason)}::text[]) as u(t, k, p, v, s, r)
    on conflict (actor_type, key) do update set quarantine = excluded.quarantine, updated_at = now()`;
}
