import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { eventually, spawnInstance, type InstanceProcess } from './support/instance-process.ts';

/**
 * A user actor running in a shard worker (WORKERS=1 on the embedded default) whose outputs a worker
 * cannot simply post to the store's thread (issue #19: the delta crosses as JSON-shaped data,
 * engine/shard/postable-delta.ts). A state with a BigInt is refused as JSON and quarantines its
 * entity alone, as inline (tests/embedded-unencodable.test.ts); an alert with a function in its
 * details is stored as its JSON (the function dropped), as inline. Before, such an alert made the
 * delta's post fail and the checkpoint took it for a clean shard: what the shard had applied since
 * its last checkpoint was committed past and lost.
 */
const SDK = resolve('sdk/index.ts');
const MODULE = `
import { alert, defineActor, defineEvent, Type } from ${JSON.stringify(SDK)};
export const gadgetSet = defineEvent({
  type: 'gadget_set', topic: 'gadget_events', key: 'gadgetId',
  schema: Type.Object({ gadgetId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[!-~]+$' }), mode: Type.String({ maxLength: 16 }) }),
});
export const gadget = defineActor({
  type: 'gadget',
  source: { topic: 'gadget_events', events: [gadgetSet] },
  initial: () => ({ sets: 0 }),
  handle(state, input, ctx) {
    if (input.kind !== 'event') return { state, effects: [] };
    const mode = input.event.data.mode;
    const next = mode === 'bigint' ? { sets: state.sets + 1, big: 7n } : { sets: state.sets + 1 };
    if (mode !== 'fn-alert') return { state: next, effects: [] };
    const odd = alert({ type: 'gadget_odd', entityType: 'gadget', entityKey: ctx.key, severity: 'info', cause: input.event.id, ts: input.event.ts, reasons: [input.event.id], summary: 'odd', details: { kept: 1, dropped: () => 1 } });
    return { state: next, effects: [odd] };
  },
});
`;

describe('a user actor in a shard worker whose outputs a worker cannot simply post', () => {
  let instance: InstanceProcess;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'actorstream-postable-'));
    const module = join(dir, 'gadget.ts');
    writeFileSync(module, MODULE);
    const pipeline = join(dir, 'pipeline.yaml');
    writeFileSync(pipeline, `actors:\n  modules:\n    - ${module}\n`);
    instance = await spawnInstance({ KAFKA_BROKERS: '', DATABASE_URL: '', PARTITIONS: '1', GENERATOR_RATE: '0', WORKERS: '1', PIPELINE_CONFIG: pipeline });
  }, 120_000);
  afterAll(() => instance?.kill('SIGKILL'));

  const api = (path: string) => fetch(`${instance.url}${path}`);
  const set = (id: string, gadgetId: string, mode: string, ts: number) => ({ id, type: 'gadget_set', v: 1, ts, data: { gadgetId, mode } });

  test('a BigInt state quarantines its entity; an alert with a function lands as its JSON; the rest lands', async () => {
    const t = Date.now() - 60_000;
    const res = await fetch(`${instance.url}/v1/events`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify([set('g-1', 'gadget-big', 'bigint', t), set('g-2', 'gadget-odd', 'fn-alert', t + 1), set('g-3', 'gadget-fine', 'ok', t + 2), set('g-4', 'gadget-fine', 'ok', t + 3)]),
    });
    expect(res.status).toBe(202);
    const quarantined = await eventually(async () => {
      const l = (await (await api('/v1/admin/quarantine?type=gadget')).json()) as { entities: { key: string; error: string }[] };
      return l.entities.length > 0 ? l.entities : undefined;
    }, 30_000, 'gadget-big to be quarantined');
    expect(quarantined.map((e) => e.key)).toEqual(['gadget-big']);
    expect(quarantined[0]!.error).toContain('cannot be encoded as JSON');
    const alerts = await eventually(async () => {
      const a = (await (await api('/v1/alerts?type=gadget_odd')).json()) as { alerts: { entityKey: string; details: Record<string, unknown> }[] };
      return a.alerts.length > 0 ? a.alerts : undefined;
    }, 30_000, "gadget-odd's alert to be committed");
    expect(alerts.map((a) => [a.entityKey, a.details.kept, 'dropped' in a.details])).toEqual([['gadget-odd', 1, false]]);
    const fine = await eventually(async () => {
      const e = (await (await api('/v1/entities/gadget/gadget-fine')).json()) as { state?: { sets: number } };
      return e.state?.sets === 2 ? e.state : undefined;
    }, 30_000, 'gadget-fine to see both events');
    expect(fine).toEqual({ sets: 2 });
    const odd = (await (await api('/v1/entities/gadget/gadget-odd')).json()) as { state?: { sets: number } };
    expect(odd.state).toEqual({ sets: 1 });
  }, 90_000);
});
