import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type postgres from 'postgres';
import type { AlertFeed } from '../../sinks/alert-feed.ts';
import type { Alert } from '../../schemas/index.ts';
import { streamAlerts } from '../alert-stream.ts';
import { decodeCursor, encodeCursor, sinceFilter, textFilter } from '../query-filters.ts';

export interface AlertRoutesOptions {
  sql: postgres.Sql;
  /** The live feed, once started (an instance starts it after its processor). */
  feed: () => AlertFeed | undefined;
  log?: (line: string) => void;
}

const MAX_LIMIT = 500;
const REPLAY_LOOK_BACK_MS = 60_000;

/**
 * `GET /v1/alerts`: committed alerts, newest first, filtered by `type`, `entity` (`user:u-1`, or a
 * bare key) and `since` (epoch ms or ISO time, on event time), paged with an opaque `cursor`.
 * `GET /v1/alerts/stream`: Server-Sent Events of new alerts (event `alert`, id = alert id); a client
 * reconnecting with `Last-Event-ID` gets what it missed first (from memory, else from Postgres).
 * Malformed filters, cursors and resume ids are 400s: nothing a client sends reaches SQL unchecked.
 */
export function alertRoutes(opts: AlertRoutesOptions): Hono {
  const { sql } = opts;
  const app = new Hono();

  app.get('/v1/alerts', async (c) => {
    const limit = Number(c.req.query('limit') ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) return c.json({ error: `limit must be an integer from 1 to ${MAX_LIMIT}` }, 400);
    const since = sinceFilter(c.req.query('since'));
    if (!since.ok) return c.json({ error: since.error }, 400);
    const cursor = c.req.query('cursor');
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && !after) return c.json({ error: 'cursor is not one this API returned' }, 400);
    const entity = textFilter('entity', c.req.query('entity'));
    if (!entity.ok) return c.json({ error: entity.error }, 400);
    const type = textFilter('type', c.req.query('type'));
    if (!type.ok) return c.json({ error: type.error }, 400);
    const e = entity.value;
    const [entityType, entityKey] = e?.includes(':') ? [e.slice(0, e.indexOf(':')), e.slice(e.indexOf(':') + 1)] : [undefined, e];

    const rows = await sql`
      select body, ts, id from alerts
      where true
        ${type.value ? sql`and type = ${type.value}` : sql``}
        ${entityType ? sql`and entity_type = ${entityType}` : sql``}
        ${entityKey ? sql`and entity_key = ${entityKey}` : sql``}
        ${since.value !== undefined ? sql`and ts >= ${since.value}` : sql``}
        ${after ? sql`and (ts, id) < (${after.ts}, ${after.id})` : sql``}
      order by ts desc, id desc
      limit ${limit + 1}`;
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return c.json({
      alerts: page.map((r) => r.body as Alert),
      next: rows.length > limit && last ? encodeCursor(Number(last.ts), String(last.id)) : null,
    });
  });

  app.get('/v1/alerts/stream', (c) => {
    const resume = textFilter('Last-Event-ID', c.req.header('last-event-id') ?? c.req.query('lastEventId'));
    if (!resume.ok) return c.json({ error: `${resume.error}; reconnect without it to receive new alerts` }, 400);
    const feed = opts.feed();
    return streamSSE(c, async (stream) => {
      if (!feed) {
        // The instance is still starting: ask the client to come back rather than idle forever.
        await stream.writeSSE({ event: 'starting', data: '{}', retry: 2000 });
        return;
      }
      await streamAlerts(stream, feed, { lastId: resume.value, missedFromStore: (id) => missedFromStore(sql, id), log: opts.log });
    });
  });
  return app;
}

/**
 * Alerts the client may have missed after the one with `id`, oldest first, at most 1000; undefined
 * when the store has no alert `id`. Detection time is a worker's clock, not commit order (an alert
 * detected earlier can commit later), so the replay looks back a minute before `id` and may repeat
 * alerts: clients deduplicate by id.
 */
async function missedFromStore(sql: postgres.Sql, id: string): Promise<Alert[] | undefined> {
  const rows = await sql`
    select a.body from alerts a, alerts ref
    where ref.id = ${id} and a.id <> ref.id and a.detected_at >= ref.detected_at - ${REPLAY_LOOK_BACK_MS}
    order by a.detected_at, a.id limit 1000`;
  if (rows.length === 0 && (await sql`select 1 from alerts where id = ${id}`).length === 0) return undefined;
  return rows.map((r) => r.body as Alert);
}
