/**
 * `actorstream generate`: realistic e-commerce traffic with injected fraud, to Kafka or NDJSON.
 * Exit codes: 0 done, 1 the broker or output cannot be used, 2 bad arguments.
 */
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { defineCommand } from 'citty';
import { Presets, SingleBar } from 'cli-progress';
import { InfrastructureError, PipelineError, SOURCE_TOPICS } from '../../schemas/index.ts';
import {
  createGenerator,
  formatSummary,
  resolveOptions,
  withPoison,
  writeNdjson,
  writeRecords,
  type GeneratorOptions,
  type KafkaRecord,
  type WriteProgress,
  type WriteResult,
} from '../../generator/index.ts';
import { duration, fmt } from '../../generator/summary.ts';

const DEFAULT_BROKERS = '127.0.0.1:9092';

export const generateCommand = defineCommand({
  meta: { name: 'generate', description: 'Generate seeded e-commerce events with injected fraud, to Kafka or NDJSON' },
  args: {
    count: { type: 'string', description: 'Events to generate (default 100000; unbounded with --rate until Ctrl-C)', valueHint: 'N' },
    rate: { type: 'string', description: 'Target events/s on the wall clock; 0 = as fast as possible', default: '0', valueHint: 'R' },
    seed: { type: 'string', description: 'Seed: same seed and options, same events', default: '1' },
    users: { type: 'string', description: 'Background users', default: '10000' },
    skus: { type: 'string', description: 'SKUs in the catalogue', default: '1000' },
    'fraud-rate': { type: 'string', description: 'Fraud patterns injected per 10,000 events', default: '5' },
    'min-per-pattern': { type: 'string', description: 'Inject at least this many of each fraud pattern', default: '0' },
    'event-rate': { type: 'string', description: 'Events per second of simulated event time', default: '50' },
    start: { type: 'string', description: "Event time of the first event: epoch ms, ISO date, or 'now' (default: a fixed instant)" },
    'invalid-rate': { type: 'string', description: 'Fraction of extra malformed records for dead-letter tests', default: '0' },
    brokers: { type: 'string', description: `Kafka bootstrap servers (default $KAFKA_BROKERS or ${DEFAULT_BROKERS})` },
    partitions: { type: 'string', description: 'Partitions of topics created here', default: '6' },
    out: { type: 'string', description: "Write NDJSON to a file, or '-' for stdout, instead of Kafka", valueHint: '-|file.ndjson' },
    'ground-truth': { type: 'string', description: 'Write the expected fraud alerts to this JSON file', valueHint: 'file.json' },
  },
  async run({ args, rawArgs }) {
    let plan: Plan;
    try {
      plan = parsePlan(args as Record<string, string | undefined>, rawArgs);
    } catch (e) {
      if (!(e instanceof UsageError || (e instanceof PipelineError && e.code === 'CONFIG'))) throw e;
      process.stderr.write(`actorstream generate: ${e.message}\nRun 'actorstream generate --help' for the options.\n`);
      process.exit(2);
    }
    if (plan.groundTruthFile) {
      // Fail before generating, not after a long run.
      await writeFile(plan.groundTruthFile, '').catch((e: Error) => {
        process.stderr.write(`actorstream generate: cannot write ${plan.groundTruthFile}: ${e.message}\n`);
        process.exit(1);
      });
    }
    const gen = createGenerator(plan.options);
    const records = withPoison(gen, { seed: plan.options.seed ?? 1, invalidRate: plan.invalidRate });
    const abort = new AbortController();
    const onSigint = () => abort.abort();
    process.once('SIGINT', onSigint);
    const progress = createProgressReporter(Number.isFinite(plan.count) ? plan.count : undefined);
    const writeOpts = { rate: plan.rate, signal: abort.signal, onProgress: progress.update };
    let result: WriteResult;
    let target: string;
    try {
      if (plan.out !== undefined) {
        target = plan.out === '-' ? 'stdout' : plan.out;
        result = await toNdjson(plan.out, records, writeOpts);
      } else {
        target = `kafka ${plan.brokers.join(',')}`;
        result = await toKafka(plan, records, writeOpts);
      }
    } finally {
      progress.stop();
      process.off('SIGINT', onSigint);
    }
    const truth = gen.groundTruth();
    if (plan.groundTruthFile) {
      const events = gen.stats().events;
      const body = { options: { ...resolveOptions(plan.options), count: events }, events, expectedAlerts: truth };
      await writeFile(plan.groundTruthFile, JSON.stringify(body, null, 2) + '\n');
    }
    process.stderr.write(formatSummary(gen.stats(), result, target, truth) + '\n');
    if (plan.groundTruthFile) process.stderr.write(`  ground truth → ${plan.groundTruthFile}\n`);
  },
});

