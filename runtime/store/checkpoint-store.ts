import type postgres from 'postgres';
import type { Alert } from '../../schemas/index.ts';
import { ShardFenced } from '../errors.ts';
import type { ShardDelta } from '../shard/shard.ts';

/**
 * Checkpoints to PostgreSQL. One `commit` is ONE transaction holding a shard's dirty actor states,
 * its next input offsets, its outbox messages, alerts, inbox positions and timer changes, guarded
 * by the shard's epoch: a stale owner (one whose epoch was superseded by a newer `acquire`) gets
 * `ShardFenced` and nothing of its checkpoint lands. All writes are set-based (UNNEST), never one
 * statement per entity.
 */
export interface CheckpointStore {
  /** Takes ownership of a shard: bumps and returns its epoch, fencing any previous owner. */
  acquire(shard: string, ownerId: string, httpAddress?: string): Promise<number>;
  commit(checkpoint: Checkpoint): Promise<void>;
  /** Everything needed to resume a shard where its last committed checkpoint left it. */
  load(shard: string, actorType: string, partition: number): Promise<ShardSnapshot>;
  /** The committed rows of some entities (to rehydrate passivated ones, or answer a query). */
  loadStates(actorType: string, keys: readonly string[]): Promise<StoredState[]>;
}

export interface StoredState {
  key: string;
  stateVersion: number;
  state: unknown;
  quarantine: string | null;
  /** When the row was last committed (epoch ms). */
  updatedAt: number;
}

/** One shard's checkpoint: what the shard accumulated (`ShardDelta`) plus who writes it, at which epoch. */
export interface Checkpoint extends ShardDelta {
  shard: string;
  epoch: number;
}

export interface ShardSnapshot {
  offsets: Map<string, number>;
  /**
   * States as JSON text: parsing is left to the shard worker, off the consumer's thread, and text
   * is cheaper than objects both to read from Postgres and to post to a worker (1M entities).
   */
  states: { key: string; stateVersion: number; stateJson: string; quarantine: string | null }[];
  inboxPositions: Map<string, number>;
  timers: { actorType: string; key: string; dueAt: number; seq: number; timer: unknown }[];
}

/** Builds the store over a postgres.js connection pool (the schema must be migrated). */
export function createCheckpointStore(sql: postgres.Sql): CheckpointStore {
  return {
    async acquire(shard, ownerId, httpAddress) {
      const [row] = await sql`
        insert into shard_owners (shard, epoch, owner_id, http_address) values (${shard}, 1, ${ownerId}, ${httpAddress ?? null})
        on conflict (shard) do update set epoch = shard_owners.epoch + 1, owner_id = excluded.owner_id,
          http_address = excluded.http_address, acquired_at = now()
        returning epoch`;
      return Number(row!.epoch);
    },

    async commit(cp) {
      await sql.begin(async (tx) => {
        // The row lock orders this commit against a concurrent acquire of the same shard.
        const [owner] = await tx`select epoch from shard_owners where shard = ${cp.shard} for update`;
        const current = owner ? Number(owner.epoch) : undefined;
        if (current !== cp.epoch) throw new ShardFenced(cp.shard, cp.epoch, current);
        await writeStates(tx, cp);
        await writeOffsets(tx, cp);
        await writeOutbox(tx, cp);
        await writeAlerts(tx, cp.alerts);
        await writeInboxPositions(tx, cp);
        await writeTimers(tx, cp);
      });
    },

    async loadStates(actorType, keys) {
      if (keys.length === 0) return [];
      const rows = await sql`select key, state_version, state, quarantine, updated_at from actor_states
        where actor_type = ${actorType} and key = any(${keys as string[]}::text[])`;
      return rows.map((r) => ({
        key: r.key as string,
        stateVersion: r.state_version as number,
        state: r.state,
        quarantine: (r.quarantine as string | null) ?? null,
        updatedAt: (r.updated_at as Date).getTime(),
      }));
    },

    async load(shard, actorType, partition) {
      const [states, offsets, positions, timers] = await Promise.all([
        sql`select key, state_version, state::text as state_json, quarantine from actor_states where actor_type = ${actorType} and partition = ${partition}`,
        sql`select topic, partition, next_offset from input_offsets where shard = ${shard}`,
        sql`select origin, last_seq from inbox_positions where shard = ${shard}`,
        sql`select actor_type, key, due_at, seq, timer from timers where shard = ${shard} order by due_at, seq`,
      ]);
      return {
        states: states.map((r) => ({
          key: r.key as string,
          stateVersion: r.state_version as number,
          stateJson: r.state_json as string,
          quarantine: (r.quarantine as string | null) ?? null,
        })),
        offsets: new Map(offsets.map((r) => [`${r.topic}:${r.partition}`, Number(r.next_offset)])),
        inboxPositions: new Map(positions.map((r) => [r.origin as string, Number(r.last_seq)])),
        timers: timers.map((r) => ({
          actorType: r.actor_type as string,
          key: r.key as string,
          dueAt: Number(r.due_at),
          seq: Number(r.seq),
          timer: r.timer,
        })),
      };
    },
  };
}

