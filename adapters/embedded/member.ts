import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { BatchControl, SourceBatch, SourceHandlers, TopicPartition } from '../../engine/index.ts';
import { toSourceBatch } from './batch.ts';
import type { GroupCoordinator, GroupMember } from './consumer-group.ts';
import { FetchPositions, tpKey } from './fetch-positions.ts';
import type { LogStorage } from './log-storage.ts';
import { Signal, Slots, waitForAny } from '../shared/signals.ts';

export interface MemberSetup {
  memberId: string;
  storage: LogStorage;
  group: GroupCoordinator;
  topics: readonly string[];
  shardOf(topic: string): string | undefined;
  maxBytesPerPartition: number;
  handlers: SourceHandlers;
  concurrency: number;
}

/** How long a rebalance waits for a member's batches in flight before dealing without it (Kafka's default). */
const REBALANCE_TIMEOUT_MS = 60_000;
/** A waiting loop looks again after this long even if no signal came (a safety net, not a poll). */
const IDLE_RECHECK_MS = 5_000;
/** Backoff after a handler threw: doubled per failure in a row, up to the maximum. */
const RETRY_INITIAL_MS = 100;
const RETRY_MAX_MS = 10_000;

/**
 * One `run()` of a RecordSource: a member of its group. Each assigned partition has its own loop;
 * a partition's next batch is fetched only after the handler returned for the previous one, and at
 * most `concurrency` batches are in the handler at once. Positions: see FetchPositions. Paused
 * partitions are not fetched; a batch holds at most `maxBytesPerPartition` bytes of records (at
 * least one record); with nothing new the loop waits for an append. A handler that throws gets its
 * unconsumed records again after a backoff. Pauses outlive rebalances (a paused partition that
 * comes back is still paused), as in Kafka clients. After `stop` the member stays in its group (it
 * is still dealt partitions) but fetches nothing.
 */
export class Member implements GroupMember {
  readonly memberId: string;
  readonly topics: readonly string[];
  #running = true;
  #generation = 0;
  #quiescing = false;
  #paused = new Set<string>();
  #positions = new FetchPositions();
  #inFlight = 0;
  #idle = new Signal();
  /** Anything that may change what a loop would fetch: seek, pause, resume, rebalance, stop. */
  #wake = new Signal();
  #stopping = new Signal();
  #slots: Slots;

  constructor(private readonly s: MemberSetup) {
    this.memberId = s.memberId;
    this.topics = s.topics;
    this.#slots = new Slots(s.concurrency);
  }

  shardOf(topic: string): string | undefined {
    return this.s.shardOf(topic);
  }

  quiesce(): Promise<void> {
    this.#quiescing = true;
    this.#wake.notify();
    return this.#whenIdle(REBALANCE_TIMEOUT_MS);
  }

  assign(generationId: number, assignment: Readonly<Record<string, number[]>>): void {
    this.#generation = generationId;
    this.#quiescing = false;
    this.#positions.forgetPositions();
    this.#wake.notify(); // the previous generation's loops see they are over and end
    if (!this.#running) return;
    const partitions = subscribedPartitions(assignment, this.topics);
    try {
      this.s.handlers.assigned(partitions);
    } catch {
      // The engine handles its own errors; a throwing listener must not stall the group's rebalance.
    }
    for (const { topic, partition } of partitions) void this.#consume(topic, partition, generationId).catch(() => {});
  }

  /** Ends every loop; resolves when no batch is in flight. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake.notify();
    this.#stopping.notify();
    await this.#whenIdle(Infinity);
  }

  seek({ topic, partition }: TopicPartition, offset: number): void {
    this.#positions.seek(tpKey(topic, partition), offset);
    this.#wake.notify();
  }

  pause(tps: readonly TopicPartition[]): void {
    for (const { topic, partition } of tps) this.#paused.add(tpKey(topic, partition));
    this.#wake.notify();
  }

  resume(tps: readonly TopicPartition[]): void {
    for (const { topic, partition } of tps) this.#paused.delete(tpKey(topic, partition));
    this.#wake.notify();
  }

  async #consume(topic: string, partition: number, generation: number): Promise<void> {
    let failures = 0;
    while (this.#current(generation)) {
      if (this.#blocked(topic, partition)) {
        await waitForAny([this.#wake], IDLE_RECHECK_MS);
        continue;
      }
      const log = this.s.storage.partition(topic, partition);
      if (this.#nextOffset(topic, partition) >= log.high) {
        await waitForAny([log.appended, this.#wake], IDLE_RECHECK_MS);
        continue;
      }
      const ok = await this.#fetch(topic, partition, generation);
      // Let timers and I/O run between fetches: a handler that consumes nothing gets its batch again
      // at once, and without this that loop would never leave the microtask queue.
      await nextMacrotask();
      failures = ok ? 0 : failures + 1;
      if (failures > 0) await waitForAny([this.#stopping], Math.min(RETRY_INITIAL_MS * 2 ** (failures - 1), RETRY_MAX_MS));
    }
  }

  /** Fetches one batch and hands it to the handler; false when the handler threw. */
  async #fetch(topic: string, partition: number, generation: number): Promise<boolean> {
    await this.#slots.acquire();
    this.#inFlight++;
    try {
      // Anything may have changed while waiting for a slot (a seek, a pause, a rebalance, stop).
      if (!this.#current(generation) || this.#blocked(topic, partition)) return true;
      const log = this.s.storage.partition(topic, partition);
      const records = log.read(this.#nextOffset(topic, partition), this.s.maxBytesPerPartition);
      if (records.length === 0) return true;
      return await this.#deliver(toSourceBatch(topic, partition, records, log.high), generation);
    } finally {
      this.#slots.release();
      if (--this.#inFlight === 0) this.#idle.notify();
    }
  }

  async #deliver(batch: SourceBatch, generation: number): Promise<boolean> {
    const key = tpKey(batch.topic, batch.partition);
    const control: BatchControl = {
      current: () => this.#current(generation) && !this.#positions.seekPending(key),
      consumedThrough: (offset) => {
        // A batch of an ended generation must not move the new generation's position.
        if (this.#generation === generation) this.#positions.consumedThrough(key, Number(offset));
      },
      heartbeat: async () => {}, // members live in this process: none goes silent
    };
    try {
      await this.s.handlers.batch(batch, control);
      return true;
    } catch {
      return false;
    }
  }

  #nextOffset(topic: string, partition: number): number {
    const { low, high } = this.s.storage.partition(topic, partition);
    return this.#positions.next(tpKey(topic, partition), this.s.group.committed(topic, partition), low, high);
  }

  #blocked(topic: string, partition: number): boolean {
    return this.#quiescing || this.#paused.has(tpKey(topic, partition));
  }

  #current(generation: number): boolean {
    return this.#running && this.#generation === generation;
  }

  async #whenIdle(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.#inFlight > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      await waitForAny([this.#idle], left);
    }
  }
}

/** The assigned partitions of subscribed topics, in topic then partition order. */
function subscribedPartitions(assignment: Readonly<Record<string, number[]>>, topics: readonly string[]): TopicPartition[] {
  const out: TopicPartition[] = [];
  for (const topic of [...topics].sort()) {
    for (const partition of [...(assignment[topic] ?? [])].sort((a, b) => a - b)) out.push({ topic, partition });
  }
  return out;
}
