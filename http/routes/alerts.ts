import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type postgres from 'postgres';
import type { AlertFeed } from '../../sinks/alert-feed.ts';
import type { Alert } from '../../schemas/index.ts';

export interface AlertRoutesOptions {
  sql: postgres.Sql;
  /** The live feed, once started (an instance starts it after its processor). */
  feed: () => AlertFeed | undefined;
}

const MAX_LIMIT = 500;
const KEEPALIVE_MS = 15_000;
const REPLAY_LOOK_BACK_MS = 60_000;

/**
 * `GET /v1/alerts`: committed alerts, newest first, filtered by `type`, `entity` (`user:u-1`, or a
 * bare key) and `since` (epoch ms or ISO time, on event time), paged with an opaque `cursor`.
 * `GET /v1/alerts/stream`: Server-Sent Events of new alerts (event `alert`, id = alert id); a client
 * reconnecting with `Last-Event-ID` gets what it missed first (from memory, else from Postgres).
 */
export function alertRoutes(opts: AlertRoutesOptions): Hono {
  const { sql } = opts;
  const app = new Hono();

  app.get('/v1/alerts', async (c) => {
    const limit = Number(c.req.query('limit') ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) return c.json({ error: `limit must be an integer from 1 to ${MAX_LIMIT}` }, 400);
    const since = c.req.query('since');
    const sinceMs = since === undefined ? undefined : /^\d+$/.test(since) ? Number(since) : Date.parse(since);
    if (sinceMs !== undefined && !Number.isFinite(sinceMs)) return c.json({ error: `since must be epoch milliseconds or an ISO time, got '${since}'` }, 400);
    const cursor = c.req.query('cursor');
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && !after) return c.json({ error: 'cursor is not one this API returned' }, 400);
    const entity = c.req.query('entity');
    const [entityType, entityKey] = entity?.includes(':') ? [entity.slice(0, entity.indexOf(':')), entity.slice(entity.indexOf(':') + 1)] : [undefined, entity];
    const type = c.req.query('type');

    const rows = await sql`
      select body, ts, id from alerts
      where true
        ${type ? sql`and type = ${type}` : sql``}
        ${entityType ? sql`and entity_type = ${entityType}` : sql``}
        ${entityKey ? sql`and entity_key = ${entityKey}` : sql``}
        ${sinceMs !== undefined ? sql`and ts >= ${sinceMs}` : sql``}
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
    const lastId = c.req.header('last-event-id') ?? c.req.query('lastEventId');
    const feed = opts.feed();
    return streamSSE(c, async (stream) => {
      if (!feed) {
        // The instance is still starting: ask the client to come back rather than idle forever.
        await stream.writeSSE({ event: 'starting', data: '{}', retry: 2000 });
        return;
      }
      const queue: Alert[] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = feed?.subscribe((a) => {
        queue.push(a);
        wake?.();
      });
      stream.onAbort(() => {
        unsubscribe?.();
        wake?.();
      });
      try {
        const seen = new Set<string>();
        if (lastId) {
          for (const a of feed?.since(lastId) ?? (await missedFromStore(sql, lastId))) {
            seen.add(a.id);
            await stream.writeSSE({ event: 'alert', id: a.id, data: JSON.stringify(a) });
          }
        }
        await stream.writeSSE({ event: 'ready', data: JSON.stringify({ live: Boolean(feed) }) });
        while (!stream.aborted) {
          while (queue.length > 0) {
            const a = queue.shift()!;
            if (seen.delete(a.id)) continue;
            await stream.writeSSE({ event: 'alert', id: a.id, data: JSON.stringify(a) });
          }
          let timer: ReturnType<typeof setTimeout> | undefined;
          await new Promise<void>((resolve) => {
            wake = resolve;
            timer = setTimeout(resolve, KEEPALIVE_MS);
          });
          clearTimeout(timer);
          wake = undefined;
          if (queue.length === 0 && !stream.aborted) await stream.write(': keep-alive\n\n');
        }
      } finally {
        unsubscribe?.();
      }
    });
  });
  return app;
}

/**
 * Alerts the client may have missed after the one with `id`, oldest first, at most 1000. Detection
 * time is a worker's clock, not commit order (an alert detected earlier can commit later), so the
 * replay looks back a minute before `id` and may repeat alerts: clients deduplicate by id.
 */
async function missedFromStore(sql: postgres.Sql, id: string): Promise<Alert[]> {
  const rows = await sql`
    select a.body from alerts a, alerts ref
    where ref.id = ${id} and a.id <> ref.id and a.detected_at >= ref.detected_at - ${REPLAY_LOOK_BACK_MS}
    order by a.detected_at, a.id limit 1000`;
  return rows.map((r) => r.body as Alert);
}

function encodeCursor(ts: number, id: string): string {
  return Buffer.from(JSON.stringify([ts, id])).toString('base64url');
}

function decodeCursor(cursor: string): { ts: number; id: string } | undefined {
  try {
    const [ts, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [unknown, unknown];
    return typeof ts === 'number' && typeof id === 'string' ? { ts, id } : undefined;
  } catch {
    return undefined;
  }
}
