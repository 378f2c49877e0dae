import type { OutboxRelay } from './outbox-relay.ts';
import type { ProcessorObserver } from './observer.ts';
import type { Owned } from './owned-shard.ts';
import type { RecordSource } from './record-source.ts';
import type { PassivationPolicy } from './shard/residency.ts';
import type { CheckpointStore } from '../store/index.ts';
import { checkpointShard, takeDelta, type CommittedShard, type Taken } from './checkpoint-shard.ts';
import { commitTogether, splitGroups, type GroupOutcome } from './checkpoint-group.ts';
import { CommittedOutboxRelay, commitOwedGroupOffsets } from './checkpoint-publish.ts';
import { SingleFlight } from './single-flight.ts';

/** What the checkpointer needs from its processor. */
export interface CheckpointerContext {
  store: CheckpointStore;
  relay: OutboxRelay;
  source: Pick<RecordSource, 'commit'>;
  observer: ProcessorObserver;
  passivation: PassivationPolicy;
  /** Shards committed at once (at most the Postgres pool size). */
  parallelism: number;
  /** Commit shards in group transactions where the store can (engine/checkpoint-group.ts). */
  groupCommit?: boolean;
  /** A shard paused by backpressure stays paused while it holds more uncommitted records than this. */
  maxUncommitted: number;
  log: (line: string) => void;
  /** The shards held now. */
  shards(): [string, Owned][];
  /**
   * Shards a pass commits (and so relays) before the others: those whose clocks shards merging in
   * event time wait for (engine/event-time-plan.ts). Their next clock goes out with their relay,
   * so committing them first shortens what a merged input waits; the order is otherwise free.
   */
  commitFirst?(o: Owned): boolean;
  /** True while `o` is still the processor's holding of shard `id` (not retired or replaced). */
  isCurrent(id: string, o: Owned): boolean;
  retire(id: string): Promise<void>;
  /** Takes a retired shard back at once (fresh epoch, restored from Postgres), if it is still assigned. */
  reacquire(id: string): Promise<unknown>;
  resume(o: Owned): void;
  /** A fenced shard is not ours in this generation: forget it until the next rebalance. */
  dropAssignment(id: string): void;
  /** Marks whether a shard is to be restored recording its inputs (after Postgres refused its data). */
  recordInputsOf(id: string, on: boolean): void;
}

export interface Checkpointer {
  /**
   * One pass over the shards held, `parallelism` at a time; a call during a pass queues one more.
   * Resolves once the pass's commits are durable and everything they committed is published
   * (relayed, its offsets committed to Kafka): what a rebalance and a stop need.
   */
  checkpointAll(): Promise<void>;
  /**
   * The same pass, resolved as soon as its commits are durable: publishing goes on behind it. What
   * the schedule runs (engine/checkpoint-schedule.ts), so the next pass waits for Postgres only,
   * not for Kafka's round trips. A shard still publishing when the next pass starts is taken once
   * it is done, after the others.
   */
  commitAll(): Promise<void>;
}

/**
 * Per shard: take the worker's delta, commit it in ONE fenced transaction (with group commit on,
 * shared with other dirty shards of the pass: engine/checkpoint-group.ts), then (only after the
 * commit) report it, resume a shard paused by backpressure, relay its outbox and let idle entities
 * leave memory; after the pass, the offsets of every shard go to Kafka for lag tools in one
 * commit. A failed commit drops the shard's in-memory state (the delta is gone, so memory no
 * longer matches Postgres): the next batch restores it, unless the failure was a fence, in which
 * case the shard belongs to someone else.
 * The per-shard steps are in checkpoint-shard.ts; what is here is when and how many at once.
 */
