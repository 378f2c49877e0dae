import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { AlertFeed } from '../../sinks/alert-feed.ts';
import { streamAlerts } from '../alert-stream.ts';
import { decodeCursor, encodeCursor, sinceFilter, textFilter } from '../query-filters.ts';
import { alertById, alertsAfter, listAlerts, type Sql } from '../../store/index.ts';
import type { AlertExplanation } from '../../engine/alert-causes.ts';
import type { Alert } from '../../schemas/index.ts';

export interface AlertRoutesOptions {
  sql: Sql;
  /** The live feed, once started (an instance starts it after its processor). */
  feed: () => AlertFeed | undefined;
  log?: (line: string) => void;
  /** Finds an alert's cause events in the log (engine/alert-causes.ts); absent: the route answers without them. */
  explain?: (alert: Alert) => Promise<AlertExplanation>;
  /** Jaeger UI base URL: a cause's trace becomes a link. */
  jaegerUrl?: string | null;
}

const MAX_LIMIT = 500;

/**
 * `GET /v1/alerts`: committed alerts, newest first, filtered by `type`, `entity` (`user:u-1`, or a
 * bare key) and `since` (epoch ms or ISO time, on event time), paged with an opaque `cursor`.
 * `GET /v1/alerts/stream`: Server-Sent Events of new alerts (event `alert`, id = alert id); a client
 * reconnecting with `Last-Event-ID` gets what it missed first (from memory, else from Postgres).
 * `GET /v1/alerts/:id`: the alert with its "why" — the events its `reasons` name, resolved to their
 * bodies and Kafka coordinates (and the message that carried each to the entity), and a trace link.
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

    const page = await listAlerts(sql, { type: type.value, entityType, entityKey, since: since.value, before: after, limit });
    return c.json({ alerts: page.alerts, next: page.next ? encodeCursor(page.next.ts, page.next.id) : null });
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
      await streamAlerts(stream, feed, { lastId: resume.value, missedFromStore: (id) => alertsAfter(sql, id), log: opts.log });
    });
  });
  app.get('/v1/alerts/:id', async (c) => {
    const id = textFilter('id', c.req.param('id'));
    if (!id.ok || id.value === undefined) return c.json({ error: id.ok ? 'id is empty' : id.error }, 400);
    const alert = await alertById(sql, id.value);
    if (!alert) return c.json({ error: `no committed alert has the id '${id.value}'` }, 404);
    if (!opts.explain) return c.json({ alert, causes: null, unresolved: alert.reasons, note: 'this instance cannot read the log' });
    const why = await opts.explain(alert);
    return c.json({ alert, ...why, trace: traceOf(why, opts.jaegerUrl) });
  });
  return app;
}

/** The trace of the first cause that carries one (its ingestion started it), with a Jaeger link when configured. */
function traceOf(why: AlertExplanation, jaegerUrl: string | null | undefined): { traceId: string; url: string | null } | null {
  const traceparent = why.causes.find((x) => x.traceparent)?.traceparent;
  const traceId = traceparent?.split('-')[1];
  if (!traceId || !/^[0-9a-f]{32}$/.test(traceId)) return null;
  return { traceId, url: jaegerUrl ? `${jaegerUrl.replace(/\/+$/, '')}/trace/${traceId}` : null };
}

