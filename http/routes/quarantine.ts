import { Hono, type Context } from 'hono';
import { shardId, type ReleaseOutcome } from '../../engine/index.ts';
import { listQuarantined, shardOwner, type QuarantinedEntity, type Sql } from '../../store/index.ts';
import { isIdentifier } from '../../schemas/index.ts';
import { tokenNameOf } from '../auth.ts';
import { clip } from '../clip.ts';
import { FORWARDED_HEADER } from './entities.ts';

/** What the quarantine routes need of the instance. */
export interface QuarantineRoutesOptions {
  sql: Sql;
  self: { id: string };
  /** The actor types of this deployment. */
  types: readonly string[];
  /** This instance's processor: releases an entity whose shard it holds. */
  local?: { release(type: string, key: string): Promise<ReleaseOutcome> };
  partitionsOf(type: string): number | undefined;
  partitionOf(key: string, partitionCount: number): number;
  /** The audit trail: every release is logged with who asked and what it did. */
  log: (line: string) => void;
  /** Counts a release carried out here, by outcome (metrics: actorstream_admin_actions_total). */
  counted?: (outcome: 'released' | 'quarantined_again' | 'not_quarantined' | 'not_owned') => void;
  /** How long to wait for the owner's answer (default 35 s: a release waits for a checkpoint). */
  proxyTimeoutMs?: number;
}

const MAX_LIST = 500;

/** One entry of `GET /v1/admin/quarantine` (`since`: ISO time). */
export type QuarantinedEntityAnswer = Omit<QuarantinedEntity, 'since'> & { since: string };

/** `POST /v1/admin/quarantine/release` answered 200. */
export interface ReleaseAnswer {
  type: string;
  key: string;
  /** False when a parked input threw again: the entity is quarantined with `quarantine` as its new error. */
  released: boolean;
  parked: number;
  applied: number;
  duplicates: number;
  quarantine: string | null;
  servedBy: string;
}

/**
 * Admin routes over quarantined entities (admin scope, http/app.ts):
 * `GET /v1/admin/quarantine?type=&limit=` — quarantined entities with their error, since when and
 * how many inputs are parked; `POST /v1/admin/quarantine/release` `{ type, key }` — lifts the
 * quarantine and applies the parked inputs in order, exactly once, on the instance that owns the
 * entity (proxied there from any instance). 409 when the entity is not quarantined.
 */
export function quarantineRoutes(opts: QuarantineRoutesOptions): Hono {
  const app = new Hono();
  const unknownType = (type: unknown) => `type must be one of ${opts.types.join(', ')}, got '${clip(String(type ?? ''))}'`;

  app.get('/v1/admin/quarantine', async (c) => {
    const type = c.req.query('type');
    if (type !== undefined && !opts.types.includes(type)) return c.json({ error: unknownType(type) }, 400);
    const limit = Number(c.req.query('limit') ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST) return c.json({ error: `limit must be an integer from 1 to ${MAX_LIST}` }, 400);
    const entities: QuarantinedEntityAnswer[] = (await listQuarantined(opts.sql, { type, limit })).map((e) => ({ ...e, since: new Date(e.since).toISOString() }));
    return c.json({ entities });
  });

  app.post('/v1/admin/quarantine/release', async (c) => {
    const body = (await c.req.json().catch(() => undefined)) as { type?: unknown; key?: unknown } | undefined;
    const { type, key } = body ?? {};
    if (typeof type !== 'string' || !opts.types.includes(type)) return c.json({ error: unknownType(type) }, 400);
    if (typeof key !== 'string' || !isIdentifier(key)) return c.json({ error: 'key must be well-formed text without control characters' }, 400);
    const outcome = await releaseAnywhere(c, opts, type, key);
    if ('response' in outcome) return outcome.response;
    opts.counted?.(outcome.kind === 'released' ? (outcome.quarantine === null ? 'released' : 'quarantined_again') : outcome.kind === 'not-quarantined' ? 'not_quarantined' : 'not_owned');
    if (outcome.kind === 'not-quarantined') return c.json({ error: `${type} '${clip(key)}' is not quarantined` }, 409);
    if (outcome.kind === 'not-owned') return c.json({ error: `no instance holds the shard of ${type} '${clip(key)}' right now — ask again` }, 503);
    const { kind: _, ...result } = outcome;
    opts.log(`[admin] ${tokenNameOf(c)} released ${type} '${key}': applied ${result.applied} of ${result.parked} parked input(s)${result.duplicates ? `, ${result.duplicates} duplicate(s) skipped` : ''}${result.quarantine ? `; quarantined again: ${result.quarantine}` : ''}`);
    const answer: ReleaseAnswer = { type, key, released: result.quarantine === null, ...result, servedBy: opts.self.id };
    return c.json(answer);
  });
  return app;
}

/** Released here when this instance holds the shard, else by its owner (proxied once). */
async function releaseAnywhere(c: Context, opts: QuarantineRoutesOptions, type: string, key: string): Promise<ReleaseOutcome | { response: Response }> {
  try {
    const local = await opts.local?.release(type, key);
    if (local && local.kind !== 'not-owned') return local;
    if (c.req.header(FORWARDED_HEADER)) return { kind: 'not-owned' };
    const n = opts.partitionsOf(type);
    const owner = n === undefined ? undefined : await shardOwner(opts.sql, shardId(type, opts.partitionOf(key, n)));
    if (!owner?.httpAddress || owner.ownerId === opts.self.id) return { kind: 'not-owned' };
    const res = await fetch(`${owner.httpAddress.replace(/\/$/, '')}/v1/admin/quarantine/release`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [FORWARDED_HEADER]: opts.self.id, ...(c.req.header('authorization') ? { authorization: c.req.header('authorization')! } : {}) },
      body: JSON.stringify({ type, key }),
      signal: AbortSignal.timeout(opts.proxyTimeoutMs ?? 35_000),
    });
    return { response: c.json(await res.json(), res.status as 200) };
  } catch (e) {
    return { response: c.json({ error: (e as Error).message }, 503) };
  }
}
