import type { ShardOutboxRow } from '../store/index.ts';
import type { Owned } from './owned-shard.ts';
import type { TextMessage } from './shard/record-batch.ts';
import { ORIGIN_HEADER, SEQ_HEADER } from './shard/records.ts';
import { shardId } from './shard-id.ts';
import { tpKey } from './topic-partition.ts';

/**
 * Actor → actor messages between two shards of this process, handed over in memory instead of
 * through Kafka (issue #19; the argument is in docs/local-messages.md).
 *
 * The relay reads an origin's committed outbox rows as before. A row whose receiver shard is held
 * here is not published: it is queued for that shard, which applies it like a fetched inbox record
 * (same checks, same per-origin dedup) and whose next checkpoint deletes the row, atomically with
 * its inbox position. Until then the row is the durable copy: a crash, a rebalance or a fenced
 * commit loses only memory, and whoever holds the shards next is handed (or sent) the row again.
 *
 * Receivers keep only the highest sequence applied per origin, which is exact only if an origin's
 * messages reach a receiver in sequence order. Two paths could break that; these rules keep it
 * (with two more in the relay: it hands over only what it decided on the shards held now, see
 * `generation`, and only rows of origins this process owns by Postgres):
 * - **Barrier.** Before applying the first memory message of an origin (per origin incarnation and
 *   receiver incarnation), the receiver reads its inbox partition up to the end offset measured
 *   after every earlier Kafka publish of that origin (the relay publishes before it hands over, and
 *   one relay runs at a time). Anything the origin sent by Kafka before is applied first.
 * - **Back to Kafka, in order.** When a receiver is given up here, the cursors reset and every held
 *   origin relays again: rows it handed over that the receiver did not commit are still pending,
 *   oldest first, so they reach the next owner's inbox before anything newer of that origin.
 * - **A new incarnation starts over.** An origin acquired here (a new epoch) reads its pending rows
 *   from the start and sets up new barriers; its rows queued under an older epoch are dropped (they
 *   are pending, and read again).
 * Alerts, dead letters and messages to shards held elsewhere take Kafka as before.
 */
export interface LocalDeliveryDeps {
  /** The shard `id` held here and running, if it is. */
  held(id: string): Owned | undefined;
  /** The actor type whose inbox `topic` is, if it is an inbox topic. */
  receiverTypeOf(topic: string): string | undefined;
  inboxTopicOf(type: string): string;
  partitionsOf(type: string): number | undefined;
  partitionOf(key: string, partitionCount: number): number;
  /** End offsets of `topic`'s partitions now (the barrier). */
  endOffsets(topic: string): Promise<{ partition: number; high: number }[]>;
  /**
   * Applies memory records to `o`; resolves to how many of each origin's records (a prefix of
   * them) it took, undefined when it could not.
   */
  apply(o: Owned, topic: string, records: TextMessage[]): Promise<ReadonlyMap<string | undefined, number> | undefined>;
  /** `records` rows were queued for `receiver`. */
  handedOver?(receiver: string, records: number): void;
  /**
   * Relays `origin` again, if it is still held here (rows handed to a receiver that left go out by
   * Kafka); a failure is retried here, since a quiet origin may commit nothing that would relay it.
   */
  relayAgain(origin: string): Promise<unknown>;
  log(line: string): void;
}

/** What a shard held here receives in memory, per origin, and when it may apply it. */
export interface MemoryInbox {
  queues: Map<string, OriginQueue>;
  /** Records queued over every origin (bounded by MAX_QUEUED). */
  size: number;
  /** Origins whose rows were left pending because the queue was full: relayed again once it drains. */
  starved: Set<string>;
  draining?: Promise<void>;
  retry?: ReturnType<typeof setTimeout>;
  /** Drains in a row that applied nothing (records wait for the source partition): the retry backs off. */
  idleDrains: number;
}

interface OriginQueue {
  /** The origin's epoch its rows were handed over under. */
  epoch: number;
  records: TextMessage[];
  /** Highest seq handed over (rows at or below it are not queued twice). */
  handedUpTo: number;
  /** The inbox offset this receiver must have applied before these may be; undefined while measured. */
  barrier?: number;
  /** The last offer stopped at this origin's first record (it waits for the source partition): offered after the others. */
  headWaits?: boolean;
}

