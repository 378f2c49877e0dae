import { afterAll, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The benchmark harness end to end, tiny (`bun bench/run.ts --smoke`), against the broker and
 * Postgres server of `npm test` (KAFKA_BROKERS, DATABASE_URL). No timing assertions: only that the
 * run wrote a results JSON of the expected shape with non-zero throughputs, and that the stateful
 * contenders' final SKU states were compared with the oracle.
 */
const out = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/**
 * One contender of each launcher: the raw clients, the naive pipeline, actorstream on Bun and on
 * Deno, with the second client, and the peer. The other contenders are these launchers with other
 * settings (engine paths their own suites test): all 19 took 160 s of CI, ~8 s each.
 */
const SMOKE_CONTENDERS = ['raw-kafkajs', 'raw-platformatic', 'naive', 'actorstream-bun', 'actorstream-bun-platformatic', 'actorstream-deno', 'kafka-streams'];

test('bench --smoke writes results with one contender of each launcher measured', () => {
  const args = ['bench/run.ts', '--smoke', '--contenders', SMOKE_CONTENDERS.join(','), '--out', out];
  const run = spawnSync('node_modules/.bin/bun', args, { encoding: 'utf8', env: process.env, timeout: 150_000 });
  if (run.status !== 0) console.error(`${run.stdout}\n${run.stderr}`.slice(-6000));
  expect(run.status).toBe(0);
  // The table goes to stdout; the harness says where it wrote the JSON.
  expect(run.stdout).toContain('| contender |');

  const results = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8'));
  expect(results.schema).toBe(1);
  expect(results.params.smoke).toBe(true);
  expect(results.machine.nproc).toBeGreaterThan(0);
  expect(results.preload.records).toBeGreaterThan(3000);
  const ids: string[] = results.contenders.map((c: { id: string }) => c.id);
  expect(ids).toEqual(SMOKE_CONTENDERS.filter((id) => id !== 'kafka-streams' || ids.includes(id)));
  // Kafka Streams runs in smoke only when its Maven build is already there; the run says so otherwise.
  if (!ids.includes('kafka-streams')) expect(results.notes.join(' ')).toContain('kafka-streams skipped');

  for (const c of results.contenders) {
    expect(c.backlog.error).toBeUndefined();
    expect(c.backlog.records).toBe(results.preload.records);
    expect(c.backlog.eventsPerSec).toBeGreaterThan(0);
    expect(c.backlog.cpu.contender.seconds).toBeGreaterThanOrEqual(0);
    expect(c.backlog.memoryMb.contenderPeak).toBeGreaterThan(0);
    expect(c.openLoop?.error).toBeUndefined();
    expect(c.openLoop.openLoop.achievedRate).toBeGreaterThan(0);
    expect(c.openLoop.latency.state ?? c.openLoop.latency.durable).toBeDefined();
  }
  // Contenders that keep SKU state were compared with the oracle (the verdict is reported, not
  // asserted here: the exactly-once tests own correctness).
  for (const id of ['naive', 'actorstream-bun', 'actorstream-deno', 'kafka-streams']) {
    const c = results.contenders.find((x: { id: string }) => x.id === id);
    if (c) expect(c.backlog.sku).toMatchObject({ equal: expect.any(Boolean), total: expect.any(Number) });
  }
  expect(Object.keys(results.ratios)).toContain('actorstream-bun/raw-kafkajs');
  expect(readFileSync(join(out, 'latest.svg'), 'utf8')).toStartWith('<svg');
}, 180_000);
