import type { ParkedInput, ParkedRow } from '../engine/shard/parked.ts';
import type { Checkpoint } from './checkpoint-store.ts';
import type { Sql } from './pool.ts';
import type { StatementSql, Started } from './all-statements.ts';

type Tx = StatementSql;

/**
 * Parked inputs of quarantined entities (migration 5): written and deleted inside a shard's
 * checkpoint transaction, read by a release and by the admin list.
 */

/**
 * The checkpoint's newly parked inputs, and the deletion of those a release applied: one statement
 * each, started together (a delete started after the insert answered could outlive a fenced
 * transaction: store/all-statements.ts). New rows draw seqs above every `throughSeq`, so the
 * delete never touches them.
 */
export function writeParkedInputs(tx: Tx, cp: Pick<Checkpoint, 'parked' | 'released'>): (Started | undefined)[] {
  const p = cp.parked ?? [];
  const r = cp.released ?? [];
  return [
    p.length > 0
      // `order by n` draws seq in the order the inputs were parked: a release applies them in seq order.
      ? tx`
      insert into parked_inputs (actor_type, key, partition, code, reason, input, at, source_topic, source_partition, source_offset)
      select t, k, p, c, r, i, a, st, sp, so from unnest(
        ${p.map((x) => x.actorType)}::text[], ${p.map((x) => x.key)}::text[], ${p.map((x) => x.partition)}::int[],
        ${p.map((x) => x.code)}::text[], ${p.map((x) => x.reason)}::text[], ${p.map((x) => x.input)}::text[], ${p.map((x) => x.at)}::bigint[],
        ${p.map((x) => x.source?.topic ?? null)}::text[], ${p.map((x) => x.source?.partition ?? null)}::int[], ${p.map((x) => x.source?.offset ?? null)}::bigint[]
      ) with ordinality as u(t, k, p, c, r, i, a, st, sp, so, n) order by n`.execute()
      : undefined,
    r.length > 0
      ? tx`delete from parked_inputs using unnest(${r.map((x) => x.actorType)}::text[], ${r.map((x) => x.key)}::text[], ${r.map((x) => x.throughSeq)}::bigint[]) as u(t, k, s)
      where parked_inputs.actor_type = u.t and parked_inputs.key = u.k and parked_inputs.seq <= u.s`.execute()
      : undefined,
  ];
}

/** An entity's parked inputs, oldest first. */
export async function parkedInputsOf(sql: Sql, actorType: string, key: string): Promise<ParkedRow[]> {
  const rows = await sql`select seq, partition, code, reason, input, at, source_topic, source_partition, source_offset
    from parked_inputs where actor_type = ${actorType} and key = ${key} order by seq`;
  return rows.map((r) => {
    const row: ParkedRow = {
      seq: Number(r.seq), actorType, key, partition: r.partition as number, code: r.code as ParkedInput['code'],
      reason: r.reason as string, input: r.input as string, at: Number(r.at),
    };
    if (r.source_topic !== null) row.source = { topic: r.source_topic as string, partition: r.source_partition as number, offset: Number(r.source_offset) };
    return row;
  });
}

/** A quarantined entity as the admin list shows it. */
export interface QuarantinedEntity {
  type: string;
  key: string;
  /** The error that quarantined it. */
  error: string;
  /** When its first parked input was parked (else its row's last write), epoch ms. */
  since: number;
  /** Inputs waiting for its release. */
  parked: number;
}

/** Quarantined entities, longest quarantined first; `type` narrows to one actor type. */
export async function listQuarantined(sql: Sql, opts: { type?: string; limit: number }): Promise<QuarantinedEntity[]> {
  const rows = await sql`
    select s.actor_type, s.key, s.quarantine, coalesce(p.first_at, s.updated_at) as since, coalesce(p.n, 0)::int as parked
    from actor_states s
    left join lateral (select count(*) as n, min(parked_at) as first_at from parked_inputs
      where parked_inputs.actor_type = s.actor_type and parked_inputs.key = s.key) p on true
    where s.quarantine is not null ${opts.type ? sql`and s.actor_type = ${opts.type}` : sql``}
    order by since, s.actor_type, s.key limit ${opts.limit}`;
  return rows.map((r) => ({ type: r.actor_type as string, key: r.key as string, error: r.quarantine as string, since: (r.since as Date).getTime(), parked: r.parked as number }));
}