const MAX_QUEUED = 20_000;
/** Records offered per drain: an apply that takes none (waiting for the source partition) costs a bounded pack and decode. */
const MAX_OFFERED = 4_096;
const RETRY_MS = 20;
/** The longest wait between offers while nothing is taken; a fetched batch of the shard drains it sooner (the `applied` hook). */
const MAX_RETRY_MS = 500;

export class LocalDelivery {
  /** Per origin: rows up to this seq are handled (published, or handed to a receiver held now). */
  readonly cursors = new Map<string, number>();
  /**
   * Bumped whenever a shard is taken or given up here. A relay reads it before its rows and hands
   * over only if it is unchanged after its awaits: receivers and origin epochs are then still the
   * ones it sorted the rows by (engine/outbox-relay.ts).
   */
  generation = 0;
  /** Rows queued for a receiver since start (a row handed again after a reset counts again). */
  handed = 0;
  #stopped = false;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly deps: LocalDeliveryDeps) {}

  /** The receiver shard of an outbox row, when it is an inbox message to a shard held here. */
  receiverOf(row: Pick<ShardOutboxRow, 'topic' | 'key'>): Owned | undefined {
    const type = this.deps.receiverTypeOf(row.topic);
    if (type === undefined) return undefined;
    const n = this.deps.partitionsOf(type);
    if (n === undefined) return undefined;
    return this.deps.held(shardId(type, this.deps.partitionOf(row.key, n)));
  }

  /**
   * Queues `rows` (one origin's, oldest first, all for `o`) for `o`; false for a row it could not
   * take (the queue is full): that row and the origin's later ones stay pending.
   */
  handOver(o: Owned, origin: string, originEpoch: number, rows: readonly ShardOutboxRow[]): boolean {
    const inbox = (o.memoryInbox ??= { queues: new Map(), size: 0, starved: new Set(), idleDrains: 0 });
    let q = inbox.queues.get(origin);
    if (q && q.epoch !== originEpoch) {
      inbox.size -= q.records.length;
      q = undefined;
    }
    if (!q) {
      q = { epoch: originEpoch, records: [], handedUpTo: 0 };
      inbox.queues.set(origin, q);
      this.#measureBarrier(o, q);
    }
    let queued = 0;
    let all = true;
    for (const r of rows) {
      if (r.seq <= q.handedUpTo) continue;
      if (inbox.size >= MAX_QUEUED) {
        inbox.starved.add(origin);
        all = false;
        break;
      }
      q.records.push(memoryRecord(r));
      q.handedUpTo = r.seq;
      inbox.size++;
      queued++;
    }
    if (queued > 0) {
      this.handed += queued;
      this.deps.handedOver?.(o.id, queued);
    }
    void this.drain(o);
    return all;
  }

