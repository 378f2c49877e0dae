import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { partitionOf } from '../adapters/kafkajs/partitioner.ts';
import { builtInActors, createTestDriver } from '../sdk/index.ts';
import { ABANDON_AFTER_MS, cart } from '../examples/cart-abandonment/cart.ts';
import type { DomainEvent } from '../schemas/index.ts';
import { canonical } from './support/oracle.ts';
import { createPipelineEnv, waitUntilSettled, type PipelineEnv } from './support/pipeline-env.ts';
import { spawnProcessor, type ProcessorProcess } from './support/processor-process.ts';

/**
 * A user-written actor against the real broker, exactly once under SIGKILL: the tutorial's cart
 * (examples/cart-abandonment/cart.ts, loaded from pipeline.yaml's actors.modules in the processor
 * and its shard worker) holds stock at the built-in SKU actor, gets the SKU's answers back, and is abandoned by
 * its durable timer. The processor is killed halfway through the input and restarted; every
 * committed cart and SKU state and every alert must equal the pure driver folding the same events.
 */
const PARTITIONS = 3;
const CART_MODULE = resolve('examples/cart-abandonment/cart.ts');
const MODULE_TYPES = [{ type: 'cart', sourceTopic: 'cart_events' }];

/** Carts of a few users over a few hours; SKUs stocked far beyond demand, so no hold depends on arrival order. */
function cartWorkload(seed: number, count: number): DomainEvent[] {
  // mulberry32: a small PRNG whose low bits are not periodic (an LCG's are)
  let x = seed >>> 0;
  const rand = (n: number) => {
    x = (x + 0x6d2b79f5) >>> 0;
    let t = Math.imul(x ^ (x >>> 15), x | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n);
  };
  const t0 = 1_700_000_000_000;
  const skus = Array.from({ length: 8 }, (_, i) => `sku-c${i}`);
  const events: { id: string; type: string; v: number; ts: number; data: Record<string, unknown> }[] = skus.map((sku, i) => ({ id: `s-${i}`, type: 'stock_received', v: 1, ts: t0, data: { sku, qty: 100_000 } }));
  let ts = t0 + 1;
  for (let i = 0; i < count; i++) {
    ts += 1 + rand(4 * 60_000);
    const cartId = `cart-${rand(40)}`;
    events.push(rand(10) === 0
      ? { id: `c-${i}`, type: 'cart_checked_out', v: 1, ts, data: { cartId, orderId: `o-${i}` } }
      : { id: `c-${i}`, type: 'cart_updated', v: 1, ts, data: { cartId, userId: `u-${cartId}`, sku: skus[rand(skus.length)]!, qty: rand(4) } });
  }
  // Push every cart partition's event time past the last deadline, as the driver's clock will be.
  for (let p = 0, i = 0; p < PARTITIONS; i++) {
    const cartId = `cart-closing-${i}`;
    if (partitionOf(cartId, PARTITIONS) !== p) continue;
    events.push({ id: `c-closing-${p}`, type: 'cart_updated', v: 1, ts: ts + 2 * ABANDON_AFTER_MS, data: { cartId, userId: 'u-closing', sku: skus[0]!, qty: 0 } });
    p++;
  }
  return events as unknown as DomainEvent[];
}

function pipelineFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'actorstream-broker-modules-')), 'pipeline.yaml');
  writeFileSync(path, `actors:\n  modules:\n    - ${CART_MODULE}\n`);
  return path;
}

describe('a user actor on the real broker', () => {
  let env: PipelineEnv;
  let proc: ProcessorProcess | undefined;
  beforeAll(async () => {
    env = await createPipelineEnv(PARTITIONS);
  }, 60_000);
  afterAll(async () => {
    proc?.kill('SIGKILL');
    await env?.close();
  });

  // The module comes from pipeline.yaml, as a deployment names it; Kafka and Postgres from the environment.
  const start = (owner: string) => spawnProcessor({ ...env.processorEnv(owner), PIPELINE_CONFIG: pipelineFile(), WORKERS: '1' });

  test('SIGKILL halfway and restart: every cart and SKU state and every alert equals the driver', async () => {
    const events = cartWorkload(7, 1_500);
    const half = Math.floor(events.length / 2);
    proc = await start('carts-1'); // creates cart_events and the cart inbox
    await env.produce(events.slice(0, half));
    await new Promise((r) => setTimeout(r, 700)); // mid-stream: some of the half applied, some committed
    proc.kill('SIGKILL');
    await proc.exited();
    proc = await start('carts-2');
    await env.produce(events.slice(half));
    await waitUntilSettled(env, 120_000, MODULE_TYPES);
    proc.kill('SIGTERM');
    await proc.exited();
    proc = undefined;

    const driver = createTestDriver([...builtInActors({ analytics: false }), cart], { recordHistory: false });
    driver.pipe(events);
    for (const type of ['cart', 'sku']) {
      const rows = await env.sql`select key, state from actor_states where actor_type = ${type}`;
      const actual = new Map(rows.map((r) => [r.key as string, canonical(r.state)]));
      const expected = new Map([...driver.states(type)].map(([k, s]) => [k, canonical(s)]));
      expect({ type, keys: actual.size, differing: [...expected].filter(([k, s]) => actual.get(k) !== s).map(([k]) => k) }).toEqual({ type, keys: expected.size, differing: [] });
    }
    const alerts = (await env.sql`select id from alerts order by id`).map((r) => r.id as string);
    expect(alerts).toEqual(driver.alerts().map((a) => a.id).sort());
    expect(alerts.filter((id) => id.includes('/cart_abandoned/')).length).toBeGreaterThan(5);
  }, 240_000);
});
