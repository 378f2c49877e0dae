import type { Alert } from '../schemas/index.ts';
import type { Sql } from './pool.ts';

/**
 * Reads of committed alerts (the checkpoint writes them, store/checkpoint-writes.ts). Newest
 * first means event time (`ts`) descending, ties broken by id, so a page boundary is a stable
 * `(ts, id)` position.
 */

/** What `listAlerts` filters on; an absent (or empty) field does not filter. */
export interface AlertFilter {
  type?: string;
  entityType?: string;
  entityKey?: string;
  /** Event time (epoch ms) at or after which alerts are kept. */
  since?: number;
  /** Keeps only alerts strictly older than this position (the `next` of the previous page). */
  before?: AlertPosition;
  /** Most alerts in the page. */
  limit: number;
}

/** Where an alert sits in the newest-first order. */
export interface AlertPosition {
  ts: number;
  id: string;
}

export interface AlertPage {
  alerts: Alert[];
  /** Position of the page's last alert when more match after it, else null. */
  next: AlertPosition | null;
}

/** One page of committed alerts matching `filter`, newest first. */
export async function listAlerts(sql: Sql, filter: AlertFilter): Promise<AlertPage> {
  const { type, entityType, entityKey, since, before, limit } = filter;
  // One row past the limit says whether a next page exists without a second count query.
  const rows = await sql`
    select body, ts, id from alerts
    where true
      ${type ? sql`and type = ${type}` : sql``}
      ${entityType ? sql`and entity_type = ${entityType}` : sql``}
      ${entityKey ? sql`and entity_key = ${entityKey}` : sql``}
      ${since !== undefined ? sql`and ts >= ${since}` : sql``}
      ${before ? sql`and (ts, id) < (${before.ts}, ${before.id})` : sql``}
    order by ts desc, id desc
    limit ${limit + 1}`;
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    alerts: page.map((r) => r.body as Alert),
    next: rows.length > limit && last ? { ts: Number(last.ts), id: String(last.id) } : null,
  };
}

/**
 * Alerts detected after the one with `id`, oldest first, at most `limit` (default 1000); undefined
 * when no alert `id` is stored. Detection time is a worker's clock, not commit order (an alert
 * detected earlier can commit later), so the answer starts `lookBackMs` (default one minute)
 * before `id`'s detection and may repeat alerts the caller has: callers deduplicate by id.
 */
export async function alertsAfter(sql: Sql, id: string, opts: { lookBackMs?: number; limit?: number } = {}): Promise<Alert[] | undefined> {
  const lookBackMs = opts.lookBackMs ?? 60_000;
  const rows = await sql`
    select a.body from alerts a, alerts ref
    where ref.id = ${id} and a.id <> ref.id and a.detected_at >= ref.detected_at - ${lookBackMs}
    order by a.detected_at, a.id limit ${opts.limit ?? 1000}`;
  if (rows.length === 0 && !(await alertExists(sql, id))) return undefined;
  return rows.map((r) => r.body as Alert);
}

/** True when an alert with this id is committed. */
export async function alertExists(sql: Sql, id: string): Promise<boolean> {
  return (await sql`select 1 from alerts where id = ${id}`).length > 0;
}

/** The committed alert with this id, if any. */
export async function alertById(sql: Sql, id: string): Promise<Alert | undefined> {
  const [row] = await sql`select body from alerts where id = ${id}`;
  return row?.body as Alert | undefined;
}

/** The `limit` most recent alerts of one entity, newest first (ties by id ascending). */
export async function entityAlerts(sql: Sql, entityType: string, entityKey: string, limit: number): Promise<Alert[]> {
  if (limit === 0) return [];
  const rows = await sql`select body from alerts where entity_type = ${entityType} and entity_key = ${entityKey} order by ts desc, id limit ${limit}`;
  return rows.map((r) => r.body as Alert);
}

/**
 * Deletes alerts whose event time (`ts`) is before `before` (epoch ms), at most `batch` rows per
 * statement (through the `ts` index), so a first sweep over a long history never holds many row
 * locks at once or makes a checkpoint wait long. Returns how many went. What was counted from
 * them stays: the per-minute counts (alerts_minute, with the analytics retention) and each user's
 * counters in user_risk.
 */
export async function deleteAlertsBefore(sql: Sql, before: number, batch = 5_000): Promise<number> {
  let deleted = 0;
  for (;;) {
    const r = await sql`delete from alerts where id in (select id from alerts where ts < ${before} order by ts limit ${batch})`;
    deleted += r.count;
    if (r.count < batch) return deleted;
  }
}