  /** Offers `o`'s queued records whose barrier has passed; one attempt at a time per shard. */
  drain(o: Owned): Promise<void> {
    const inbox = o.memoryInbox;
    if (!inbox || inbox.size === 0 || this.#stopped) return Promise.resolve();
    inbox.draining ??= this.#drainOnce(o, inbox).finally(() => {
      inbox.draining = undefined;
    });
    return inbox.draining;
  }

  /**
   * `o` is given up here (as a receiver, and as an origin). What it was handed but did not commit
   * is still in its origins' outboxes, and now goes out by Kafka to its next owner. Every origin is
   * read from the start again.
   */
  receiverGone(o: Owned): void {
    this.generation++;
    const inbox = o.memoryInbox;
    if (!inbox) return;
    clearTimeout(inbox.retry);
    const origins = [...inbox.queues.keys()];
    o.memoryInbox = undefined;
    this.cursors.clear();
    this.#relayAgain(origins);
  }

  /** An origin acquired here reads its outbox from the start (a new incarnation, new barriers). */
  originAcquired(origin: string): void {
    this.generation++;
    this.cursors.delete(origin);
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  async #drainOnce(o: Owned, inbox: MemoryInbox): Promise<void> {
    if (this.#stopped || this.deps.held(o.id) !== o || o.memoryInbox !== inbox) return;
    const inboxTp = tpKey(this.deps.inboxTopicOf(o.actor.type), o.partition);
    const applied = o.next.get(inboxTp) ?? 0;
    // Origins whose barrier has passed, each in sequence order; origins still behind theirs wait.
    // An origin whose first record waited last time comes after the others: a record that waits
    // holds up its own origin only (engine/memory-taken.ts), so it must not fill the offer. It is
    // offered whole, not its first record alone: once that passes, the rest would wait for
    // another drain, a round trip behind the batches queued in the shard's worker (in a 300k
    // backlog, messages' p99 to durable rose ~20% that way).
    const ready: Offered[] = [];
    const records: TextMessage[] = [];
    for (const waiting of [false, true]) {
      for (const [origin, q] of inbox.queues) {
        if (q.records.length === 0 || q.barrier === undefined || applied < q.barrier || (q.headWaits === true) !== waiting) continue;
        const offered = Math.min(q.records.length, MAX_OFFERED - records.length);
        if (offered === 0) break;
        ready.push({ origin, q, offered });
        for (let i = 0; i < offered; i++) records.push(q.records[i]!);
      }
    }
    if (records.length > 0) {
      const taken = await this.deps.apply(o, this.deps.inboxTopicOf(o.actor.type), records);
      if (taken !== undefined && o.memoryInbox === inbox) this.#dropTaken(inbox, ready, taken);
      const tookAny = taken !== undefined && [...taken.values()].some((n) => n > 0);
      inbox.idleDrains = tookAny ? 0 : inbox.idleDrains + 1;
    }
    if (inbox.starved.size > 0 && inbox.size <= MAX_QUEUED / 2) {
      const starved = [...inbox.starved];
      inbox.starved.clear();
      for (const origin of starved) this.cursors.delete(origin);
      this.#relayAgain(starved);
    }
    this.#scheduleRetry(o, inbox);
  }

  /**
   * Removes from each origin's queue the prefix the shard took of it. A queue replaced meanwhile
   * (the origin's new epoch: handOver took its records out of the count already) is left alone.
   */
  #dropTaken(inbox: MemoryInbox, ready: readonly Offered[], taken: ReadonlyMap<string | undefined, number>): void {
    for (const { origin, q, offered } of ready) {
      if (inbox.queues.get(origin) !== q) continue;
      const n = Math.min(taken.get(origin) ?? 0, offered);
      // Not all taken: the shard stopped this origin at the record now first in its queue.
      q.headWaits = n < offered;
      q.records.splice(0, n);
      inbox.size -= n;
    }
  }

  /** While records wait (for a barrier or for the source partition), they are offered again, less often the longer nothing is taken. */
  #scheduleRetry(o: Owned, inbox: MemoryInbox): void {
    if (inbox.retry || inbox.size === 0 || this.#stopped) return;
    inbox.retry = setTimeout(() => {
      inbox.retry = undefined;
      void this.drain(o);
    }, Math.min(MAX_RETRY_MS, RETRY_MS * 2 ** inbox.idleDrains));
  }

  #relayAgain(origins: readonly string[]): void {
    for (const origin of origins) {
      this.deps.relayAgain(origin).catch((e) => {
        if (this.#stopped) return;
        this.deps.log(`relay of ${origin} after a receiver left failed (${(e as Error).message}); retried in 1 s`);
        this.#later(() => this.#relayAgain([origin]), 1_000);
      });
    }
  }

  #later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
  }

  #measureBarrier(o: Owned, q: OriginQueue): void {
    if (this.#stopped || this.deps.held(o.id) !== o) return;
    const topic = this.deps.inboxTopicOf(o.actor.type);
    this.deps.endOffsets(topic).then(
      (ends) => {
        const end = ends.find((e) => e.partition === o.partition)?.high;
        if (end === undefined) return this.#measureAgain(o, q, `no end offset for partition ${o.partition}`);
        q.barrier = end;
        void this.drain(o);
      },
      (e) => this.#measureAgain(o, q, (e as Error).message),
    );
  }

  #measureAgain(o: Owned, q: OriginQueue, why: string): void {
    if (this.#stopped || this.deps.held(o.id) !== o) return;
    this.deps.log(`${o.id}: reading its inbox end offset failed (${why}); retried`);
    this.#later(() => this.#measureBarrier(o, q), 500);
  }
}

/** What one drain offered of an origin's queue. */
interface Offered {
  origin: string;
  q: OriginQueue;
  offered: number;
}

/** An outbox row as the record its receiver applies: the relay's headers, no Kafka offset. */
function memoryRecord(r: ShardOutboxRow): TextMessage {
  return {
    offset: '-1',
    key: r.key,
    value: r.value,
    timestamp: String(Date.now()),
    headers: { ...r.headers, [ORIGIN_HEADER]: r.shard, [SEQ_HEADER]: String(r.seq) },
  };
}
