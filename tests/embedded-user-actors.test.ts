import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { eventually, spawnInstance, type InstanceProcess } from './support/instance-process.ts';

/**
 * A user-written actor loaded from pipeline.yaml on the embedded default (`actorstream run`, no
 * Kafka, no Postgres): the tutorial's cart (examples/cart-abandonment/cart.ts). Its events go in
 * over the ingest API, its state comes out of /v1/entities/cart/:key, its stock holds go to the
 * built-in SKU actor and the SKU's answers come back, its durable timer abandons it, /openapi.json
 * lists its events — and modules that cannot run stop the start with exit 2, naming the file.
 */
const CART_MODULE = resolve('examples/cart-abandonment/cart.ts');
const EMBEDDED = { KAFKA_BROKERS: '', DATABASE_URL: '', PARTITIONS: '1', GENERATOR_RATE: '0' };
const T = Date.now() - 3 * 3_600_000;

function pipelineFile(dir: string, modules: string[]): string {
  const path = join(dir, `pipeline-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, `actors:\n  modules:\n${modules.map((m) => `    - ${m}\n`).join('')}`);
  return path;
}

describe('a user actor from actors.modules on the embedded default', () => {
  let dir: string;
  let instance: InstanceProcess;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'actorstream-modules-'));
    instance = await spawnInstance({ ...EMBEDDED, PIPELINE_CONFIG: pipelineFile(dir, [CART_MODULE]) });
  }, 120_000);
  afterAll(() => instance?.kill('SIGKILL'));

  const post = (events: unknown[]) => fetch(`${instance.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
  const entity = async (path: string) => {
    const r = await fetch(`${instance.url}${path}`);
    return { status: r.status, body: (await r.json()) as { state?: any; error?: string } };
  };
  const update = (id: string, cartId: string, sku: string, qty: number, ts: number) => ({ id, type: 'cart_updated', v: 1, ts, data: { cartId, userId: 'u-1', sku, qty } });

  test('events in, state out; a hold asked of the built-in SKU comes back; the timer abandons the cart', async () => {
    const res = await post([{ id: 's-1', type: 'stock_received', v: 1, ts: T, data: { sku: 'sku-m1', qty: 5 } }, update('c-1', 'cart-1', 'sku-m1', 3, T + 1)]);
    expect(res.status).toBe(202);
    const held = await eventually(async () => {
      const e = await entity('/v1/entities/cart/cart-1');
      return e.body.state?.items?.['sku-m1']?.held === 3 ? e.body : undefined;
    }, 20_000, 'the SKU to hold 3 units for the cart');
    expect(held.state).toMatchObject({ userId: 'u-1', status: 'open', items: { 'sku-m1': { qty: 3, held: 3 } } });
    expect((await entity('/v1/skus/sku-m1')).body.state).toMatchObject({ onHand: 5, reserved: 3 });

    // Another cart's event 31 minutes later moves the shard's event time past cart-1's deadline.
    await post([update('c-2', 'cart-2', 'sku-m2', 1, T + 31 * 60_000)]);
    const abandoned = await eventually(async () => {
      const e = await entity('/v1/entities/cart/cart-1');
      return e.body.state?.status === 'abandoned' ? e.body : undefined;
    }, 20_000, 'cart-1 to be abandoned');
    expect(abandoned.state.items['sku-m1']).toEqual({ qty: 3, held: 0 });
    await eventually(async () => ((await entity('/v1/skus/sku-m1')).body.state?.reserved === 0 ? true : undefined), 20_000, 'the hold to go back');
    const alerts = (await (await fetch(`${instance.url}/v1/alerts?type=cart_abandoned`)).json()) as { alerts: { id: string; entityType: string }[] };
    expect(alerts.alerts.map((a) => [a.id, a.entityType])).toEqual([[`cart/cart-1/cart_abandoned/abandoned-${T + 1}`, 'cart']]);
  }, 60_000);

  test('unknown keys and types are 404; bad module events are refused with the reason; /openapi.json lists them', async () => {
    expect((await entity('/v1/entities/cart/nope')).status).toBe(404);
    expect((await entity('/v1/entities/widget/x')).status).toBe(404);
    const bad = await post([{ id: 'c-bad', type: 'cart_updated', v: 1, ts: T, data: { cartId: 'cart-3', userId: 'u-1', sku: 's', qty: -1 } }]);
    const body = (await bad.json()) as { rejected: { error: { code: string; message: string } }[] };
    expect(body.rejected[0]!.error).toMatchObject({ code: 'INVALID_DATA', message: '/data/qty: Expected integer to be greater or equal to 0' });
    const doc = (await (await fetch(`${instance.url}/openapi.json`)).json()) as { components: { schemas: Record<string, unknown> } };
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['cart_updated_v1', 'cart_checked_out_v1']));
  });
});

describe('modules that cannot run stop the start with exit 2, naming the file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'actorstream-bad-modules-'));
  });

  function run(modules: string[]): Promise<{ code: number | null; stderr: string }> {
    const child = spawn('node_modules/.bin/bun', ['cli/main.ts', 'run'], { env: { ...process.env, ...EMBEDDED, HTTP_PORT: '0', PIPELINE_CONFIG: pipelineFile(dir, modules) }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c));
    return new Promise((r) => child.once('close', (code) => r({ code, stderr })));
  }
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const sdk = resolve('sdk/index.ts');

  test.each([
    ['a missing file', () => join(dir, 'missing.ts'), /actor module .*missing\.ts: /],
    ['a file that does not parse', () => file('broken.ts', 'export const = ;'), /actor module .*broken\.ts: /],
    ['a file that exports no actor', () => file('empty.ts', 'export const x = 1;'), /actor module .*empty\.ts: exports no actor/],
    ['a redefined built-in type', () => file('sku.ts', `import { defineActor } from '${sdk}';\nexport const a = defineActor({ type: 'sku', source: { topic: 'inventory_events', events: ['stock_received'] }, initial: () => ({}), handle: (s) => ({ state: s, effects: [] }) });`), /actor module .*sku\.ts: actor type 'sku' is already defined by a built-in actor/],
    ['an actor reading events of another topic', () => file('topic.ts', `import { defineActor } from '${sdk}';\nexport const a = defineActor({ type: 'mixed', source: { topic: 'cart_events', events: ['stock_received'] }, initial: () => ({}), handle: (s) => ({ state: s, effects: [] }) });`), /actor module .*topic\.ts: actor 'mixed' reads topic 'cart_events', but 'stock_received' is produced to 'inventory_events'/],
    ['an actor whose events this process\'s registry does not know (another copy of the SDK)', () => file('foreign.ts', "export const a = { type: 'foreign', sourceTopic: 'foreign_events', eventTypes: ['foreign_happened'], stateVersion: 1, initial: () => ({}), handle: (s: unknown) => ({ state: s, effects: [] }), migrate: (s: unknown) => s };"), /actor module .*foreign\.ts: actor 'foreign' handles 'foreign_happened', which this process's event registry does not know/],
  ] as const)('%s', async (_what, path, message) => {
    const { code, stderr } = await run([path()]);
    expect({ code, stderr }).toEqual({ code: 2, stderr: expect.stringMatching(message) });
  }, 30_000);

  test('the same module twice defines its types twice', async () => {
    const copy = file('cart-copy.ts', `export { cart as again } from '${CART_MODULE}';`);
    const { code, stderr } = await run([CART_MODULE, copy]);
    expect({ code, stderr }).toEqual({ code: 2, stderr: expect.stringMatching(/actor module .*cart-copy\.ts: actor type 'cart' is already defined by .*cart\.ts/) });
  }, 30_000);
});
