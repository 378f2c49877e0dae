/**
 * `actorstream ingest [file]`: NDJSON events (a file, or stdin) → Kafka, validated line by line
 * exactly as POST /v1/events validates them. Valid lines are produced to the source topic of
 * their type, keyed by entity (idempotent producer, acks=all, batches of ≤ 1,000); each invalid
 * line is reported on stderr with its line number and reason and skipped.
 *
 * Exit codes: 0 at least one event produced (rejected lines are a warning, counted in the
 * summary; `--strict` makes them exit 1) · 1 Kafka failed while producing, or `--strict` with
 * rejected lines · 2 bad arguments or configuration, or no valid event in the input (nothing was
 * produced) · 3 Kafka unreachable.
 */
import { defineCommand } from 'citty';
import type { RecordSink } from '../../engine/index.ts';
import { duration, fmt } from '../../generator/summary.ts';
import { SOURCE_TOPICS } from '../../schemas/index.ts';
import { CommandFailed, connectKafka, loadCommandSettings, withDetails, type CommandSettings } from './command-support.ts';
import { openNdjson, type NdjsonSource } from './ingest-lines.ts';
import { createIngestProgress, type IngestProgress } from './ingest-progress.ts';

/** Rejected lines printed one by one; past this only their count is kept (a bad file can be huge). */
const SHOWN_REJECTIONS = 100;
const BATCH_RECORDS = 1_000;
const BATCH_BYTES = 512 * 1024;

export const ingestCommand = withDetails(defineCommand({
  meta: { name: 'ingest', description: 'Validate NDJSON events (a file or stdin) and produce the valid ones to their Kafka topics' },
  args: {
    file: { type: 'positional', required: false, description: "NDJSON file; '-' or none reads stdin", valueHint: 'file.ndjson' },
    config: { type: 'string', description: 'pipeline.yaml with the Kafka settings (default: $PIPELINE_CONFIG; KAFKA_BROKERS and TOPIC_PREFIX override it)' },
    'dry-run': { type: 'boolean', description: 'Validate and count only: produce nothing, no Kafka needed' },
    strict: { type: 'boolean', description: 'Exit 1 when any line was rejected (the valid ones are still produced)' },
  },
  async run({ args }) {
    const dryRun = Boolean(args['dry-run']);
    const settings = loadCommandSettings('ingest', args.config, { kafka: !dryRun, postgres: false });
    const source = openNdjson(args.file, settings.topics);
    const target = dryRun ? 'nowhere (dry run)' : `Kafka ${settings.brokers.join(',')}`;
    const sink = dryRun ? undefined : await connectSink(settings);
    let result: IngestResult;
    try {
      result = await ingest(source, sink, createIngestProgress(source.totalBytes, dryRun ? 'valid' : 'produced'));
    } finally {
      await sink?.disconnect().catch(() => {});
    }
    process.stderr.write(summary(result, source.name, target, dryRun));
    if (result.failure) {
      throw new CommandFailed(`Kafka did not acknowledge a batch after ${fmt(result.produced)} events were produced: ${result.failure}; lines from ${result.failedAtLine} on were not produced`);
    }
    if (result.produced === 0) {
      throw new CommandFailed(result.rejected > 0 ? 'no valid event in the input: nothing was produced' : `${source.name} holds no events`, 2);
    }
    if (result.rejected > 0 && args.strict) throw new CommandFailed(`${fmt(result.rejected)} line(s) rejected (--strict)`, 1);
  },
}), `Each line is one event envelope {id, type, v, ts, data}, validated as POST /v1/events validates it. Valid events go to
the source topic of their type (TOPIC_PREFIX / kafka.topic_prefix applies), keyed by entity, exactly as sent; missing
source topics are created with the configured partition count. Invalid lines are reported on stderr as
<file>:<line>: rejected <CODE>: <reason> and skipped. A progress bar is shown on a terminal; a summary always ends.

Exit codes: 0 at least one event produced (rejected lines are a warning, counted in the summary)
            1 Kafka refused a batch (the summary says from which line nothing was produced), or --strict with rejections
            2 bad arguments or configuration, or no valid event in the input (nothing was produced)
            3 Kafka unreachable`);

