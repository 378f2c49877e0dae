import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { ConsumerConfig, EachBatchHandler, EachMessageHandler, Offsets, OffsetsByTopicPartition, TopicPartitionOffset } from 'kafkajs';
import { createBatch } from './batch.ts';
import type { GroupCoordinator, GroupMember, MemberGeneration } from './consumer-group.ts';
import { CONSUMER_EVENTS as EV, type Emitter } from './consumer-events.ts';
import { toMessage, type LogStorage, type StoredRecord } from './log-storage.ts';
import { PauseState } from './pause-state.ts';
import { Signal, Slots, waitForAny } from './signals.ts';

export interface MemberSetup {
  memberId: string;
  storage: LogStorage;
  group: GroupCoordinator;
  config: ConsumerConfig;
  /** Subscribed topic → fromBeginning. */
  subscriptions: ReadonlyMap<string, boolean>;
  handlers: { eachBatch?: EachBatchHandler; eachMessage?: EachMessageHandler; autoCommit: boolean; eachBatchAutoResolve: boolean; concurrency: number };
  emitter: Emitter;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One `run()` of a consumer: a member of its group, with kafkajs's fetch semantics. Each assigned
 * partition has its own loop; a partition's next batch is fetched only after the handler returned
 * for the previous one. The fetch position starts at the group's committed offset (else earliest
 * with `fromBeginning`, latest without), moves to `offset + 1` when an offset is resolved (and may
 * move back, as in kafkajs), and is overridden by a pending `seek` at the next fetch; while a seek
 * is pending the batch in flight is stale. Paused partitions are not fetched; a batch holds at most
 * `maxBytesPerPartition` bytes of records (at least one record); with nothing new the loop waits
 * for an append, with `maxWaitTimeInMs` as a fallback. At most `partitionsConsumedConcurrently`
 * batches are in a handler at once.
 *
 * Deviations from kafkajs: a handler that throws has its unresolved records delivered again after
 * a backoff (kafkajs retries, then restarts the consumer and rejoins); CRASH is emitted with
 * `restart: true` each time. `heartbeat()` never reports a rebalance: the group waits for batches
 * in flight instead of failing them.
 */
export class Member implements GroupMember {
  readonly memberId: string;
  readonly paused = new PauseState();
  #running = true;
  #generation = 0;
  #assignment: Record<string, number[]> = {};
  #quiescing = false;
  #positions = new Map<string, number>();
  #seeks = new Map<string, string>();
  #inFlight = 0;
  #idle = new Signal();
  #wake = new Signal();
  #stopping = new Signal();
  #slots: Slots;

  constructor(private readonly s: MemberSetup) {
    this.memberId = s.memberId;
    this.#slots = new Slots(s.handlers.concurrency);
  }

  get running(): boolean {
    return this.#running;
  }

  subscribedTopics(): string[] {
    return [...this.s.subscriptions.keys()];
  }

  partitionAssigner() {
    return this.s.config.partitionAssigners?.[0];
  }

  quiesce(): Promise<void> {
    this.#quiescing = true;
    this.#wake.notify();
    if (this.#generation > 0) this.s.emitter.emit(EV.REBALANCING, { groupId: this.s.group.groupId, memberId: this.memberId });
    return this.#whenIdle(this.s.config.rebalanceTimeout ?? 60_000);
  }

  assign(g: MemberGeneration): void {
    if (!this.#running) return;
    const assignment: Record<string, number[]> = {};
    for (const [topic, partitions] of Object.entries(g.assignment)) {
      // kafkajs drops assigned topics it did not subscribe to (RECEIVED_UNSUBSCRIBED_TOPICS)
      if (this.s.subscriptions.has(topic)) assignment[topic] = [...partitions].sort((a, b) => a - b);
    }
    this.#generation = g.generationId;
    this.#assignment = assignment;
    this.#positions.clear(); // a new generation starts from committed offsets, as kafkajs's new OffsetManager does
    this.#quiescing = false;
    this.s.emitter.emit(EV.GROUP_JOIN, {
      groupId: this.s.group.groupId, memberId: this.memberId, leaderId: g.leaderId, isLeader: g.leaderId === this.memberId,
      memberAssignment: assignment, groupProtocol: g.groupProtocol, duration: Date.now() - g.startedAt,
    });
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const p of partitions) void this.#consume(topic, p, g.generationId);
    }
    this.#wake.notify(); // the previous generation's loops see they are over and end
  }

