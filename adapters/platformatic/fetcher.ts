import type { ClusterMetadata, ConnectionPool, Consumer, fetchV17 } from '@platformatic/kafka';
import type { BatchControl, SourceBatch, TopicPartition } from '../../engine/index.ts';
import { FetchPositions, tpKey, type FetchPart } from './fetch-positions.ts';
import { toSourceBatch } from './records.ts';
import { backoffMs, Signal, sleep, Slots } from '../shared/signals.ts';
import { fetchRequest, responseOf, splitResponse } from './fetch-request.ts';
import { logStartOffsets, startOffsets } from './offsets.ts';

export interface FetcherSetup {
  consumer: Consumer;
  /** Fetches go over their own connections: a long poll never delays a heartbeat or a commit. */
  pool: ConnectionPool;
  topics: readonly string[];
  maxBytesPerPartition: number;
  concurrency: number;
  /** Group members start where the group committed; elsewhere (and without a commit) at `reset`. */
  useCommitted: boolean;
  reset: 'earliest' | 'latest';
  handler(batch: SourceBatch, control: BatchControl): Promise<void>;
  log(line: string): void;
}

/** How long the broker may hold a fetch without data; shorter while partitions wait in handlers. */
const MAX_WAIT_MS = 500;
const MAX_WAIT_BUSY_MS = 100;
const IDLE_RECHECK_MS = 1_000;

/**
 * The RecordSource's fetching, over platformatic's low-level `consumer.fetch` (its MessagesStream
 * interleaves all partitions into one stream of messages, with no per-partition pause, seek or
 * redelivery). One loop: it fetches every fetchable partition from its leader, one request in
 * flight per broker, and hands each partition's batch to the handler, at most `concurrency` at once
 * and one batch per partition at a time (positions: see FetchPositions).
 */
export class Fetcher {
  readonly positions = new FetchPositions();
  #running = true;
  #wake = new Signal();
  #slots: Slots;
  #nodesInFlight = new Set<number>();
  #handling = 0;
  #loop: Promise<void> | undefined;
  #failures = new Map<string, number>();

  constructor(private readonly s: FetcherSetup) {
    this.#slots = new Slots(s.concurrency);
  }

  /** A new generation of `partitions`; returns its number. Starts the loop on first use. */
  assign(partitions: readonly TopicPartition[]): number {
    const generation = this.positions.assign(partitions);
    this.#wake.notify();
    this.#loop ??= this.#run();
    return generation;
  }

  seek(tp: TopicPartition, offset: number | string): void {
    this.positions.seek(tp, BigInt(offset));
    this.#wake.notify();
  }

  pause(tps: readonly TopicPartition[]): void {
    this.positions.pause(tps);
  }

  resume(tps: readonly TopicPartition[]): void {
    this.positions.resume(tps);
    this.#wake.notify();
  }

