/**
 * A shard is one partition of one actor type; its id, `<actor type>/<partition>` (e.g. `sku/3`),
 * names it in `shard_owners`, in the `x-origin` header of inbox records, in metrics and logs. Built
 * and read only here.
 */
export function shardId(actorType: string, partition: number): string {
  return `${actorType}/${partition}`;
}

/** The actor type and partition of a shard id; undefined for anything that is not one. */
export function parseShardId(id: string): { actorType: string; partition: number } | undefined {
  if (!SHARD_ID.test(id)) return undefined;
  const sep = id.lastIndexOf('/');
  return { actorType: id.slice(0, sep), partition: Number(id.slice(sep + 1)) };
}

export function isShardId(id: string): boolean {
  return SHARD_ID.test(id);
}

/** Actor type names as the registry admits them, and a partition number Kafka can have. */
const SHARD_ID = /^[a-z][a-z0-9_.-]{0,63}\/\d{1,6}$/;
