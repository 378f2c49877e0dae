/**
 * `npm test`: type-check, start what the tests need (a real Kafka broker, a fresh Postgres
 * database), run unit and integration tests with `bun test`, then the broker suites again on each
 * other Kafka version of the matrix, and always stop what it started.
 * Ends with the line `N passed, N failed[, N skipped]` that CI reads, totalled over every pass.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { DEFAULT_KAFKA_VERSION } from './kafka/jars.ts';
import { ensureKafka, type KafkaHandle } from './kafka/local-kafka.ts';
import { ensureChromium } from './infra/chromium.ts';
import { createTestDatabase, type TestDatabase } from './infra/test-database.ts';
import { junitCounts, junitFailures, type Counts, type Failure } from './infra/junit.ts';

const JUNIT = '.artifacts/junit.xml';
const extraArgs = process.argv.slice(2);
/**
 * The Kafka versions tested: the default (3.9.1) runs every test, each other one runs BROKER_SUITES
 * on a broker of that version started here. `KAFKA_MATRIX=3.9.1` skips the others locally; CI
 * leaves it unset and so tests both lines.
 */
const KAFKA_MATRIX = (process.env.KAFKA_MATRIX ?? `${DEFAULT_KAFKA_VERSION},4.4.0`).split(',').map((v) => v.trim()).filter(Boolean);
/**
 * What a broker version can break, in about 2.5 minutes on 2 cores: the client protocol itself,
 * exactly-once with and without failures (fencing, rebalances, the DLQ), the HTTP API's ingest and
 * live queries, replay's offset look-ups by time. Measured on 4.4.0: 6, 27, 58, 20 and 15 s
 * (runtime-failures: 90 s with 10 s sessions, tests/support/pipeline-env.ts).
 */
const BROKER_SUITES = [
  'tests/kafka.test.ts',
  'tests/runtime-exactly-once.test.ts',
  'tests/runtime-failures.test.ts',
  'tests/http-api.test.ts',
  'tests/cli-replay.test.ts',
  // Group offsets that catch up with the log end after a kill near the end: ~16 s.
  'tests/runtime-lag.test.ts',
  // The second client (@platformatic/kafka) under the engine, against the oracle: ~6 s.
  'tests/platformatic-processor.test.ts',
];
/**
 * The tests of BROKER_SUITES the other versions' pass runs: all but the local-message variants.
 * Local delivery is an opt-in engine path that talks to Kafka no differently, and its variants of
 * the failure suite took ~110 s on 4.4.0; the default pass runs them.
 */
const MATRIX_TEST_NAMES = '^(?!.*with (local messages|event-time merge))';
/** Client port of the first other version's broker (controller on +1), clear of the default 9092. */
const MATRIX_BASE_PORT = 9192;

const steps: { name: string; ok: boolean; seconds: number }[] = [];
/** One summary line per Kafka version; their counts add up to the closing line. */
const passes: { label: string; counts: Counts; failures: Failure[] }[] = [];
let kafka: KafkaHandle | undefined;
let database: TestDatabase | undefined;
let typeChecks: Promise<unknown> = Promise.resolve();

try {
  // The type checks are processes of their own: they run while the broker starts and Chromium is
  // installed, ~40-60 s that went one after the other before.
  typeChecks = Promise.all([
    stepAsync('type-check (tsc)', () => runAsync('node_modules/.bin/tsc', ['--noEmit', '-p', 'tsconfig.json'])),
    // Deno must run the same sources (deno.json maps them onto node_modules): check them there too.
    // The folder list lives once, in deno.json's `check` task (run here with the npm-installed deno).
    stepAsync('type-check (deno)', () => runAsync('node_modules/.bin/deno', denoCheckTask().split(/\s+/).slice(1))),
  ]);
  kafka = await timed('start Kafka', () => ensureKafka({ log: (l) => console.log(`[kafka] ${l}`) }));
  database = await timed('create test database', () => createTestDatabase());
  await timed('Chromium for the browser test', async () => ensureChromium((l) => console.log(`[test] ${l}`)));
  await typeChecks;
  mkdirSync('.artifacts', { recursive: true });
  const label = kafka.version ? `Kafka ${kafka.version}` : `Kafka at ${kafka.brokers.join(',')} (version unknown: not started here)`;
  passes.push({ label: `${label}, all tests`, ...bunTest('bun test', JUNIT, extraArgs, kafka, database) });
  // The other versions' brokers need the memory and cores more than an idle default broker does.
  await release();
  const others = KAFKA_MATRIX.filter((v) => v !== DEFAULT_KAFKA_VERSION);
  for (const [i, version] of others.entries()) await versionPass(version, MATRIX_BASE_PORT + 100 * i);
} catch (e) {
  console.error(`[test] ${(e as Error).message}`);
  steps.push({ name: 'infrastructure', ok: false, seconds: 0 });
} finally {
  await typeChecks; // never rejects: a failed check is a failed step
  await release();
}

