/**
 * How many of an entity's latest source-event ids are remembered. A client that lost a 202 and
 * re-sends does so within seconds, long before the entity sees eight newer events of its own
 * (orders and users see a handful per session; SKUs' source events are rare stock moves).
 */
export const RECENT_IDS_PER_ENTITY = 8;

/**
 * The dedup window of the engine: per entity, the ids of its last `RECENT_IDS_PER_ENTITY` source
 * events, checkpointed with the entity's state (`actor_states.recent_event_ids`). A source event
 * whose id is among them was already applied (a retried ingest, a producer retry without
 * idempotence, a re-sent batch) and is dropped. This is the guarantee; the HTTP edge's cache only
 * saves the produce and tells the client.
 */
export class RecentIds {
  private readonly byKey = new Map<string, string[]>();

  /** True when `id` was one of `key`'s recent events. */
  seen(key: string, id: string): boolean {
    return this.byKey.get(key)?.includes(id) ?? false;
  }

  /** Remembers `id` as `key`'s latest event, forgetting the oldest beyond the window. */
  add(key: string, id: string): void {
    const ids = this.byKey.get(key);
    if (!ids) {
      this.byKey.set(key, [id]);
      return;
    }
    ids.push(id);
    if (ids.length > RECENT_IDS_PER_ENTITY) ids.shift();
  }

  /** The ids to checkpoint for `key` (oldest first), if it has any. */
  of(key: string): readonly string[] | undefined {
    return this.byKey.get(key);
  }

  /** Restores `key`'s window: as checkpointed (JSON text from the store, or the delta's array); null or malformed: empty. */
  restore(key: string, saved: readonly string[] | string | null | undefined): void {
    if (!saved) return;
    try {
      const ids = typeof saved === 'string' ? (JSON.parse(saved) as unknown) : saved;
      if (Array.isArray(ids)) this.byKey.set(key, ids.filter((x): x is string => typeof x === 'string').slice(-RECENT_IDS_PER_ENTITY));
    } catch {
      // An unreadable window only weakens dedup for this entity's next events; it must not stop the load.
    }
  }

  delete(key: string): void {
    this.byKey.delete(key);
  }
}
