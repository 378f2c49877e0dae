import { Hono, type Context } from 'hono';
import { shardId, type LocalAnswer } from '../../engine/index.ts';
import { entitySnapshot, shardOwner, type Sql } from '../../store/index.ts';
import { clip } from '../clip.ts';
import { isIdentifier } from '../../schemas/index.ts';

export interface EntityRoutesOptions {
  /** This instance's processor, when it runs one. */
  local?: { query(type: string, key: string): Promise<LocalAnswer> };
  /** Partition count of an actor type's source topic (where its keys live). */
  partitionsOf(type: string): number | undefined;
  /** The partition of a key (the log client's partitioner). */
  partitionOf(key: string, partitionCount: number): number;
  sql: Sql;
  self: { id: string };
  /** How long to wait for the owner before answering from the snapshot (default 1500 ms). */
  proxyTimeoutMs?: number;
  /** The actor types this deployment runs (default: user, order, sku); others are 404. */
  types?: readonly string[];
  /** An entity's state as answered: the actor's view of it (derived fields such as a SKU's `available`). */
  present?(type: string, state: unknown): unknown;
}

/** What every entity answer looks like (ARCHITECTURE.md), plus why it is stale when it is. */
export interface EntityAnswer {
  type: string;
  key: string;
  state: unknown;
  stale: boolean;
  servedBy: string;
  /** ISO time: now for a live answer, the checkpoint's commit time for a snapshot. */
  updatedAt: string;
  /** The handler error that quarantined the entity, or null. */
  quarantine: string | null;
  /** For a stale answer: how old the snapshot is, and why the owner did not answer. */
  ageMs?: number;
  staleReason?: string;
}

const TYPES: Record<string, string> = { users: 'user', orders: 'order', skus: 'sku' };
/** Marks a proxied request, so the owner answers locally and requests never bounce around. */
export const FORWARDED_HEADER = 'x-actorstream-forwarded';

/**
 * `GET /v1/users/:id`, `/v1/orders/:id`, `/v1/skus/:id` and, for any actor type,
 * `/v1/entities/:type/:key` from any instance: the live state from the key's owner (this instance,
 * or the owner found in `shard_owners` and proxied to), else the last committed snapshot with
 * `stale: true`. Queries reach a shard worker with one comlink call each, which waits behind at
 * most one batch: the hot path is never stalled by them.
 */
export function entityRoutes(opts: EntityRoutesOptions): Hono {
  const types = new Set(opts.types ?? Object.values(TYPES));
  const app = new Hono();
  app.get('/v1/:plural{(?:users|orders|skus)}/:key', (c) => entityAnswer(c, opts, TYPES[c.req.param('plural')]!, `/v1/${c.req.param('plural')}`));
  app.get('/v1/entities/:type/:key', (c) => {
    const type = c.req.param('type');
    if (!types.has(type)) return c.json({ error: `no actor type '${clip(type)}' (known: ${[...types].join(', ')})` }, 404);
    return entityAnswer(c, opts, type, `/v1/entities/${type}`);
  });
  return app;
}

async function entityAnswer(c: Context, opts: EntityRoutesOptions, type: string, path: string): Promise<Response> {
  const key = c.req.param('key')!;
  // A key Postgres cannot hold (NUL, lone surrogate): 400, not a failed query and a 500.
  if (!isIdentifier(key)) return c.json({ error: `a ${type} key is well-formed text without control characters, got '${clip(JSON.stringify(key))}'` }, 400);
  const present = (state: unknown) => (opts.present ? opts.present(type, state) : state);
  const local = await opts.local?.query(type, key);
  if (local?.kind === 'found') {
    return c.json(answer(type, key, present(local.state), local.quarantine, { stale: false, servedBy: opts.self.id, updatedAt: new Date() }));
  }
  if (local?.kind === 'unknown') return c.json({ error: `no ${type} '${clip(key)}'` }, 404);
  const owner = await fromOwner(c, opts, type, key, `${path}/${encodeURIComponent(key)}`);
  if ('response' in owner) return owner.response;
  const row = await entitySnapshot(opts.sql, type, key);
  if (!row) return c.json({ error: `no ${type} '${clip(key)}'` }, 404);
  const updatedAt = new Date(row.updatedAt);
  return c.json({
    ...answer(type, key, present(row.state), row.quarantine, { stale: true, servedBy: opts.self.id, updatedAt }),
    ageMs: Math.max(0, Date.now() - row.updatedAt),
    staleReason: owner.staleReason,
  });
}

/** The owner's own answer, proxied; else why there is none (the caller answers from the snapshot). */
async function fromOwner(c: Context, opts: EntityRoutesOptions, type: string, key: string, path: string): Promise<{ response: Response } | { staleReason: string }> {
  if (c.req.header(FORWARDED_HEADER)) return { staleReason: 'this instance no longer owns the key' };
  const n = opts.partitionsOf(type);
  if (n === undefined) return { staleReason: 'no owner is registered for this key' };
  const owner = await shardOwner(opts.sql, shardId(type, opts.partitionOf(key, n)));
  if (!owner || owner.ownerId === opts.self.id) return { staleReason: 'no owner is registered for this key' };
  if (!owner.httpAddress) return { staleReason: `owner ${owner.ownerId} has no HTTP address registered` };
  try {
    const res = await fetch(`${owner.httpAddress.replace(/\/$/, '')}${path}`, {
      headers: { [FORWARDED_HEADER]: opts.self.id, ...(c.req.header('authorization') ? { authorization: c.req.header('authorization')! } : {}) },
      signal: AbortSignal.timeout(opts.proxyTimeoutMs ?? 1500),
    });
    // The owner answered from its own snapshot (it no longer owns the shard): still an answer.
    if (res.status === 200 || res.status === 404) return { response: c.json((await res.json()) as EntityAnswer, res.status) };
    return { staleReason: `owner ${owner.ownerId} answered ${res.status}` };
  } catch (e) {
    return { staleReason: `owner ${owner.ownerId} at ${owner.httpAddress} did not answer: ${(e as Error).message}` };
  }
}

function answer(type: string, key: string, state: unknown, quarantine: string | null, x: { stale: boolean; servedBy: string; updatedAt: Date }): EntityAnswer {
  return { type, key, state, stale: x.stale, servedBy: x.servedBy, updatedAt: x.updatedAt.toISOString(), quarantine };
}