for (const s of steps) console.log(`[test] ${s.ok ? 'ok  ' : 'FAIL'} ${s.name} (${s.seconds.toFixed(1)}s)`);
// The failures again, with their causes, where a log kept only by its tail still shows them.
for (const p of passes) for (const f of p.failures) console.log(`[test] FAILED (${p.label}) ${f.file}: ${f.test}\n${f.text.replace(/^/gm, '    ')}`);
for (const p of passes) console.log(`[test] ${p.label}: ${p.counts.passed} passed, ${p.counts.failed} failed, ${p.counts.skipped} skipped`);
const counts = passes.reduce(
  (sum, p) => ({ passed: sum.passed + p.counts.passed, failed: sum.failed + p.counts.failed, skipped: sum.skipped + p.counts.skipped }),
  { passed: 0, failed: 0, skipped: 0 },
);
// A failed non-test step (type errors, no broker) counts as a failure so CI can never go green without it.
const isBunTest = (name: string) => name.startsWith('bun test');
const stepFailures = steps.filter((s) => !s.ok && !isBunTest(s.name)).length;
const failed = counts.failed + stepFailures;
const bunFailed = steps.some((s) => isBunTest(s.name) && !s.ok);
console.log(`${counts.passed} passed, ${failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`);
process.exit(failed > 0 || bunFailed || counts.passed === 0 ? 1 : 0);

/**
 * BROKER_SUITES against a broker of `version` on `port` and a database of their own. KAFKA_BROKERS
 * is ignored and a broker already on the port is refused unless the CLI started it with this
 * version: a pass reported as 4.4.0 must have run on 4.4.0.
 */
async function versionPass(version: string, port: number): Promise<void> {
  let broker: KafkaHandle | undefined;
  let db: TestDatabase | undefined;
  try {
    broker = await timed(`start Kafka ${version}`, async () => {
      const handle = await ensureKafka({ version, port, fromEnv: false, log: (l) => console.log(`[kafka ${version}] ${l}`) });
      if (handle.version !== version) {
        throw new Error(
          `127.0.0.1:${port} already answers as Kafka ${handle.version ?? 'of unknown version'}, not ${version}: ` +
            `stop that broker, or set KAFKA_MATRIX=${DEFAULT_KAFKA_VERSION} to skip this pass`,
        );
      }
      return handle;
    });
    db = await timed(`create test database (Kafka ${version})`, () => createTestDatabase());
    const result = bunTest(`bun test (Kafka ${version})`, `.artifacts/junit-kafka-${version}.xml`, [...BROKER_SUITES, '--test-name-pattern', MATRIX_TEST_NAMES], broker, db);
    passes.push({ label: `Kafka ${version}, ${BROKER_SUITES.length} broker suites`, ...result });
  } finally {
    await db?.drop().catch((e) => console.error(`[test] could not drop ${db?.name}: ${e}`));
    await broker?.stop().catch((e) => console.error(`[test] could not stop Kafka ${version}: ${e}`));
  }
}

/** One `bun test` run against `broker` and `db`, its results read back from its own junit file. */
function bunTest(name: string, junit: string, args: string[], broker: KafkaHandle, db: TestDatabase): { counts: Counts; failures: Failure[] } {
  rmSync(junit, { force: true }); // never report an earlier run's totals
  console.log(`[test] ${name}: Kafka at ${broker.brokers.join(',')}, database ${db.name}`);
  step(name, () =>
    run('node_modules/.bin/bun', ['test', '--timeout=60000', '--reporter=junit', `--reporter-outfile=${junit}`, ...args], {
      KAFKA_BROKERS: broker.brokers.join(','),
      DATABASE_URL: db.url,
    }),
  );
  // A run that wrote no file counts nothing.
  const xml = existsSync(junit) ? readFileSync(junit, 'utf8') : '';
  return { counts: junitCounts(xml), failures: junitFailures(xml) };
}

/** Drops the default pass's database and stops its broker (if started here); safe to call twice. */
async function release(): Promise<void> {
  const [db, broker] = [database, kafka];
  [database, kafka] = [undefined, undefined];
  await db?.drop().catch((e) => console.error(`[test] could not drop ${db.name}: ${e}`));
  await broker?.stop().catch((e) => console.error(`[test] could not stop Kafka: ${e}`));
}

function step(name: string, fn: () => boolean): void {
  const t0 = performance.now();
  const ok = fn();
  steps.push({ name, ok, seconds: (performance.now() - t0) / 1000 });
}

async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    const value = await fn();
    steps.push({ name, ok: true, seconds: (performance.now() - t0) / 1000 });
    return value;
  } catch (e) {
    steps.push({ name, ok: false, seconds: (performance.now() - t0) / 1000 });
    throw e;
  }
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): boolean {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

/** `run` without blocking: resolves to whether the command exited with 0 (false when it could not start). */
function runAsync(cmd: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}

async function stepAsync(name: string, fn: () => Promise<boolean>): Promise<void> {
  const t0 = performance.now();
  const ok = await fn();
  steps.push({ name, ok, seconds: (performance.now() - t0) / 1000 });
}

/** deno.json's `check` task, e.g. `deno check --quiet schemas/ actors/ …`. */
function denoCheckTask(): string {
  return (JSON.parse(readFileSync('deno.json', 'utf8')) as { tasks: { check: string } }).tasks.check;
}
