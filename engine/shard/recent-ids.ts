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
 * The ids are kept as one '\n'-joined string per entity (ids are validated identifiers, never
 * containing a line break), which is also their checkpointed form (bench/dedup-window.ts measures
 * the cost). Every source event is looked up, whatever its `ts`: a client may re-stamp the time of
 * an event it retries, and the id alone says it is the same event.
 */
export class RecentIds {
  private readonly byKey = new Map<string, Window>();

  /** True when `id` was one of `key`'s recent events. */
  seen(key: string, id: string): boolean {
    const w = this.byKey.get(key);
    if (w === undefined || id.includes('\n')) return false;
    const ids = w.ids;
    for (let i = ids.indexOf(id); i >= 0; i = ids.indexOf(id, i + 1)) {
      const end = i + id.length;
      if ((i === 0 || ids.charCodeAt(i - 1) === NL) && (end === ids.length || ids.charCodeAt(end) === NL)) return true;
    }
    return false;
  }

  /** Remembers `id` as `key`'s latest event, forgetting the oldest beyond the window. */
  add(key: string, id: string): void {
    if (id.includes('\n')) return; // never from a validated event; it would split into two ids
    const w = this.byKey.get(key);
    if (w === undefined) {
      this.byKey.set(key, { ids: id, count: 1 });
      return;
    }
    if (w.count < RECENT_IDS_PER_ENTITY) {
      w.ids = `${w.ids}\n${id}`;
      w.count++;
    } else w.ids = `${w.ids.slice(w.ids.indexOf('\n') + 1)}\n${id}`;
  }

  /** `key`'s window as checkpointed: its ids, oldest first, one per line; undefined when empty. */
  saved(key: string): string | undefined {
    return this.byKey.get(key)?.ids;
  }

  /** Restores `key`'s window from its checkpointed form (junk lines are dropped). */
  restore(key: string, saved: string | null | undefined): void {
    if (!saved) return;
    const ids = saved.split('\n').filter((id) => id !== '').slice(-RECENT_IDS_PER_ENTITY);
    if (ids.length > 0) this.byKey.set(key, { ids: ids.join('\n'), count: ids.length });
  }

  delete(key: string): void {
    this.byKey.delete(key);
  }
}

interface Window {
  /** The ids, oldest first, joined by '\n'. */
  ids: string;
  count: number;
}

const NL = 10;