  /** Ends every loop; resolves when no batch is in flight. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake.notify();
    this.#stopping.notify();
    await this.#whenIdle(Infinity);
  }

  seek(topic: string, partition: number, offset: string): void {
    this.#seeks.set(`${topic}:${partition}`, offset);
    this.#wake.notify();
  }

  pause(topicPartitions: { topic: string; partitions?: number[] }[]): void {
    this.paused.pause(topicPartitions);
    this.#wake.notify();
  }

  resume(topicPartitions: { topic: string; partitions?: number[] }[]): void {
    this.paused.resume(topicPartitions);
    this.#wake.notify();
  }

  /** Stores offsets as the group's committed offsets (a no-op once stopped, as in kafkajs). */
  commit(offsets: readonly TopicPartitionOffset[]): void {
    if (!this.#running || offsets.length === 0) return;
    const topics = new Map<string, { partition: number; offset: string }[]>();
    for (const { topic, partition, offset } of offsets) {
      this.s.group.commit(topic, partition, Number(offset));
      if (!topics.has(topic)) topics.set(topic, []);
      topics.get(topic)!.push({ partition, offset: String(offset) });
    }
    this.s.emitter.emit(EV.COMMIT_OFFSETS, {
      groupId: this.s.group.groupId, memberId: this.memberId, groupGenerationId: this.#generation,
      topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
    });
  }

  /** Resolved positions of the current assignment that differ from the committed offsets. */
  uncommittedOffsets(): OffsetsByTopicPartition {
    const topics = Object.entries(this.#assignment).map(([topic, partitions]) => ({
      topic,
      partitions: partitions
        .filter((p) => this.#positions.has(`${topic}:${p}`) && this.#positions.get(`${topic}:${p}`) !== this.s.group.committed(topic, p))
        .map((partition) => ({ partition, offset: String(this.#positions.get(`${topic}:${partition}`)) })),
    }));
    return { topics: topics.filter((t) => t.partitions.length > 0) };
  }

  async #consume(topic: string, partition: number, generation: number): Promise<void> {
    const { storage, config } = this.s;
    const appended = storage.appended(topic, partition);
    const maxWait = config.maxWaitTimeInMs ?? 5000;
    const maxBytes = config.maxBytesPerPartition ?? 1_048_576;
    let failures = 0;
    while (this.#current(generation)) {
      if (this.#quiescing || this.paused.isPaused(topic, partition)) {
        await waitForAny([this.#wake], maxWait);
        continue;
      }
      if (this.#position(topic, partition) >= storage.offsets(topic, partition).high) {
        await waitForAny([appended, this.#wake], maxWait);
        continue;
      }
      await this.#slots.acquire();
      this.#inFlight++;
      let ok = true;
      try {
        // Anything may have changed while waiting for a slot (a seek, a pause, a rebalance, stop).
        if (!this.#current(generation) || this.#quiescing || this.paused.isPaused(topic, partition)) continue;
        const from = this.#position(topic, partition);
        const high = storage.offsets(topic, partition).high;
        const records = storage.read(topic, partition, from, maxBytes);
        if (records.length > 0) ok = await this.#deliver(topic, partition, generation, records, high);
      } finally {
        this.#slots.release();
        if (--this.#inFlight === 0) this.#idle.notify();
      }
      // Let timers and I/O run between fetches: a handler that resolves nothing gets its batch again
      // at once (as from a broker), and without this that loop would never leave the microtask queue.
      await nextMacrotask();
      failures = ok ? 0 : failures + 1;
      if (failures > 0) {
        const initial = config.retry?.initialRetryTime ?? 300;
        await waitForAny([this.#stopping], Math.min(initial * 2 ** (failures - 1), config.retry?.maxRetryTime ?? 30_000));
      }
    }
  }

  async #deliver(topic: string, partition: number, generation: number, records: StoredRecord[], high: number): Promise<boolean> {
    const key = `${topic}:${partition}`;
    const { eachBatch, eachMessage, autoCommit, eachBatchAutoResolve } = this.s.handlers;
    const batch = createBatch(topic, partition, records.map(toMessage), high);
    // A batch of an ended generation must not move the new generation's position.
    const resolveOffset = (offset: string) => {
      if (this.#generation === generation) this.#positions.set(key, Number(offset) + 1);
    };
    const pause = () => {
      this.pause([{ topic, partitions: [partition] }]);
      return () => this.resume([{ topic, partitions: [partition] }]);
    };
    const heartbeat = async () => {};
    const info = {
      topic, partition, highWatermark: batch.highWatermark, offsetLag: batch.offsetLag(), offsetLagLow: batch.offsetLagLow(),
      batchSize: records.length, firstOffset: batch.firstOffset(), lastOffset: batch.lastOffset(),
    };
    const started = Date.now();
    this.s.emitter.emit(EV.START_BATCH_PROCESS, info);
    try {
      if (eachBatch) {
        await eachBatch({
          batch, resolveOffset, heartbeat, pause,
          commitOffsetsIfNecessary: async (offsets?: Offsets) => {
            if (offsets) this.commit(offsets.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, ...p }))));
            else if (autoCommit) this.#commitResolved();
          },
          uncommittedOffsets: () => this.uncommittedOffsets(),
          isRunning: () => this.#running,
          isStale: () => this.#seeks.has(key) || this.#generation !== generation,
        });
        if (eachBatchAutoResolve) resolveOffset(batch.lastOffset());
      } else if (eachMessage) {
        for (const message of batch.messages) {
          if (!this.#running || this.#seeks.has(key)) break;
          await eachMessage({ topic, partition, message, heartbeat, pause });
          resolveOffset(message.offset);
          if (this.paused.isPaused(topic, partition)) break;
        }
      }
      this.s.emitter.emit(EV.END_BATCH_PROCESS, { ...info, duration: Date.now() - started });
      if (autoCommit) this.#commitResolved();
      return true;
    } catch (error) {
      if (autoCommit) this.#commitResolved();
      this.s.emitter.emit(EV.CRASH, { error, groupId: this.s.group.groupId, restart: true });
      return false;
    }
  }

  /**
   * The fetch position of a partition: a pending seek first (-1 latest, -2 earliest; committed too
   * when autoCommit is on, as kafkajs does), else the resolved position, else the group's committed
   * offset, else the subscription's default. Out of range resets to the default and commits it,
   * like kafkajs recovering from OFFSET_OUT_OF_RANGE.
   */
  #position(topic: string, partition: number): number {
    const key = `${topic}:${partition}`;
    const { low, high } = this.s.storage.offsets(topic, partition);
    const fallback = this.s.subscriptions.get(topic) ? low : high;
    const sought = this.#seeks.get(key);
    if (sought !== undefined) {
      this.#seeks.delete(key);
      const offset = sought === '-1' ? high : sought === '-2' ? low : Number(sought);
      this.#positions.set(key, offset);
      if (this.s.handlers.autoCommit) this.s.group.commit(topic, partition, offset);
    }
    let position = this.#positions.get(key) ?? this.s.group.committed(topic, partition) ?? fallback;
    if (position < low || position > high) {
      position = fallback;
      this.s.group.commit(topic, partition, position);
    }
    this.#positions.set(key, position);
    return position;
  }

  #commitResolved(): void {
    this.commit(this.uncommittedOffsets().topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, ...p }))));
  }

  #current(generation: number): boolean {
    return this.#running && this.#generation === generation;
  }

  async #whenIdle(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.#inFlight > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      await waitForAny([this.#idle], Math.min(left, MAX_TIMER_MS));
    }
  }
}
