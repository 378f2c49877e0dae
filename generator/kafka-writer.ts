import type { Admin, Kafka, Message, Producer } from 'kafkajs';
import { DEFAULT_MAX_FUTURE_MS, inputTopicConfig, SOURCE_TOPICS } from '../schemas/index.ts';
import { batchSizeFor, createPacer } from './pacer.ts';
import { takeBatch, type KafkaRecord } from './records.ts';

/** How `writeToKafka` sends. */
export interface WriteOptions {
  /** Target events per second (wall clock); 0 or absent: as fast as the broker takes them. */
  rate?: number;
  /** Most records per `sendBatch` (default 2,000). At a target rate batches are smaller, ~20/s. */
  batchSize?: number;
  /** Called after every acknowledged batch. */
  onProgress?: (progress: WriteProgress) => void;
  /** Stops after the batch in flight (e.g. on Ctrl-C). */
  signal?: AbortSignal;
}

export interface WriteProgress {
  sent: number;
  poison: number;
  elapsedMs: number;
  /** Records per second since the start. */
  rate: number;
}

export interface WriteResult extends WriteProgress {
  byTopic: Record<string, number>;
  /** True when stopped by the signal before the records ran out. */
  aborted: boolean;
}

/**
 * A producer fit for the pipeline's inputs: idempotent (no duplicates on retry), and one request in
 * flight so a retried batch can never land behind a later one and reorder a key's events.
 * @example const producer = createIdempotentProducer(new Kafka({ brokers: ['127.0.0.1:9092'] }));
 */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
}

/**
 * Sends records in batches (`sendBatch`, acks from all in-sync replicas), keyed by entity so each
 * key stays on one partition in order. Paced per batch when `rate` is set. The producer must be
 * connected; it is left connected.
 *
 * @example
 * await writeToKafka(producer, withPoison(createGenerator({ count: 1e5 }), { seed: 1, invalidRate: 0 }), { rate: 2000 });
 */
export async function writeToKafka(producer: Pick<Producer, 'sendBatch'>, records: Iterable<KafkaRecord>, opts: WriteOptions = {}): Promise<WriteResult> {
  const batchSize = batchSizeFor(opts.rate ?? 0, opts.batchSize ?? 2_000);
  const pacer = createPacer(opts.rate ?? 0, opts.signal);
  const byTopic: Record<string, number> = {};
  let sent = 0;
  let poison = 0;
  const progress = (): WriteProgress => {
    const elapsedMs = pacer.elapsedMs();
    return { sent, poison, elapsedMs, rate: elapsedMs > 0 ? (sent * 1000) / elapsedMs : 0 };
  };

  const iterator = records[Symbol.iterator]();
  let exhausted = false;
  while (!exhausted && !opts.signal?.aborted) {
    const batch = takeBatch(iterator, batchSize);
    exhausted = batch.exhausted;
    const n = batch.records.length;
    const byTopicBatch = new Map<string, Message[]>();
    for (const record of batch.records) {
      let messages = byTopicBatch.get(record.topic);
      if (!messages) byTopicBatch.set(record.topic, (messages = []));
      messages.push({ key: record.key, value: record.value });
      if (record.poison) poison++;
    }
    if (n === 0) break;
    await pacer.wait(sent);
    const topicMessages = [...byTopicBatch].map(([topic, messages]) => ({ topic, messages }));
    await producer.sendBatch({ topicMessages, acks: -1 });
    for (const { topic, messages } of topicMessages) byTopic[topic] = (byTopic[topic] ?? 0) + messages.length;
    sent += n;
    opts.onProgress?.(progress());
  }
  return { ...progress(), byTopic, aborted: !exhausted };
}

/**
 * Creates the topics that do not exist yet with `partitions` partitions (default 6) and a
 * replication factor of min(3, brokers). Existing topics are left alone; those whose partition
 * count differs are reported, since keys would then map to other partitions than expected.
 * New topics get `inputTopicConfig` (records stamped too far ahead are refused by the broker).
 */
export async function ensureTopics(
  admin: Admin,
  topics: readonly string[] = SOURCE_TOPICS,
  partitions = 6,
): Promise<{ created: string[]; mismatched: { topic: string; partitions: number }[] }> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    const { brokers } = await admin.describeCluster();
    const replicationFactor = Math.min(3, brokers.length);
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor, configEntries: inputTopicConfig(DEFAULT_MAX_FUTURE_MS) })),
    });
  }
  const present = topics.filter((t) => existing.has(t));
  const mismatched: { topic: string; partitions: number }[] = [];
  if (present.length > 0) {
    const meta = await admin.fetchTopicMetadata({ topics: present });
    for (const t of meta.topics) {
      if (t.partitions.length !== partitions) mismatched.push({ topic: t.name, partitions: t.partitions.length });
    }
  }
  return { created: missing, mismatched };
}
