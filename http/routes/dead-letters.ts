import { Hono } from 'hono';
import type { DeadLetter, RedriveResult } from '../../engine/index.ts';
import { tokenNameOf } from '../auth.ts';
import { clip } from '../clip.ts';

/** What the routes need of the instance: its input topics, and reading/redriving their DLQs. */
export interface DeadLetterAdmin {
  /** The input topics whose `<topic>.dlq` may be read (source and inbox topics of this deployment). */
  topics(): readonly string[];
  list(topic: string, limit: number): Promise<DeadLetter[]>;
  redrive(topic: string, positions: readonly { partition: number; offset: number }[]): Promise<RedriveResult>;
}

export interface DeadLetterRoutesOptions {
  admin: DeadLetterAdmin;
  /** The audit trail: every redrive is logged with who asked (token name) and what moved. */
  log: (line: string) => void;
  /** Counts redriven and refused dead letters (metrics: actorstream_admin_actions_total). */
  counted?: (outcome: 'redriven' | 'refused', count: number) => void;
}

const MAX_LIST = 500;
const MAX_REDRIVE = 1_000;
/** Characters of a dead letter's value shown in a list (the whole value is in the DLQ topic). */
const SHOWN_VALUE_CHARS = 4_096;

/**
 * Admin routes over the dead-letter topics (admin scope, http/app.ts):
 * `GET /v1/admin/dead-letters?topic=<input topic>&limit=` — the newest dead letters of that topic's
 * DLQ, with code, reason, source coordinates and whether each can be sent back;
 * `POST /v1/admin/dead-letters/redrive` `{ topic, positions: [{ partition, offset }] }` — sends
 * those back to their source topic (engine/dead-letters.ts), audited in the log.
 */
export function deadLetterRoutes(opts: DeadLetterRoutesOptions): Hono {
  const app = new Hono();
  const known = (topic: string | undefined) => topic !== undefined && opts.admin.topics().includes(topic);
  const unknownTopic = (topic: string | undefined) => `topic must be one of this deployment's input topics (${opts.admin.topics().join(', ')}), got '${clip(topic ?? '')}'`;

  app.get('/v1/admin/dead-letters', async (c) => {
    const topic = c.req.query('topic');
    if (!known(topic)) return c.json({ error: unknownTopic(topic) }, 400);
    const limit = Number(c.req.query('limit') ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST) return c.json({ error: `limit must be an integer from 1 to ${MAX_LIST}` }, 400);
    const letters = await opts.admin.list(topic!, limit);
    return c.json({
      topic,
      deadLetters: letters.map((d) => ({ ...d, value: d.value.slice(0, SHOWN_VALUE_CHARS), valueChars: d.value.length })),
    });
  });

  app.post('/v1/admin/dead-letters/redrive', async (c) => {
    const body = (await c.req.json().catch(() => undefined)) as { topic?: unknown; positions?: unknown } | undefined;
    const topic = typeof body?.topic === 'string' ? body.topic : undefined;
    if (!known(topic)) return c.json({ error: unknownTopic(topic) }, 400);
    const positions = parsePositions(body?.positions);
    if (typeof positions === 'string') return c.json({ error: positions }, 400);
    const result = await opts.admin.redrive(topic!, positions);
    opts.counted?.('redriven', result.redriven.length);
    opts.counted?.('refused', result.refused.length);
    const who = tokenNameOf(c);
    opts.log(`[admin] ${who} redrove ${result.redriven.length} dead letter(s) of ${topic} back to their source (${result.redriven.map((r) => `${r.partition}:${r.offset}`).join(', ') || 'none'}); refused ${result.refused.length}`);
    return c.json(result);
  });
  return app;
}

function parsePositions(raw: unknown): { partition: number; offset: number }[] | string {
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_REDRIVE) return `positions must be a list of 1 to ${MAX_REDRIVE} { partition, offset }`;
  const ok = raw.every((p) => p && Number.isSafeInteger(p.partition) && p.partition >= 0 && Number.isSafeInteger(p.offset) && p.offset >= 0);
  return ok ? raw.map((p) => ({ partition: p.partition as number, offset: p.offset as number })) : 'each position must be { partition, offset } with non-negative integers';
}
