import { Hono, type Context } from 'hono';
import { logGoneReason, type HistoryAnswer, type HistoryResult } from '../../engine/entity-history.ts';
import { pointErrorReason, type HistoryPoint } from '../../engine/history-point.ts';
import { isIdentifier } from '../../schemas/index.ts';
import { clip } from '../clip.ts';
import { timeFilter } from '../query-filters.ts';

export interface EntityHistoryRoutesOptions {
  /** An entity's state at an event time (engine/entity-history.ts `entityStateAt`); absent: the route answers 501. */
  history?: (type: string, key: string, at: HistoryPoint) => Promise<HistoryResult>;
  /** The actor types this deployment runs; others are 404. */
  types: readonly string[];
  /** An entity's state as answered: the actor's view of it, as the entity routes apply it. */
  present?(type: string, state: unknown): unknown;
  log?: (line: string) => void;
}

/** A found past state as answered: the engine's answer with its times as ISO text. */
export interface EntityHistoryBody {
  type: string;
  key: string;
  /** The event time asked for (or of the record asked for). */
  at: string;
  /** Asked by offset (`at=offset:N`): the source record the state is right after. */
  through?: { topic: string; partition: number; offset: number };
  state: unknown;
  quarantine: string | null;
  /** null: rebuilt from the entity's creation (a time before its first snapshot). */
  snapshot: { at: string; committedAt: string } | null;
  replayed: HistoryAnswer['replayed'];
}

/**
 * `GET /v1/entities/:type/:key/history?at=<ISO time | epoch ms | offset:N>` (issue #16): the
 * entity's state at a past event time, or right after source offset N of its partition was applied,
 * rebuilt from its kept snapshots and the log. Every way of not having one is a 404 that says which
 * (history not kept for the type, no history of the key, `at` before it, no record at that offset);
 * a failed rebuild (Kafka or Postgres unreachable) is a 503, never a 500.
 *
 * @example GET /v1/entities/sku/SKU-000042/history?at=2026-12-01T10:00:00Z
 * @example GET /v1/entities/sku/SKU-000042/history?at=offset:1234
 */
export function entityHistoryRoutes(opts: EntityHistoryRoutesOptions): Hono {
  const types = new Set(opts.types);
  const log = opts.log ?? ((l: string) => console.error(l));
  const app = new Hono();
  app.get('/v1/entities/:type/:key/history', async (c) => {
    const type = c.req.param('type');
    const key = c.req.param('key');
    if (!types.has(type)) return c.json({ error: `no actor type '${clip(type)}' (known: ${[...types].join(', ')})` }, 404);
    if (!isIdentifier(key)) return c.json({ error: `a ${type} key is well-formed text without control characters, got '${clip(JSON.stringify(key))}'` }, 400);
    const at = parseAt(c.req.query('at'));
    if (typeof at === 'string') return c.json({ error: at }, 400);
    if (!opts.history) return c.json({ error: 'this instance cannot rebuild past states: it was started without a history reader' }, 501);
    try {
      return answer(c, opts, type, key, at, await opts.history(type, key, at));
    } catch (e) {
      // Reading the log back can fail on infrastructure; that is the client's retry, not a 500.
      const err = e as Error;
      log(`[http] history of ${type} '${clip(key)}' at ${pointText(at)} failed: ${err.stack ?? err}`);
      return c.json({ error: `could not rebuild ${type} '${clip(key)}' at ${pointText(at)}: ${clip(err.message ?? String(e), 200)}` }, 503);
    }
  });
  return app;
}

const AT_FORMS = 'an ISO time (2026-12-01T10:00:00Z), epoch milliseconds, or offset:N (a source offset of the entity\'s partition)';

/** `at` is required: an absent or empty one is a mistake, not "now". */
export function parseAt(raw: string | undefined): HistoryPoint | string {
  if (raw === undefined || raw === '') return `at is required: ${AT_FORMS}`;
  if (raw.startsWith('offset:')) {
    const n = raw.slice('offset:'.length);
    return /^\d{1,16}$/.test(n) && Number.isSafeInteger(Number(n)) ? { offset: Number(n) } : `at=offset:N needs a whole number N ≥ 0, got '${clip(raw)}'`;
  }
  const parsed = timeFilter('at', raw);
  return parsed.ok ? { at: parsed.value! } : `${parsed.error} (or offset:N)`;
}

function pointText(p: HistoryPoint): string {
  return 'offset' in p ? `offset ${p.offset}` : iso(p.at);
}

function answer(c: Context, opts: EntityHistoryRoutesOptions, type: string, key: string, point: HistoryPoint, r: HistoryResult): Response {
  const who = `${type} '${clip(key)}'`;
  switch (r.kind) {
    case 'found': {
      const a = r.answer;
      const state = opts.present ? opts.present(type, a.state) : a.state;
      const body: EntityHistoryBody = { type, key, at: iso(a.at), ...(a.through ? { through: a.through } : {}), state, quarantine: a.quarantine, snapshot: a.snapshot && { at: iso(a.snapshot.at), committedAt: a.snapshot.committedAt }, replayed: a.replayed };
      return c.json(body);
    }
    case 'not-kept':
      return c.json({ error: `actor type '${type}' keeps no history: add it to history.actors in pipeline.yaml (or HISTORY_ACTORS); its states are kept from then on` }, 404);
    case 'unknown':
      return c.json({ error: `no history of ${who}: it has not changed since history was kept for ${type}, or does not exist` }, 404);
    case 'log-gone':
      // Gone for good: the state existed, but what it would be rebuilt from left with retention.
      return c.json({ error: `cannot rebuild ${who} at ${pointText(point)}: ${logGoneReason(r)}` }, 410);
    case 'no-record':
      return c.json({ error: `no state of ${who} at ${pointText(point)}: ${pointErrorReason(r)}` }, 404);
    case 'not-an-event':
      return c.json({ error: `cannot rebuild ${who} at ${pointText(point)}: ${pointErrorReason(r)}` }, 400);
    case 'before-history':
      return c.json({
        error: `no state of ${who} at ${pointText(point)}: its oldest kept state is from ${iso(r.oldestAt)} — it did not exist yet, or older history was deleted (history.retention_hours)`,
        oldestAt: iso(r.oldestAt),
      }, 404);
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