interface Plan {
  options: GeneratorOptions;
  count: number;
  rate: number;
  invalidRate: number;
  brokers: string[];
  partitions: number;
  out?: string;
  groundTruthFile?: string;
}

class UsageError extends Error {}

function parsePlan(args: Record<string, string | undefined>, rawArgs: string[]): Plan {
  rejectUnknownFlags(rawArgs);
  const rate = num(args, 'rate', 0, 1e8);
  // A paced run is a live feed: it goes on until Ctrl-C unless a count is given.
  const count = args.count !== undefined ? int(args, 'count', 0) : rate > 0 ? Infinity : 100_000;
  const options: GeneratorOptions = {
    seed: int(args, 'seed', 0, 0xffff_ffff),
    users: int(args, 'users', 1),
    skus: int(args, 'skus', 1),
    fraudRate: num(args, 'fraud-rate', 0, 1000),
    minPerPattern: int(args, 'min-per-pattern', 0),
    eventsPerSecond: num(args, 'event-rate', 0, 1e7, true),
    ...(Number.isFinite(count) ? { count } : {}),
    ...(args.start !== undefined ? { startTs: parseStart(args.start) } : {}),
  };
  resolveOptions(options); // surfaces range errors (ConfigError) before any connection is made
  const brokers = (args.brokers ?? process.env.KAFKA_BROKERS ?? DEFAULT_BROKERS).split(',').map((b) => b.trim()).filter(Boolean);
  if (brokers.length === 0) throw new UsageError('--brokers needs at least one host:port');
  return {
    options,
    count,
    rate,
    invalidRate: num(args, 'invalid-rate', 0, 1),
    brokers,
    partitions: int(args, 'partitions', 1, 10_000),
    ...(args.out !== undefined ? { out: args.out } : {}),
    ...(args['ground-truth'] !== undefined ? { groundTruthFile: args['ground-truth'] } : {}),
  };
}

