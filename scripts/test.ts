/**
 * `npm test`: type-check, start what the tests need (a real Kafka broker, a fresh Postgres
 * database), run unit and integration tests with `bun test`, and always stop what it started.
 * Ends with the line `N passed, N failed[, N skipped]` that CI reads.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { ensureKafka, type KafkaHandle } from './kafka/local-kafka.ts';
import { ensureChromium } from './infra/chromium.ts';
import { createTestDatabase, type TestDatabase } from './infra/test-database.ts';

const JUNIT = '.artifacts/junit.xml';
const extraArgs = process.argv.slice(2);

const steps: { name: string; ok: boolean; seconds: number }[] = [];
let kafka: KafkaHandle | undefined;
let database: TestDatabase | undefined;
let counts = { passed: 0, failed: 0, skipped: 0 };

try {
  step('type-check (tsc)', () => run('node_modules/.bin/tsc', ['--noEmit', '-p', 'tsconfig.json']));
  // Deno must run the same sources (deno.json maps them onto node_modules): check them there too.
  step('type-check (deno)', () =>
    // The folder list lives once, in deno.json's `check` task (run here with the npm-installed deno).
    run('node_modules/.bin/deno', denoCheckTask().split(/\s+/).slice(1)),
  );
  kafka = await timed('start Kafka', () => ensureKafka({ log: (l) => console.log(`[kafka] ${l}`) }));
  database = await timed('create test database', () => createTestDatabase());
  console.log(`[test] Kafka at ${kafka.brokers.join(',')}, database ${database.name}`);
  await timed('Chromium for the browser test', async () => ensureChromium((l) => console.log(`[test] ${l}`)));
  mkdirSync('.artifacts', { recursive: true });
  rmSync(JUNIT, { force: true }); // never report an earlier run's totals
  step('bun test', () =>
    run('node_modules/.bin/bun', ['test', '--timeout=60000', '--reporter=junit', `--reporter-outfile=${JUNIT}`, ...extraArgs], {
      KAFKA_BROKERS: kafka!.brokers.join(','),
      DATABASE_URL: database!.url,
    }),
  );
  counts = readJunitCounts(JUNIT);
} catch (e) {
  console.error(`[test] ${(e as Error).message}`);
  steps.push({ name: 'infrastructure', ok: false, seconds: 0 });
} finally {
  await database?.drop().catch((e) => console.error(`[test] could not drop ${database?.name}: ${e}`));
  await kafka?.stop().catch((e) => console.error(`[test] could not stop Kafka: ${e}`));
}

for (const s of steps) console.log(`[test] ${s.ok ? 'ok  ' : 'FAIL'} ${s.name} (${s.seconds.toFixed(1)}s)`);
// A failed non-test step (type errors, no broker) counts as a failure so CI can never go green without it.
const stepFailures = steps.filter((s) => !s.ok && s.name !== 'bun test').length;
const failed = counts.failed + stepFailures;
const bunFailed = steps.some((s) => s.name === 'bun test' && !s.ok);
console.log(`${counts.passed} passed, ${failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`);
process.exit(failed > 0 || bunFailed || counts.passed === 0 ? 1 : 0);

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

function readJunitCounts(path: string): typeof counts {
  if (!existsSync(path)) return { passed: 0, failed: 0, skipped: 0 };
  const xml = readFileSync(path, 'utf8');
  // The root <testsuites> element carries the totals of the whole run.
  const root = /<testsuites\b[^>]*>/.exec(xml)?.[0] ?? '';
  const attr = (name: string) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(root)?.[1] ?? 0);
  const tests = attr('tests');
  const failed = attr('failures') + attr('errors');
  const skipped = attr('skipped');
  return { passed: tests - failed - skipped, failed, skipped };
}

/** deno.json's `check` task, e.g. `deno check --quiet schemas/ actors/ …`. */
function denoCheckTask(): string {
  return (JSON.parse(readFileSync('deno.json', 'utf8')) as { tasks: { check: string } }).tasks.check;
}