  /** Ends fetching; resolves once no fetch and no batch is in flight. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake.notify();
    await this.#loop;
    while (this.#handling > 0 || this.#nodesInFlight.size > 0) await this.#wake.wait(IDLE_RECHECK_MS);
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (this.#running) {
      try {
        await this.#findStarts();
        this.#startFetches(await this.s.consumer.metadata({ topics: [...this.s.topics] }));
        failures = 0;
      } catch (e) {
        this.s.log(`fetch loop: ${(e as Error).message}`);
        this.s.consumer.clearMetadata();
        await sleep(backoffMs(++failures));
        continue;
      }
      await this.#wake.wait(IDLE_RECHECK_MS);
    }
  }

  /** Looks up where partitions of a new generation start (committed offset, else `reset`). */
  async #findStarts(): Promise<void> {
    const missing = this.positions.unpositioned();
    if (missing.length === 0) return;
    const generation = this.positions.generation;
    const starts = await startOffsets(this.s.consumer, missing, this.s.useCommitted, this.s.reset);
    for (const tp of missing) this.positions.setStart(generation, tp, starts.get(tpKey(tp.topic, tp.partition)) ?? 0n);
  }

  #startFetches(metadata: ClusterMetadata): void {
    const byNode = new Map<number, TopicPartition[]>();
    for (const tp of this.positions.fetchable()) {
      const leader = metadata.topics.get(tp.topic)?.partitions[tp.partition]?.leader;
      if (leader === undefined || leader < 0 || this.#nodesInFlight.has(leader)) continue;
      byNode.set(leader, [...(byNode.get(leader) ?? []), tp]);
    }
    for (const [node, tps] of byNode) {
      const maxWait = this.positions.busy() > 0 ? MAX_WAIT_BUSY_MS : MAX_WAIT_MS;
      void this.#fetch(node, this.positions.take(tps), metadata, maxWait);
    }
  }

  async #fetch(node: number, parts: FetchPart[], metadata: ClusterMetadata, maxWaitTime: number): Promise<void> {
    const generation = this.positions.generation;
    this.#nodesInFlight.add(node);
    let response: fetchV17.FetchResponse | undefined;
    try {
      response = await this.s.consumer.fetch({ node, topics: fetchRequest(parts, metadata, this.s.maxBytesPerPartition), maxWaitTime, minBytes: 1, connectionPool: this.s.pool });
    } catch (e) {
      // A partition's error fails the whole request, but the response still holds the others' data.
      response = responseOf(e);
      if (!response) this.s.log(`fetch from broker ${node} failed: ${(e as Error).message}`);
    } finally {
      this.#nodesInFlight.delete(node);
    }
    const { fetched, outOfRange, failed, rest } = response ? splitResponse(response, parts, metadata) : { fetched: [], outOfRange: [], failed: parts, rest: [] };
    for (const p of rest) this.positions.release(p.key);
    for (const [part, answer] of fetched) this.#deliver(part, answer, generation);
    if (outOfRange.length > 0) void this.#restartAtLogStart(outOfRange, generation);
    this.#wake.notify();
    if (failed.length > 0) await this.#retryLater(failed);
  }

  /** Partitions whose fetch failed (a leader moving, a broker away) are fetched again after a pause, on fresh metadata. */
  async #retryLater(parts: FetchPart[]): Promise<void> {
    this.s.consumer.clearMetadata();
    await sleep(backoffMs(2));
    for (const p of parts) this.positions.release(p.key);
    this.#wake.notify();
  }

  #deliver(part: FetchPart, fetched: fetchV17.FetchResponsePartition, generation: number): void {
    const batch = toSourceBatch(part.topic, part.partition, part.offset, fetched);
    if (!batch || !this.#running || !this.positions.deliverable(generation, part.key, part.offset)) {
      this.positions.release(part.key);
    } else if (batch.records.length === 0) {
      // Only transaction markers: no handler would mark them consumed, so move past them here.
      this.positions.moveTo(generation, part.key, BigInt(batch.lastOffset) + 1n);
      this.positions.release(part.key);
    } else {
      void this.#handle(part, batch, generation);
    }
  }

  async #handle(part: FetchPart, batch: SourceBatch, generation: number): Promise<void> {
    this.#handling++;
    let failed = false;
    await this.#slots.acquire();
    try {
      // Anything may have changed while waiting for a slot (a seek, a pause, a rebalance, stop).
      if (this.#running && this.positions.deliverable(generation, part.key, part.offset)) await this.s.handler(batch, this.positions.control(generation, part.key, () => this.#running));
    } catch (e) {
      failed = true;
      this.s.log(`batch handler failed for ${part.key}: ${(e as Error).message}`);
    } finally {
      this.#slots.release();
    }
    const failures = failed ? (this.#failures.get(part.key) ?? 0) + 1 : 0;
    this.#failures.set(part.key, failures);
    // The unconsumed records come again, after a backoff when the handler threw.
    if (failures > 0) await sleep(backoffMs(failures));
    this.positions.release(part.key);
    this.#handling--;
    this.#wake.notify();
  }

  /** Kafka's auto.offset.reset=earliest for a position outside the log (retention, or a seek past the end). */
  async #restartAtLogStart(parts: FetchPart[], generation: number): Promise<void> {
    this.#handling++;
    try {
      const starts = await logStartOffsets(this.s.consumer, parts);
      for (const p of parts) this.positions.moveTo(generation, p.key, starts.get(p.key) ?? 0n);
    } catch (e) {
      this.s.log(`finding the log start failed: ${(e as Error).message}`);
      await sleep(backoffMs(3));
    }
    for (const p of parts) this.positions.release(p.key);
    this.#handling--;
    this.#wake.notify();
  }
}
