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
 * the entity has seen cannot be one and is not looked up (live traffic, mostly). The ids are kept
 * as one '\n'-joined string per entity (ids are validated identifiers, never containing a line
 * break), which is also their checkpointed form (bench/dedup-window.ts measures the cost).
 */
export class RecentIds {
  private readonly byKey = new Map<string, Window>();

  /** True when `id` (of an event at `ts`) was one of `key`'s recent events. */
  seen(key: string, id: string, ts: number): boolean {
    const w = this.byKey.get(key);
    if (w === undefined || ts > w.maxTs || id.includes('\n')) return false;
    const ids = w.ids;
    for (let i = ids.indexOf(id); i >= 0; i = ids.indexOf(id, i + 1)) {
      const end = i + id.length;
      if ((i === 0 || ids.charCodeAt(i - 1) === NL) && (end === ids.length || ids.charCodeAt(end) === NL)) return true;
    }
    return false;
  }

  /** Remembers `id` (of an event at `ts`) as `key`'s latest event, forgetting the oldest beyond the window. */
  add(key: string, id: string, ts: number): void {
    if (id.includes('\n')) return; // never from a validated event; it would split into two ids
    const w = this.byKey.get(key);
    if (w === undefined) {
      this.byKey.set(key, { ids: id, count: 1, maxTs: ts });
      return;
    }
    if (w.count < RECENT_IDS_PER_ENTITY) {
      w.ids = `${w.ids}\n${id}`;
      w.count++;
    } else w.ids = `${w.ids.slice(w.ids.indexOf('\n') + 1)}\n${id}`;
    if (ts > w.maxTs) w.maxTs = ts;
  }

  /** `key`'s window as checkpointed: `<maxTs>\n<id>\n<id>…`, oldest id first; undefined when empty. */
  saved(key: string): string | undefined {
    const w = this.byKey.get(key);
    return w && `${w.maxTs}\n${w.ids}`;
  }

  /** Restores `key`'s window from its checkpointed form; a malformed one leaves it empty (dedup weakens, the load goes on). */
  restore(key: string, saved: string | null | undefined): void {
    if (!saved) return;
    const cut = saved.indexOf('\n');
    const maxTs = Number(saved.slice(0, cut));
    const ids = saved.slice(cut + 1).split('\n').filter((id) => id !== '').slice(-RECENT_IDS_PER_ENTITY);
    if (cut < 0 || !Number.isFinite(maxTs) || ids.length === 0) return;
    this.byKey.set(key, { ids: ids.join('\n'), count: ids.length, maxTs });
  }

  delete(key: string): void {
    this.byKey.delete(key);
  }
}

interface Window {
  /** The ids, oldest first, joined by '\n'. */
  ids: string;
  count: number;
  /** The latest event time among the remembered events: a later event is not a retry. */
  maxTs: number;
}

const NL = 10;
