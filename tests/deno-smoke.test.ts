import { describe, expect, test } from 'bun:test';
import { eventually, spawnInstance } from './support/instance-process.ts';

/**
 * Deno runs the same sources (deno.json maps npm packages onto node_modules): `deno run -A
 * cli/main.ts run` in the embedded default must get ready, take an event over HTTP, show it in
 * the entity's state (shards on a Deno Web Worker, PGlite, the in-process log) and stop cleanly
 * on SIGTERM. Prints the start-up time under Deno.
 */
describe('Deno', () => {
  test('deno run cli/main.ts run: ready, ingests and answers, SIGTERM → exit 0', async () => {
    const env: Record<string, string> = {};
    // The embedded default whatever the test run has set: empty Kafka/Postgres settings mean none.
    for (const k of ['KAFKA_BROKERS', 'DATABASE_URL', 'PIPELINE_CONFIG']) env[k] = '';
    // The embedded default runs shards inline; Deno's worker threads are what this checks too.
    env.WORKERS = '1';
    const started = performance.now();
    const instance = await spawnInstance(env, {
      command: ['node_modules/.bin/deno', 'run', '-A', 'cli/main.ts', 'run', '--rate', '200'],
      readyTimeoutMs: 120_000,
    });
    try {
      console.log(`deno: start-up (spawn → /readyz 200) ${(performance.now() - started).toFixed(0)} ms`);
      const out = () => instance.output.join('');
      expect(out()).toMatch(/embedded default/);
      expect(out()).toMatch(/shards run on 1 worker thread\(s\)/);
      expect((await fetch(`${instance.url}/healthz`)).status).toBe(200);

      const sku = `sku-deno-${Date.now()}`;
      const event = { id: `deno-${sku}`, type: 'stock_received', v: 1, ts: Date.now(), data: { sku, qty: 4 } };
      const posted = await fetch(`${instance.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
      expect(posted.status).toBe(202);
      const state = await eventually(async () => {
        const r = await fetch(`${instance.url}/v1/skus/${sku}`);
        return r.status === 200 ? ((await r.json()) as { state: { onHand: number } }).state : undefined;
      }, 30_000, `sku ${sku} under Deno`);
      expect(state.onHand).toBe(4);

      instance.kill('SIGTERM');
      expect(await instance.exited()).toBe(0);
      // The built-in generator fed the log too: more than our one event went through the actors.
      const applied = Number(/stopped: applied (\d+)/.exec(out())?.[1] ?? 0);
      expect(applied).toBeGreaterThan(1);
    } finally {
      instance.kill('SIGKILL');
    }
  }, 180_000);
});
