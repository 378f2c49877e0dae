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
 *
 * Cheap on the hot path: a retry carries its original's `ts`, so an event later than every event
 * the entity has seen cannot be one and is not looked up (live traffic, mostly); the ids are a
 * small ring per entity, overwritten in place (no per-event string building).
 */
export class RecentIds {
  private readonly byKey = new Map<string, Window>();

  /** True when `id` (of an event at `ts`) was one of `key`'s recent events. */
  seen(key: string, id: string, ts: number): boolean {
    const w = this.byKey.get(key);
    return w !== undefined && ts <= w.maxTs && w.ids.includes(id);
  }

  /** Remembers `id` (of an event at `ts`) as `key`'s latest event, forgetting the oldest beyond the window. */
  add(key: string, id: string, ts: number): void {
    const w = this.byKey.get(key);
    if (w === undefined) {
      this.byKey.set(key, { ids: [id], next: 0, maxTs: ts, saved: undefined });
      return;
    }
    w.saved = undefined;
    if (w.ids.length < RECENT_IDS_PER_ENTITY) w.ids.push(id);
    else {
      w.ids[w.next] = id;
      w.next = (w.next + 1) % RECENT_IDS_PER_ENTITY;
    }
    if (ts > w.maxTs) w.maxTs = ts;
  }

  /**
   * `key`'s window as checkpointed: `<maxTs>\n<id>\n<id>…`, oldest id first (ids are validated
   * identifiers, never containing a line break); undefined when empty.
   */
  saved(key: string): string | undefined {
    const w = this.byKey.get(key);
    if (!w) return undefined;
    // Kept until the next add: an entity dirtied only by messages checkpoints the same window.
    if (w.saved === undefined) {
      const oldestFirst = w.next === 0 ? w.ids : [...w.ids.slice(w.next), ...w.ids.slice(0, w.next)];
      w.saved = `${w.maxTs}\n${oldestFirst.join('\n')}`;
    }
    return w.saved;
  }

  /** Restores `key`'s window from its checkpointed form; a malformed one leaves it empty (dedup weakens, the load goes on). */
  restore(key: string, saved: string | null | undefined): void {
    if (!saved) return;
    const cut = saved.indexOf('\n');
    const maxTs = Number(saved.slice(0, cut));
    const ids = saved.slice(cut + 1).split('\n').filter((id) => id !== '').slice(-RECENT_IDS_PER_ENTITY);
    if (cut < 0 || !Number.isFinite(maxTs) || ids.length === 0) return;
    this.byKey.set(key, { ids, next: 0, maxTs, saved: undefined });
  }

  delete(key: string): void {
    this.byKey.delete(key);
  }
}

interface Window {
  /** Up to RECENT_IDS_PER_ENTITY ids; once full, a ring whose oldest entry is at `next`. */
  ids: string[];
  next: number;
  /** The latest event time among the remembered events: a later event is not a retry. */
  maxTs: number;
  /** The checkpointed form, until the window changes. */
  saved: string | undefined;
}
