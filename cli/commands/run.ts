/**
 * `actorstream run`: the main job.
 * - With KAFKA_BROKERS and DATABASE_URL set: a processor instance of the consumer group (exactly-
 *   once checkpoints to Postgres), until SIGTERM/SIGINT, which stops it gracefully.
 * - With neither: the embedded job. Today that is the built-in generator feeding the same pure
 *   actors in-process through the test driver, printing throughput, order funnel and alerts. It
 *   keeps nothing: the embedded Kafka stand-in and PGlite arrive with the "Ship it" issue.
 * Exit codes: 0 stopped cleanly, 1 runtime failure, 2 bad configuration.
 */
import { defineCommand } from 'citty';
import { createTestDriver } from '../../actors/test-driver.ts';
import { orderActor, type OrderState } from '../../actors/order.ts';
import { skuActor } from '../../actors/sku.ts';
import { userActor } from '../../actors/user.ts';
import { createGenerator } from '../../generator/index.ts';
import { processorOptionsFromEnv } from '../../runtime/processor-env.ts';
import { startProcessor } from '../../runtime/processor.ts';
import { decodeEvent, type Alert } from '../../schemas/index.ts';

export const runCommand = defineCommand({
  meta: { name: 'run', description: 'Run the pipeline: against Kafka + Postgres when configured, else the embedded job' },
  args: {
    rate: { type: 'string', description: 'Embedded job: generated events per second', default: '2000' },
    seconds: { type: 'string', description: 'Embedded job: stop after this many seconds (default: until Ctrl-C)' },
    partitions: { type: 'string', description: 'Partitions of source topics the processor creates', default: '6' },
    'checkpoint-interval': { type: 'string', description: 'Milliseconds between checkpoints', default: '200' },
  },
  async run({ args }) {
    const brokers = process.env.KAFKA_BROKERS;
    const databaseUrl = process.env.DATABASE_URL;
    if (Boolean(brokers) !== Boolean(databaseUrl)) {
      console.error('Set both KAFKA_BROKERS and DATABASE_URL to run against your infrastructure, or neither for the embedded job.');
      process.exit(2);
    }
    if (brokers && databaseUrl) return runProcessor(brokers, databaseUrl, args);
    return runEmbedded(positive(args.rate, 'rate'), args.seconds ? positive(args.seconds, 'seconds') : Infinity);
  },
});

async function runProcessor(brokers: string, databaseUrl: string, args: Record<string, unknown>): Promise<void> {
  const processor = await startProcessor(
    processorOptionsFromEnv(process.env, {
      brokers: brokers.split(','),
      databaseUrl,
      partitions: positive(String(args.partitions), 'partitions'),
      checkpointIntervalMs: positive(String(args['checkpoint-interval']), 'checkpoint-interval'),
      log: (line) => console.log(`[processor] ${line}`),
    }),
  );
  console.log(`processor running against ${brokers}; Ctrl-C stops it gracefully`);
  await new Promise<void>((resolve) => {
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => resolve());
  });
  await processor.stop();
  const t = processor.totals();
  console.log(`stopped: applied ${t.applied}, dead-lettered ${t.deadLettered}, duplicates dropped ${t.duplicatesDropped}`);
}

async function runEmbedded(rate: number, seconds: number): Promise<void> {
  console.log('embedded job: generator → sku, order and user actors in-process (nothing is persisted)');
  console.log(`generating ${rate} events/s; Ctrl-C stops`);
  const generator = createGenerator({ seed: Date.now() % 1_000_000, users: 20_000, skus: 500, fraudRate: 20 });
  const driver = createTestDriver([skuActor, orderActor, userActor], { recordHistory: false });
  const started = Date.now();
  let total = 0;
  let reportedAlerts = 0;
  let stop = false;
  process.once('SIGINT', () => (stop = true));
  process.once('SIGTERM', () => (stop = true));
  const tickMs = 200;
  while (!stop && Date.now() - started < seconds * 1000) {
    const due = Math.floor(((Date.now() - started) / 1000) * rate) - total;
    for (let i = 0; i < due; i++) {
      const raw = generator.next();
      if (!raw) break;
      const decoded = decodeEvent(raw);
      if (decoded.ok) driver.pipe(decoded.event);
      total++;
    }
    const alerts = driver.alerts();
    for (const a of alerts.slice(reportedAlerts)) if (a.type !== 'invalid_transition') console.log(formatAlert(a));
    reportedAlerts = alerts.length;
    if (total % (rate * 5) < due) printSummary(driver, total, started);
    await new Promise((r) => setTimeout(r, tickMs));
  }
  printSummary(driver, total, started);
}

function printSummary(driver: ReturnType<typeof createTestDriver>, total: number, started: number): void {
  const funnel: Record<string, number> = {};
  for (const o of driver.states<OrderState>('order').values()) funnel[o.status] = (funnel[o.status] ?? 0) + 1;
  const byType: Record<string, number> = {};
  for (const a of driver.alerts()) byType[a.type] = (byType[a.type] ?? 0) + 1;
  const secs = (Date.now() - started) / 1000;
  console.log(
    `— ${total} events in ${secs.toFixed(0)}s (${Math.round(total / Math.max(secs, 0.001))}/s) · orders ${JSON.stringify(funnel)} · alerts ${JSON.stringify(byType)}`,
  );
}

function formatAlert(a: Alert): string {
  return `ALERT ${a.severity.padEnd(8)} ${a.type.padEnd(18)} ${a.entityType}/${a.entityKey}: ${a.details.summary}`;
}

function positive(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`--${name} must be a positive number, got '${value}'`);
    process.exit(2);
  }
  return n;
}
