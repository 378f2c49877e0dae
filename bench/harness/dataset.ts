/**
 * The events every contender reads: generated with a fixed seed into fresh prefixed source topics
 * with P partitions, through the generator's own Kafka writer. The backlog data set is also folded
 * by the pure test driver (the oracle) while it is written, keeping only the final SKU states.
 */
import { Kafka, logLevel } from 'kafkajs';
import { applyKafkajsFixes, kafkajsLogClient } from '../../adapters/kafkajs/index.ts';
import type { RecordSink } from '../../engine/index.ts';
import { createTestDriver } from '../../actors/test-driver.ts';
import { orderActor } from '../../actors/order.ts';
import { skuActor, type SkuState } from '../../actors/sku.ts';
import { userActor } from '../../actors/user.ts';
import { createGenerator, toKafkaRecord, writeRecords, type KafkaRecord } from '../../generator/index.ts';
import { topicNames, type TopicNames } from '../../engine/topic-names.ts';
import { decodeEvent, topicOf, type DomainEvent } from '../../schemas/index.ts';
import { closingEvents } from '../../tests/support/oracle.ts';

export interface DataSetSpec {
  seed: number;
  events: number;
  partitions: number;
}

export interface Oracle {
  skus: Map<string, SkuState>;
  alertsByType: Record<string, number>;
  entities: Record<string, number>;
  seconds: number;
}

/** What a contender needs to read a data set. */
export interface DataSet {
  prefix: string;
  topics: TopicNames;
  /** Source records written (generated events + closing events). */
  records: number;
  byTopic: Record<string, number>;
}

/** Generator options for a data set of `events` events (users and SKUs scale with it). */
export function generatorOptions(seed: number, events: number) {
  return { seed, count: events, users: Math.max(2_000, Math.round(events / 20)), skus: 1_000, minPerPattern: 1 };
}

export class Loader {
  readonly kafka: Kafka;
  private kafkaSink?: RecordSink;

  constructor(readonly brokers: string[]) {
    applyKafkajsFixes();
    // Quiet: a retried request (e.g. the coordinator still loading) would print to stdout.
    this.kafka = new Kafka({ clientId: 'bench-loader', brokers, logLevel: logLevel.NOTHING });
  }

  /** Fresh source topics with `partitions` partitions under `prefix`. */
  async createTopics(prefix: string, partitions: number): Promise<TopicNames> {
    const topics = topicNames(prefix);
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: Object.values(topics.source).map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
        waitForLeaders: true,
      });
    } finally {
      await admin.disconnect();
    }
    return topics;
  }

  /**
   * Writes the backlog: the generated events, then one closing event per transaction partition
   * (event time two hours past the stream, so every payment timeout has fired everywhere), folding
   * each into the oracle unless `oracle` is false.
   */
  async preload(prefix: string, spec: DataSetSpec, opts: { oracle: boolean; onProgress?: (sent: number) => void }): Promise<{ data: DataSet; oracle?: Oracle; seconds: number; rate: number }> {
    const topics = await this.createTopics(prefix, spec.partitions);
    const driver = opts.oracle ? createTestDriver([skuActor, orderActor, userActor], { recordHistory: false }) : undefined;
    let foldMs = 0;
    const fold = (e: DomainEvent) => {
      if (!driver) return;
      const t = performance.now();
      const d = decodeEvent(e);
      if (!d.ok) throw d.error;
      driver.pipe(d.event);
      foldMs += performance.now() - t;
    };
    let lastTs = 0;
    const generator = createGenerator(generatorOptions(spec.seed, spec.events));
    function* records(): Generator<KafkaRecord> {
      for (const e of generator) {
        lastTs = Math.max(lastTs, e.ts);
        fold(e);
        yield renamed(e, topics);
      }
      for (const e of closingEvents([{ ts: lastTs } as DomainEvent], spec.partitions)) {
        fold(e);
        yield renamed(e, topics);
      }
    }
    const t0 = performance.now();
    const result = await writeRecords(await this.connectedSink(), records(), { batchSize: 5_000, onProgress: (p) => opts.onProgress?.(p.sent) });
    const seconds = (performance.now() - t0) / 1000;
    const data: DataSet = { prefix, topics, records: result.sent, byTopic: result.byTopic };
    if (!driver) return { data, seconds, rate: result.sent / seconds };
    const alertsByType: Record<string, number> = {};
    for (const a of driver.alerts()) alertsByType[a.type] = (alertsByType[a.type] ?? 0) + 1;
    const oracle: Oracle = {
      skus: new Map(driver.states<SkuState>('sku')),
      alertsByType,
      entities: { sku: driver.states('sku').size, order: driver.states('order').size, user: driver.states('user').size },
      seconds: foldMs / 1000,
    };
    // Producing time alone (the fold ran inside the same loop).
    return { data, oracle, seconds, rate: result.sent / Math.max(0.001, seconds - foldMs / 1000) };
  }

  /** The records of `spec.events` generated events for `topics`, generated up front so that the
   * open loop's producer does no generating while a contender is measured. */
  prepare(topics: TopicNames, spec: DataSetSpec): KafkaRecord[] {
    const out: KafkaRecord[] = [];
    for (const e of createGenerator(generatorOptions(spec.seed, spec.events))) out.push(renamed(e, topics));
    return out;
  }

  /**
   * Writes `records` at `rate` per second (open loop: the pace does not depend on the consumer),
   * in about 50 batches a second so arrivals are smooth; each record's Kafka timestamp is its send time.
   */
  async produceAtRate(records: readonly KafkaRecord[], rate: number): Promise<{ sent: number; seconds: number; rate: number }> {
    const result = await writeRecords(await this.connectedSink(), records, { rate, batchSize: Math.max(1, Math.round(rate / 50)) });
    return { sent: result.sent, seconds: result.elapsedMs / 1000, rate: result.rate };
  }

  async close(): Promise<void> {
    await this.kafkaSink?.disconnect();
  }

  /** Deletes a run's topics: sources, inboxes, dead letters and Kafka Streams internals all carry its prefix. */
  async deleteTopicsWithPrefix(prefix: string): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
    } finally {
      await admin.disconnect();
    }
  }

  /** The loader's sink (idempotent, acks=all), through the kafkajs adapter. */
  sink(): Promise<RecordSink> {
    return this.connectedSink();
  }

  private async connectedSink(): Promise<RecordSink> {
    this.kafkaSink ??= await kafkajsLogClient(this.kafka).sink();
    return this.kafkaSink;
  }
}

function renamed(e: DomainEvent, topics: TopicNames): KafkaRecord {
  return { ...toKafkaRecord(e), topic: topics.source[topicOf(e.type)] };
}
