import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { eventually, freePort } from './support/instance-process.ts';

/**
 * The single executable (scripts/build-binary.ts) runs the whole product on its own: built fresh,
 * started from an empty directory (so nothing of the source tree or node_modules can be reached)
 * in the embedded default, it must serve /readyz and /healthz, take an event over HTTP, show it
 * in the entity's state — with its shards on a Web Worker, the part a bundle breaks first — and
 * stop cleanly on SIGTERM. Prints the binary's size and its start-up time (spawn → /readyz 200).
 */
const BINARY = resolve('dist/actorstream');

/** The embedded default: no Kafka, no Postgres, no pipeline.yaml, whatever the test run has set. */
function embeddedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['KAFKA_BROKERS', 'DATABASE_URL', 'PIPELINE_CONFIG', 'HTTP_PORT', 'TOPIC_PREFIX', 'APP', 'GROUP_ID', 'PARTITIONS']) delete env[k];
  // The embedded default runs shards inline; a worker thread is what a compiled binary can get
  // wrong (the worker's entry must be inside the binary), so this test asks for one.
  env.WORKERS = '1';
  return env;
}

describe('single binary', () => {
  let child: ChildProcess | undefined;
  let cwd: string;
  beforeAll(() => {
    const built = spawnSync('node_modules/.bin/bun', ['scripts/build-binary.ts'], { encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`build failed:\n${built.stdout}${built.stderr}`);
    cwd = mkdtempSync(join(tmpdir(), 'actorstream-bin-'));
  }, 120_000);
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(cwd, { recursive: true, force: true });
  });

  test('dist/actorstream run: ready, healthy, ingests and answers, SIGTERM → exit 0', async () => {
    const sizeMiB = statSync(BINARY).size / 1024 / 1024;
    const port = await freePort();
    const output: string[] = [];
    const started = performance.now();
    const proc = spawn(BINARY, ['run', '--port', String(port), '--rate', '500'], { cwd, env: embeddedEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout!.on('data', (c: Buffer) => output.push(c.toString()));
    proc.stderr!.on('data', (c: Buffer) => output.push(c.toString()));
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    const url = `http://127.0.0.1:${port}`;
    for (const deadline = Date.now() + 60_000; ; ) {
      if (proc.exitCode !== null) throw new Error(`the binary exited with ${proc.exitCode} before ready:\n${output.join('')}`);
      if (Date.now() > deadline) throw new Error(`the binary was not ready in 60 s:\n${output.join('')}`);
      const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
      if (r?.status === 200) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    const startupMs = performance.now() - started;
    console.log(`binary: ${sizeMiB.toFixed(1)} MiB, start-up (spawn → /readyz 200) ${startupMs.toFixed(0)} ms`);

    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(output.join('')).toMatch(/shards run on 1 worker thread\(s\)/);
    expect(output.join('')).toMatch(/embedded default/);
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('actorstream');

    const sku = `sku-binary-${Date.now()}`;
    const event = { id: `bin-${sku}`, type: 'stock_received', v: 1, ts: Date.now(), data: { sku, qty: 7 } };
    const posted = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
    expect(posted.status).toBe(202);
    expect(await posted.json()).toMatchObject({ accepted: 1, rejected: [], rejectedCount: 0, duplicateCount: 0 });
    const state = await eventually(async () => {
      const r = await fetch(`${url}/v1/skus/${sku}`);
      if (r.status !== 200) return undefined;
      return ((await r.json()) as { state: { onHand: number } }).state;
    }, 30_000, `sku ${sku} in the binary's state`);
    expect(state.onHand).toBe(7);

    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output.join('')).toMatch(/stopped: applied \d+/);
    child = undefined;
  }, 120_000);
});
