/**
 * `actorstream quarantine list [--type T] [--limit N]` and
 * `actorstream quarantine release --type T --key K [--url URL]`: quarantined entities, read from
 * Postgres (no processor needs to run), and releasing one after a fix. A release runs on the
 * instance that owns the entity, so it goes through an instance's admin API (any instance: it
 * proxies to the owner); the bearer token comes from ACTORSTREAM_TOKEN when the API requires one.
 *
 * Exit codes: 0 done · 1 not released (not quarantined, or a parked input threw again) · 2 usage
 * or configuration · 3 Postgres or the instance unreachable.
 */
import { defineCommand } from 'citty';
import { listQuarantined, type QuarantinedEntity } from '../../store/index.ts';
import { CommandFailed, commandActors, connectPostgres, loadCommandSettings, UsageError, withDetails } from './command-support.ts';

export const quarantineCommand = withDetails(defineCommand({
  meta: { name: 'quarantine', description: 'Quarantined entities: list them, or release one after a fix (its parked inputs are applied once, in order)' },
  args: {
    action: { type: 'positional', description: 'list | release', required: true },
    type: { type: 'string', description: 'Actor type (list: only this one; release: required)', valueHint: 'sku' },
    key: { type: 'string', description: 'release: the entity key', valueHint: 'SKU-000042' },
    limit: { type: 'string', description: 'list: how many (default 50)' },
    url: { type: 'string', description: 'release: an instance\'s HTTP address (default http://127.0.0.1:$HTTP_PORT, 8080)' },
    config: { type: 'string', description: 'pipeline.yaml with the Postgres settings (default: $PIPELINE_CONFIG; DATABASE_URL overrides it)' },
  },
  async run({ args }) {
    if (args.action === 'list') return listCommand(args.type, args.limit, args.config);
    if (args.action !== 'release') throw new UsageError(`unknown quarantine action '${args.action}' (known: list, release)`);
    if (!args.type || !args.key) throw new UsageError('release needs --type and --key');
    await releaseCommand(args.url ?? `http://127.0.0.1:${process.env.HTTP_PORT ?? 8080}`, args.type, args.key);
  },
}), `list prints each quarantined entity: type, key, since when, how many inputs are parked, and the error.
release asks an instance (--url; any instance, it forwards to the owner) to lift the quarantine and apply the
parked inputs in order through the normal path — exactly once, committed together with their removal. If one
throws again, it and the rest stay parked and the entity stays quarantined with the new error (exit 1).
Set ACTORSTREAM_TOKEN to a token with the admin scope when the API requires tokens.

Exit codes: 0 done · 1 not released · 2 usage or configuration · 3 Postgres or the instance unreachable`);

async function listCommand(type: string | undefined, rawLimit: string | undefined, config: string | undefined): Promise<void> {
  const limit = Number(rawLimit ?? 50);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got '${rawLimit}'`);
  const settings = loadCommandSettings('quarantine', config, { kafka: false, postgres: true });
  const types: string[] = (await commandActors(settings)).map((a) => a.type);
  if (type !== undefined && !types.includes(type)) throw new UsageError(`unknown actor type '${type}' (one of: ${types.join(', ')})`);
  const sql = await connectPostgres(settings.databaseUrl);
  try {
    printQuarantined(await listQuarantined(sql, { type, limit }));
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function printQuarantined(entities: readonly QuarantinedEntity[]): void {
  if (entities.length === 0) return console.log('no quarantined entities');
  for (const e of entities) {
    console.log(`${e.type}/${e.key}  since ${new Date(e.since).toISOString()}  ${e.parked} parked input(s)\n    ${e.error}`);
  }
}

async function releaseCommand(url: string, type: string, key: string): Promise<void> {
  const token = process.env.ACTORSTREAM_TOKEN;
  let res: Response;
  try {
    res = await fetch(`${url.replace(/\/$/, '')}/v1/admin/quarantine/release`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ type, key }),
    });
  } catch (e) {
    throw new CommandFailed(`instance at ${url} unreachable: ${(e as Error).message}`, 3);
  }
  const body = (await res.json().catch(() => ({}))) as { error?: string; parked?: number; applied?: number; duplicates?: number; quarantine?: string | null };
  if (res.status === 409) throw new CommandFailed(body.error ?? `${type} '${key}' is not quarantined`);
  if (res.status !== 200) throw new CommandFailed(`release refused (${res.status}): ${body.error ?? 'no reason given'}`, res.status >= 500 ? 3 : 2);
  console.log(`${type}/${key}: applied ${body.applied} of ${body.parked} parked input(s)${body.duplicates ? `, ${body.duplicates} duplicate(s) skipped` : ''}`);
  if (body.quarantine) throw new CommandFailed(`quarantined again: ${body.quarantine}`);
  console.log(`${type}/${key} is released`);
}