export function createCheckpointer(ctx: CheckpointerContext): Checkpointer {
  const relay = new CommittedOutboxRelay(ctx.relay, ctx.observer, ctx.log);
  const checkpointOne = (id: string, o: Owned, taken: Promise<Taken>, group?: GroupOutcome): Promise<CommittedShard> =>
    checkpointShard(ctx, relay, id, o, taken, group);
  const publishing = new Publishing();
  const groupOffsets = new SingleFlight(() => commitOwedGroupOffsets(ctx, ctx.shards()));
  /** The group offsets of the last pass, committed to Kafka once its shards are published. */
  let offsetsPaid: Promise<void> = Promise.resolve();

  // One pass at a time. A request during a pass (a shard paused by backpressure, a rebalance)
  // gets a second pass right after, not a wait for the next interval.
  const passes = new SingleFlight(async () => {
    // A shard still publishing its last commit is taken only once that is done (its relay,
    // passivation or quarantine restore must see no newer delta: checkpoint-shard.ts
    // publishStep), and so goes last, not to hold up a lane. Left to the next pass instead, it
    // would wait a whole interval more.
    const shards = inCommitOrder(ctx);
    const ordered = [...shards.filter(([id]) => !publishing.of(id)), ...shards.filter(([id]) => publishing.of(id))];
    const published = await checkpointInLanes(ctx, ordered, checkpointOne, (id) => publishing.of(id));
    for (const [id, done] of published) publishing.add(id, done);
    // For lag tools only (Postgres keeps the truth): paid once what the pass committed is out.
    if (published.size > 0) offsetsPaid = Promise.all(published.values()).then(() => groupOffsets.run());
  });
  const commitAll = () => passes.run();

  return {
    commitAll,
    async checkpointAll() {
      await commitAll();
      await publishing.settled();
      await offsetsPaid;
    },
  };
}

/** Shards whose last commit is still being published, and when that is done. */
class Publishing {
  private readonly byShard = new Map<string, Promise<void>>();

  /** When shard `id`'s publishing under way is done (undefined: none is). */
  of(id: string): Promise<void> | undefined {
    return this.byShard.get(id);
  }

  add(id: string, done: Promise<void>): void {
    const tracked: Promise<void> = done.finally(() => {
      if (this.byShard.get(id) === tracked) this.byShard.delete(id);
    });
    this.byShard.set(id, tracked);
  }

  /** Every publish under way now, and any added meanwhile, is done. */
  async settled(): Promise<void> {
    while (this.byShard.size > 0) await Promise.all(this.byShard.values());
  }
}

/** The shards held, those to commit first (`commitFirst`) ahead of the rest, each part in its own order. */
function inCommitOrder(ctx: CheckpointerContext): [string, Owned][] {
  const shards = ctx.shards();
  const first = ctx.commitFirst;
  if (!first) return shards;
  return [...shards.filter(([, o]) => first(o)), ...shards.filter(([, o]) => !first(o))];
}

/**
 * One pass. With group commit on (and a store that can commit several shards in one transaction)
 * the shards are split in groups of about SHARDS_PER_GROUP (engine/checkpoint-group.ts); otherwise
 * each is a group of its own. Groups commit `parallelism` at a time, each lane taking the next group as soon as its last
 * one is committed — and publishing (relay, passivation) starts for a group's shards as soon as it
 * is, while other groups still commit. Resolves once every group is committed, to each committed
 * shard's publishing.
 */
async function checkpointInLanes(
  ctx: CheckpointerContext,
  shards: [string, Owned][],
  checkpointOne: (id: string, o: Owned, taken: Promise<Taken>, group?: GroupOutcome) => Promise<CommittedShard>,
  stillPublishing: (id: string) => Promise<void> | undefined,
): Promise<Map<string, Promise<void>>> {
  const { parallelism, log } = ctx;
  // Every delta of the pass is asked for at once: in a shard worker the takes then wait once
  // behind the batches already posted, instead of each behind those posted while earlier shards
  // committed. A delta waits in memory for its lane; what is applied meanwhile goes to the next pass.
  const taken = new Map(shards.map(([id, o]) => [id, stillPublishing(id)?.then(() => takeDelta(ctx, id, o)) ?? takeDelta(ctx, id, o)]));
  // Groups commit in parallel (each its own transaction, on its own pooled connection): one
  // after another, a record's wait for durability grew with the number of shards held.
  const groups = ctx.groupCommit && ctx.store.commitGroup ? splitGroups(shards, parallelism) : shards.map((s) => [s]);
  let next = 0;
  const published = new Map<string, Promise<void>>();
  const lane = async () => {
    while (next < groups.length) {
      const group = groups[next++]!;
      // The group's dirty shards in one transaction; what it did not end (refused before it
      // landed, or left out of it) commits on its own below.
      const outcomes = await commitTogether(ctx, group, taken);
      for (const [id, o] of group) {
        const failed = (e: unknown) => log(`checkpoint of ${id} failed: ${(e as Error).message}`);
        try {
          published.set(id, (await checkpointOne(id, o, taken.get(id)!, outcomes.get(id))).published.catch(failed));
        } catch (e) {
          failed(e);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, groups.length) }, lane));
  // Committed; each shard's publishing goes on (relays stay in order by themselves: one relay at
  // a time, engine/outbox-relay.ts). A later pass takes a shard's next delta only once its
  // publishing is done (`stillPublishing`).
  return published;
}