type Tx = postgres.TransactionSql;

async function writeStates(tx: Tx, cp: Checkpoint): Promise<void> {
  if (cp.states.length === 0) return;
  const s = cp.states;
  // jsonb travels as text[] and is cast per element: a jsonb[] parameter double-encodes documents.
  await tx`
    insert into actor_states (actor_type, key, partition, state_version, state, quarantine)
    select t, k, p, v, s::jsonb, q from unnest(
      ${s.map((x) => x.actorType)}::text[], ${s.map((x) => x.key)}::text[], ${s.map((x) => x.partition)}::int[],
      ${s.map((x) => x.stateVersion)}::int[], ${s.map((x) => JSON.stringify(x.state))}::text[],
      ${s.map((x) => x.quarantine ?? null)}::text[]) as u(t, k, p, v, s, q)
    on conflict (actor_type, key) do update set partition = excluded.partition,
      state_version = excluded.state_version, state = excluded.state, quarantine = excluded.quarantine, updated_at = now()`;
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

async function writeOutbox(tx: Tx, cp: Checkpoint): Promise<void> {
  if (cp.outbox.length === 0) return;
  // Load-bearing order: receivers keep only the highest x-seq per origin shard, so a shard's rows
  // must get increasing `seq` in the order its effects happened. `order by n` (the array position)
  // makes the insert draw the bigserial values in that order, and the epoch row lock above makes
  // one shard's commits sequential, so seq order = effect order across commits too.
  const m = cp.outbox;
  await tx`
    insert into outbox (shard, topic, key, value, headers)
    select ${cp.shard}, t, k, v, h::jsonb from unnest(${m.map((x) => x.topic)}::text[], ${m.map((x) => x.key)}::text[],
      ${m.map((x) => x.value)}::text[], ${m.map((x) => JSON.stringify(x.headers ?? {}))}::text[]) with ordinality as u(t, k, v, h, n)
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

async function writeTimers(tx: Tx, cp: Checkpoint): Promise<void> {
  if (cp.timersRemoved.length > 0) {
    await tx`delete from timers where shard = ${cp.shard} and seq = any(${cp.timersRemoved}::bigint[])`;
  }
  if (cp.timersAdded.length === 0) return;
  const t = cp.timersAdded;
  await tx`
    insert into timers (shard, actor_type, key, due_at, seq, timer)
    select ${cp.shard}, a, k, d, s, j::jsonb from unnest(${t.map((x) => x.actorType)}::text[], ${t.map((x) => x.key)}::text[],
      ${t.map((x) => x.dueAt)}::bigint[], ${t.map((x) => x.seq)}::bigint[], ${t.map((x) => JSON.stringify(x.timer))}::text[]) as u(a, k, d, s, j)
    on conflict (shard, seq) do nothing`;
}
