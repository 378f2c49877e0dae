import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { resolve } from 'node:path';
import { skuActor } from '../actors/sku.ts';
import { spawnInstance, type InstanceProcess } from './support/instance-process.ts';
import { createPipelineEnv, type PipelineEnv } from './support/pipeline-env.ts';
import { runCli } from './support/run-cli.ts';

/**
 * Quarantine as an operation from the command line, against the real broker: `quarantine list`
 * reads a quarantined SKU and its parked inputs from Postgres; `quarantine release` asks a running
 * instance to apply them. The instance is SIGKILLed at a random moment of the first release, and
 * the release asked again of a fresh instance: whatever the moment, each parked input ends up
 * applied exactly once (the release's effects and the deletion of its parked rows commit together).
 */
const KEY = 'sku-cli-q';
const QTYS = [2, 3, 4];

const cli = runCli;

describe('quarantine from the CLI', () => {
  let env: PipelineEnv;
  let base: Record<string, string>;
  const instances: InstanceProcess[] = [];
  beforeAll(async () => {
    env = await createPipelineEnv(1);
    base = { ...env.processorEnv('cli-q'), PIPELINE_CONFIG: '' };
    // What an earlier deployment left: the SKU quarantined at onHand 1, three receipts parked after it.
    await env.sql`insert into actor_states (actor_type, key, partition, state_version, state, quarantine)
      values ('sku', ${KEY}, 0, ${skuActor.stateVersion}, ${env.sql.json({ ...skuActor.initial(KEY), onHand: 1 } as never)}, 'Error: bug 7')`;
    const t = Date.now() - 60_000;
    for (const [i, qty] of QTYS.entries()) {
      const event = { id: `e-q-${i}`, type: 'stock_received', v: 1, ts: t + i, data: { sku: KEY, qty } };
      await env.sql`insert into parked_inputs (actor_type, key, partition, code, reason, input, at, source_topic, source_partition, source_offset)
        values ('sku', ${KEY}, 0, ${i === 0 ? 'HANDLER_ERROR' : 'QUARANTINED'}, 'Error: bug 7', ${JSON.stringify({ kind: 'event', event })}, ${t + i}, 'inventory_events', 0, ${i})`;
    }
  }, 60_000);
  afterAll(async () => {
    for (const i of instances) i.kill('SIGKILL');
    await env?.close();
  });

  test('list shows the SKU, its error and parked count', async () => {
    const listed = await cli(['quarantine', 'list'], base);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^sku/${KEY}  since \\S+  3 parked input\\(s\\)\\n    Error: bug 7$`, 'm'));
    // A module's actor type is known to the CLI when the deployment's modules are configured.
    const carts = await cli(['quarantine', 'list', '--type', 'cart'], { ...base, ACTOR_MODULES: resolve('examples/cart-abandonment/cart.ts') });
    expect([carts.code, carts.stdout]).toEqual([0, 'no quarantined entities\n']);
    const unknown = await cli(['quarantine', 'list', '--type', 'cart'], base);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringContaining("unknown actor type 'cart'")]);
    const usage = await cli(['quarantine', 'release', '--type', 'sku'], base);
    expect([usage.code, usage.stderr]).toEqual([2, expect.stringContaining('release needs --type and --key')]);
  }, 30_000);

  test('a release killed at a random moment and asked again applies each parked input once', async () => {
    const first = await spawnInstance(env.processorEnv('cli-q-1'));
    instances.push(first);
    const asked = cli(['quarantine', 'release', '--type', 'sku', '--key', KEY, '--url', first.url], base);
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 300)));
    first.kill('SIGKILL');
    await first.exited();
    const firstOutcome = await asked;
    expect([0, 3]).toContain(firstOutcome.code ?? -1);

    const second = await spawnInstance(env.processorEnv('cli-q-2'));
    instances.push(second);
    const again = await cli(['quarantine', 'release', '--type', 'sku', '--key', KEY, '--url', second.url], base);
    // Released now, or already by the first (its commit beat the kill): then it is not quarantined.
    if (again.code === 0) expect(again.stdout).toContain(`sku/${KEY}: applied 3 of 3 parked input(s)`);
    else expect([again.code, again.stderr]).toEqual([1, expect.stringContaining(`sku '${KEY}' is not quarantined`)]);
    const row = await fetch(`${second.url}/v1/skus/${KEY}`).then((r) => r.json() as Promise<{ state: { onHand: number }; quarantine: string | null }>);
    expect({ onHand: row.state.onHand, quarantine: row.quarantine }).toEqual({ onHand: 1 + QTYS.reduce((a, b) => a + b, 0), quarantine: null });
    expect((await env.sql`select count(*)::int as n from parked_inputs`)[0]).toEqual({ n: 0 });
    expect((await cli(['quarantine', 'list'], base)).stdout).toBe('no quarantined entities\n');
  }, 180_000);
});