interface IngestResult {
  produced: number;
  rejected: number;
  byTopic: Map<string, number>;
  elapsedMs: number;
  /** Set when Kafka refused a batch: the reason, and the first line of that batch. */
  failure?: string;
  failedAtLine?: number;
}

async function connectSink(settings: CommandSettings): Promise<RecordSink> {
  const { client, admin } = await connectKafka(settings.brokers, 'actorstream-ingest');
  try {
    // The processor would create them too; creating them here means the first ingest just works.
    const { created, mismatched } = await admin.ensureSourceTopics(SOURCE_TOPICS.map((t) => settings.topics.source[t]), settings.partitions);
    if (created.length > 0) process.stderr.write(`created topics ${created.join(', ')} (${settings.partitions} partitions)\n`);
    for (const m of mismatched) process.stderr.write(`note: ${m.topic} has ${m.partitions} partitions (config says ${settings.partitions}); keys go where Kafka's partitioner puts them\n`);
  } finally {
    await admin.disconnect().catch(() => {});
  }
  return client.sink();
}

/** Reads every line, produces the valid ones in batches; stops at the first batch Kafka refuses. */
async function ingest(source: NdjsonSource, sink: RecordSink | undefined, progress: IngestProgress): Promise<IngestResult> {
  const started = performance.now();
  const result: IngestResult = { produced: 0, rejected: 0, byTopic: new Map(), elapsedMs: 0 };
  let batch: { topic: string; key: string; value: string }[] = [];
  let batchBytes = 0;
  let batchFirstLine = 0;
  let bytesRead = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    try {
      await sink?.send(batch);
    } catch (e) {
      throw new KafkaRefused((e as Error).message, batchFirstLine);
    }
    for (const { topic } of batch) result.byTopic.set(topic, (result.byTopic.get(topic) ?? 0) + 1);
    result.produced += batch.length;
    batch = [];
    batchBytes = 0;
  };
  const tick = () => progress.update({ produced: result.produced, rejected: result.rejected, bytesRead, elapsedMs: performance.now() - started });
  try {
    for await (const l of source.lines) {
      bytesRead = l.bytesRead;
      if (!l.ok) {
        result.rejected++;
        if (result.rejected <= SHOWN_REJECTIONS) progress.note(`${source.name}:${l.line}: rejected ${l.code}: ${l.message}`);
        if (result.rejected === SHOWN_REJECTIONS + 1) progress.note(`(more rejected lines are counted, not shown)`);
        continue;
      }
      if (batch.length === 0) batchFirstLine = l.line;
      batch.push(l.record);
      batchBytes += l.record.value.length;
      if (batch.length >= BATCH_RECORDS || batchBytes >= BATCH_BYTES) {
        await flush();
        tick();
      }
    }
    await flush();
  } catch (e) {
    if (!(e instanceof KafkaRefused)) throw e; // reading failed: not a partial ingest to summarise
    result.failure = e.message;
    result.failedAtLine = e.firstLine;
  } finally {
    tick();
    progress.stop();
  }
  result.elapsedMs = performance.now() - started;
  return result;
}

class KafkaRefused extends Error {
  constructor(message: string, readonly firstLine: number) {
    super(message);
  }
}

function summary(r: IngestResult, from: string, target: string, dryRun: boolean): string {
  const rate = r.elapsedMs > 0 ? Math.round((r.produced * 1000) / r.elapsedMs) : 0;
  const lines = [`ingest: ${fmt(r.produced)} event(s) ${dryRun ? 'valid' : 'produced'} from ${from} to ${target} in ${r.elapsedMs < 60_000 ? `${(r.elapsedMs / 1000).toFixed(1)}s` : duration(r.elapsedMs)} (${fmt(rate)} ev/s)`];
  if (r.byTopic.size > 0) lines.push(`  ${[...r.byTopic].map(([t, n]) => `${t} ${fmt(n)}`).join(' · ')}`);
  if (r.rejected > 0) {
    const shown = r.rejected > SHOWN_REJECTIONS ? ` (the first ${SHOWN_REJECTIONS} are listed above)` : ' (listed above)';
    lines.push(`  warning: ${fmt(r.rejected)} line(s) rejected${shown}`);
  }
  return lines.join('\n') + '\n';
}