async function toNdjson(out: string, records: Iterable<KafkaRecord>, opts: WriteOpts): Promise<WriteResult> {
  if (out === '-') {
    // The reader went away (`| head`): stop quietly, as Unix tools do on SIGPIPE.
    process.stdout.on('error', (e: NodeJS.ErrnoException) => e.code === 'EPIPE' && process.exit(0));
    return writeNdjson(records, process.stdout as unknown as Writable, opts);
  }
  const file = createWriteStream(out);
  const opened = new Promise<void>((resolve, reject) => file.once('open', () => resolve()).once('error', reject));
  try {
    await opened;
  } catch (e) {
    process.stderr.write(`actorstream generate: cannot write ${out}: ${(e as Error).message}\n`);
    process.exit(1);
  }
  const result = await writeNdjson(records, file, opts);
  await new Promise<void>((resolve, reject) => file.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return result;
}

async function toKafka(plan: Plan, records: Iterable<KafkaRecord>, opts: WriteOpts): Promise<WriteResult> {
  // Loaded lazily: NDJSON runs and --help need no Kafka client.
  const { connectKafka } = await import('../../instance/preflight.ts');
  let connected: Awaited<ReturnType<typeof connectKafka>> | undefined;
  try {
    connected = await connectKafka(plan.brokers, 'actorstream-generate');
    const { created, mismatched } = await connected.admin.ensureSourceTopics(SOURCE_TOPICS, plan.partitions);
    if (created.length > 0) process.stderr.write(`created topics ${created.join(', ')} (${plan.partitions} partitions)\n`);
    for (const m of mismatched) {
      process.stderr.write(`note: topic ${m.topic} exists with ${m.partitions} partitions (not ${plan.partitions}); left as is\n`);
    }
  } catch (e) {
    await connected?.admin.disconnect().catch(() => {});
    // An unreachable broker already says how to fix it; a failure after connecting does not.
    const reason =
      e instanceof InfrastructureError
        ? e.message
        : `cannot reach Kafka at ${plan.brokers.join(',')}: ${(e as Error).message}\n` +
          `Start a broker (npm run kafka -- start, or docker compose up -d kafka), or point --brokers / KAFKA_BROKERS at one,`;
    process.stderr.write(`actorstream generate: ${reason}\nor write NDJSON instead with --out file.ndjson.\n`);
    process.exit(1);
  }
  const { client, admin } = connected;
  await admin.disconnect();
  const sink = await client.sink();
  try {
    return await writeRecords(sink, records, opts);
  } finally {
    await sink.disconnect();
  }
}

type WriteOpts = { rate: number; signal: AbortSignal; onProgress: (p: WriteProgress) => void };

/** A progress bar on a terminal, a line every 5 s otherwise (logs, CI). Always on stderr. */
function createProgressReporter(total: number | undefined): { update: (p: WriteProgress) => void; stop: () => void } {
  if (process.stderr.isTTY) {
    const format = total
      ? '{bar} {percentage}% | {value}/{total} events | {speed} ev/s | eta {eta_formatted}'
      : '{value} events | {speed} ev/s | {elapsed}';
    const bar = new SingleBar({ format, stream: process.stderr, hideCursor: true, fps: 5 }, Presets.shades_classic);
    bar.start(total ?? 0, 0, { speed: '0', elapsed: '0s' });
    return {
      update: (p) => bar.update(p.sent, { speed: fmt(Math.round(p.rate)), elapsed: duration(p.elapsedMs) }),
      stop: () => bar.stop(),
    };
  }
  let lastLog = 0;
  return {
    update(p) {
      if (p.elapsedMs - lastLog < 5_000) return;
      lastLog = p.elapsedMs;
      const share = total ? ` (${((100 * p.sent) / total).toFixed(0)}%)` : '';
      process.stderr.write(`generate: ${fmt(p.sent)}${total ? `/${fmt(total)}` : ''} events${share}, ${fmt(Math.round(p.rate))} ev/s\n`);
    },
    stop: () => {},
  };
}

const KNOWN_FLAGS = new Set(['help', 'h', 'count', 'rate', 'seed', 'users', 'skus', 'fraud-rate', 'min-per-pattern', 'event-rate', 'start', 'invalid-rate', 'brokers', 'partitions', 'out', 'ground-truth']);

/** citty ignores unknown flags; a mistyped one (`--fraudrate`) must not silently use a default. */
function rejectUnknownFlags(rawArgs: string[]): void {
  for (const raw of rawArgs) {
    if (!raw.startsWith('-') || raw === '-' || /^-\d/.test(raw)) continue;
    const name = raw.replace(/^--?/, '').split('=')[0]!;
    const kebab = name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    if (!KNOWN_FLAGS.has(kebab)) throw new UsageError(`unknown option ${raw}`);
  }
}

function num(args: Record<string, string | undefined>, name: string, min: number, max: number, positive = false): number {
  const raw = args[name];
  const value = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(value) || value < min || value > max || (positive && value === 0)) {
    const range = positive ? `> 0 and ≤ ${max}` : `between ${min} and ${max}`;
    throw new UsageError(`--${name} must be a number ${range} (got '${raw ?? ''}')`);
  }
  return value;
}

function int(args: Record<string, string | undefined>, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = args[name];
  if (raw === undefined || !/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    throw new UsageError(`--${name} must be a whole number ≥ ${min}${max < Number.MAX_SAFE_INTEGER ? ` and ≤ ${max}` : ''} (got '${raw ?? ''}')`);
  }
  return Number(raw);
}

function parseStart(raw: string): number {
  if (raw === 'now') return Date.now();
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms) || ms < 0) throw new UsageError(`--start must be epoch milliseconds, an ISO date or 'now' (got '${raw}')`);
  return ms;
}
