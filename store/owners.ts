import type { Sql } from './pool.ts';

/**
 * Reads of `shard_owners`: who took each shard last, at which epoch, and where its HTTP API
 * answers. The rows are written by `acquire` (store/checkpoint-store.ts) and their epochs bumped
 * by a replay reset (store/replay.ts); a row outlives its owner's process, so it names the owner
 * of record, not necessarily a live one.
 */
export interface ShardOwner {
  shard: string;
  ownerId: string;
  epoch: number;
  /** Base URL of the owner's HTTP API, when it registered one. */
  httpAddress: string | null;
  acquiredAt: Date;
}

/** The owner of record of `shard`, or undefined when nobody ever acquired it. */
export async function shardOwner(sql: Sql, shard: string): Promise<ShardOwner | undefined> {
  const [row] = await sql`select shard, owner_id, epoch, http_address, acquired_at from shard_owners where shard = ${shard}`;
  return row ? ownerOf(row) : undefined;
}

/** Every shard's owner of record, by shard id. */
export async function shardOwners(sql: Sql): Promise<ShardOwner[]> {
  const rows = await sql`select shard, owner_id, epoch, http_address, acquired_at from shard_owners order by shard`;
  return rows.map(ownerOf);
}

function ownerOf(r: Record<string, unknown>): ShardOwner {
  return {
    shard: r.shard as string,
    ownerId: r.owner_id as string,
    epoch: Number(r.epoch),
    httpAddress: (r.http_address as string | null) ?? null,
    acquiredAt: r.acquired_at as Date,
  };
}
