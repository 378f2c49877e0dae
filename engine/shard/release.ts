import type { ActorDefinition } from '../../actors/actor.ts';
import type { EntityTable } from './entity-table.ts';
import type { ParkedInput, ParkedRow } from './parked.ts';
import type { ReleaseResult, StoredRow } from './shard-api.ts';
import type { PendingDelta } from './shard-delta.ts';
import { NOT_STARTED, type ShardHandler } from './shard-handler.ts';

/** The parts of a shard a release works on. */
export interface ReleaseParts {
  actor: ActorDefinition<any>;
  table: EntityTable;
  pending: PendingDelta;
  handler: ShardHandler;
}

/**
 * See Shard.release. Runs between two batches (a shard is single-threaded), so nothing else touches
 * the entity meanwhile; what it applies, the lifted quarantine and the deletion of the parked rows
 * it applied are all in the next checkpoint, committed together or not at all.
 */
export function releaseEntity(parts: ReleaseParts, key: string, committed: readonly ParkedRow[], stored: StoredRow | undefined): ReleaseResult {
  const { table, pending, handler } = parts;
  const migrated = putBack(parts, key, stored);
  if (migrated !== null) return { applied: 0, duplicates: 0, quarantine: migrated };
  table.quarantine.delete(key);
  pending.dirtyKeys.add(key);
  pending.changedKeys.add(key);
  const result: ReleaseResult = { applied: 0, duplicates: 0, quarantine: null };
  const apply = (p: ParkedInput): boolean => {
    const outcome = handler.applyParked(p);
    if (outcome === 'applied') result.applied++;
    else if (outcome === 'duplicate') result.duplicates++;
    return outcome !== 'threw';
  };
  let through: number | undefined;
  for (const row of committed) {
    if (!apply(row)) break;
    through = row.seq;
  }
  if (through !== undefined) pending.released(parts.actor.type, key, through);
  if (!table.quarantine.has(key)) pending.unpark(key, apply);
  result.quarantine = table.quarantine.get(key) ?? null;
  return result;
}

/**
 * Brings `key`'s committed row back into memory where the release needs it: a passivated entity is
 * put back as any rehydration would; a state whose migration failed (still at its stored version)
 * is migrated again, now with the fixed code. Returns the error when that migration fails again.
 */
function putBack({ actor, table }: ReleaseParts, key: string, stored: StoredRow | undefined): string | null {
  // An entity its actor could not start holds a placeholder: the release starts it afresh.
  if (table.quarantine.get(key)?.startsWith(NOT_STARTED)) {
    table.states.delete(key);
    return null;
  }
  if (!stored) return null;
  // Not in memory while a row is committed: passivated, or not read back yet after a lazy restore
  // (the stored row must not be overwritten by a state started afresh).
  if (!table.states.has(key)) table.rehydrate([stored], [key]);
  else if (stored.stateVersion !== actor.stateVersion && table.quarantine.has(key)) {
    table.quarantine.delete(key);
    table.restore({ ...stored, quarantine: null });
  }
  return stored.stateVersion !== actor.stateVersion ? (table.quarantine.get(key) ?? null) : null;
}
