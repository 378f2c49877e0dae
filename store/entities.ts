import { createCheckpointStore, type StoredState } from './checkpoint-store.ts';
import type { Sql } from './pool.ts';

/**
 * The last committed state of one entity, or undefined when none was ever checkpointed: what an
 * instance answers (stale) when the entity's owner does not, and what `actorstream inspect` shows.
 */
export async function entitySnapshot(sql: Sql, actorType: string, key: string): Promise<StoredState | undefined> {
  const [row] = await createCheckpointStore(sql).loadStates(actorType, [key]);
  return row;
}
