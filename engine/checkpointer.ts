import type { OutboxRelay } from './outbox-relay.ts';
import { ShardFenced } from '../store/shard-fenced.ts';
import type { ProcessorObserver } from './observer.ts';
import type { Owned } from './owned-shard.ts';
import type { RecordSource } from './record-source.ts';
import type { PassivationPolicy } from './shard/residency.ts';
import { DLQ_HEADERS } from './shard/records.ts';
import type { ShardDelta } from './shard/shard.ts';
import { isDataError, type Checkpoint, type CheckpointStore } from '../store/index.ts';
import { refusedKeys, withoutUnstorable } from './checkpoint-isolation.ts';

/** What the checkpointer needs from its processor. */
export interface CheckpointerContext {
  store: CheckpointStore;
  relay: OutboxRelay;
  source: Pick<RecordSource, 'commit'>;
  observer: ProcessorObserver;
  passivation: PassivationPolicy;
  /** Shards committed at once (at most the Postgres pool size). */
  parallelism: number;
  log: (line: string) => void;
  /** The shards held now. */
  shards(): [string, Owned][];
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
  /** One pass over the shards held, `parallelism` at a time; a call during a pass queues one more. */
  checkpointAll(): Promise<void>;
}

/**
 * Per shard: take the worker's delta, commit it in ONE fenced transaction, then (only after the
 * commit) report it, resume a shard paused by backpressure, relay its outbox, commit its offsets
 * to Kafka for lag tools, and let idle entities leave memory. A failed commit drops the shard's
 * in-memory state (the delta is gone, so memory no longer matches Postgres): the next batch
 * restores it, unless the failure was a fence, in which case the shard belongs to someone else.
 */
export function createCheckpointer(ctx: CheckpointerContext): Checkpointer {
  const { store, relay, source, observer, log } = ctx;
  // Shards whose committed outbox could not be relayed: retried every pass, dirty or not, so a quiet
  // partition's reserves and alerts do not wait for its next input.
  const relayPending = new Set<string>();
  let pass: Promise<void> | undefined;

  async function relayShard(id: string): Promise<void> {
    try {
      const records = await relay.flush(id);
      relayPending.delete(id);
      if (records > 0) observer.relayed?.({ shard: id, records });
    } catch (e) {
      relayPending.add(id);
      log(`relay of ${id} deferred: ${(e as Error).message}`);
    }
  }

  async function checkpointShard(id: string, o: Owned): Promise<void> {
    const delta = await o.host.takeDelta(id).catch(() => null);
    if (!delta) {
      // Records skipped below the stored offset count as uncommitted but never make a delta: a
      // shard paused for them would otherwise stay paused.
      o.uncommitted = 0;
      if (o.paused && ctx.isCurrent(id, o)) ctx.resume(o);
      if (relayPending.has(id)) await relayShard(id);
      return;
    }
    const appendTimes = o.appendTimes;
    const traced = o.traced;
    o.appendTimes = [];
    o.traced = [];
    o.uncommitted = 0;
    const started = performance.now();
    let cp: Checkpoint = { shard: id, epoch: o.epoch, ...delta };
    let quarantined: string[] = [];
    try {
      await store.commit(cp);
    } catch (e) {
      if (isDataError(e) && !o.recordsInputs) {
        // The same rows will fail again when the shard replays them. Restore it recording its
        // inputs, so that failure can be isolated without losing the refused entities' inputs.
        ctx.recordInputsOf(id, true);
        log(`checkpoint of ${id} failed with a data error (${(e as Error).message}); restoring it to isolate the rows on replay`);
        await failed(id, o, e as Error, false);
        await ctx.reacquire(id);
        return;
      }
      // A data error would recur on every retry of these rows: commit without the refused ones.
      const isolated = isDataError(e) ? await isolateUnstorable(id, o, cp, e as Error) : undefined;
      if (!isolated) return failed(id, o, e as Error);
      try {
        await store.commit(isolated);
      } catch (again) {
        return failed(id, o, again as Error);
      }
      cp = isolated;
      quarantined = isolated.quarantines?.map((q) => q.key) ?? [];
      ctx.recordInputsOf(id, false);
    }
    observer.checkpointed?.({
      shard: id, atMs: Date.now(), durationMs: performance.now() - started, appendTimesMs: appendTimes, traced, deadLetters: deadLettersOf(cp.outbox),
      rows: { states: cp.states.length, offsets: cp.offsets.length, outbox: cp.outbox.length, alerts: cp.alerts.length, timers: cp.timersAdded.length + cp.timersRemoved.length },
    });
    if (cp.alerts.length > 0) observer.alertsCommitted?.(cp.alerts);
    if (o.paused && ctx.isCurrent(id, o)) ctx.resume(o);
    await relayShard(id);
    const offsets = cp.offsets.map((x) => ({ topic: x.topic, partition: x.partition, offset: x.nextOffset }));
    if (offsets.length > 0 && ctx.isCurrent(id, o)) await source.commit(offsets).catch(() => {});
    if (quarantined.length > 0 && ctx.isCurrent(id, o)) {
      // The worker still holds the refused states: restore the shard from what was committed.
      await ctx.retire(id);
      await ctx.reacquire(id);
      return;
    }
    // Only now is every entity not changed since `takeDelta` durable, so only now may it leave memory.
    if (ctx.isCurrent(id, o)) await o.host.passivate(id, ctx.passivation, Date.now()).catch(() => 0);
  }

  /** The checkpoint without what Postgres refuses, or undefined when nothing can be singled out. */
  async function isolateUnstorable(id: string, o: Owned, cp: Checkpoint, cause: Error): Promise<Checkpoint | undefined> {
    try {
      const found = await store.findUnstorable(cp);
      if (found.length === 0) return undefined;
      const keys = refusedKeys(found);
      const inputs = keys.length > 0 ? await o.host.inputsOfTakenDelta(id, keys) : [];
      log(`checkpoint of ${id} refused by Postgres (${cause.message}): quarantining ${keys.length} entit${keys.length === 1 ? 'y' : 'ies'} (${keys.slice(0, 5).join(', ')}), dead-lettering ${inputs.length} input record(s); the rest commits`);
      return withoutUnstorable(cp, found, inputs, o);
    } catch (e) {
      log(`isolating the refused rows of ${id} failed: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** A commit that failed: the shard's memory no longer matches Postgres, so it is restored (or dropped when fenced). */
  async function failed(id: string, o: Owned, e: Error, report = true): Promise<void> {
    const fenced = e instanceof ShardFenced;
    observer.checkpointFailed?.({ shard: id, fenced, message: e.message });
    if (ctx.isCurrent(id, o)) await ctx.retire(id);
    if (fenced) {
      ctx.dropAssignment(id);
      log(`fenced: ${e.message}; dropped ${id}`);
    } else if (report) log(`checkpoint of ${id} failed, shard will be restored: ${e.message}`);
  }

  let again = false;
  function runPass(shards: [string, Owned][]): Promise<void> {
    return (async () => {
      // Shards commit in parallel (each its own transaction, on its own pooled connection): one
      // after another, a record's wait for durability grew with the number of shards held.
      let next = 0;
      const lane = async () => {
        while (next < shards.length) {
          const [id, o] = shards[next++]!;
          // A lane must never end the pass early: a second pass would then take a delta of a shard
          // whose previous commit is still in flight, and the two could land out of order.
          await checkpointShard(id, o).catch((e) => log(`checkpoint of ${id} failed: ${(e as Error).message}`));
        }
      };
      await Promise.all(Array.from({ length: Math.min(ctx.parallelism, shards.length) }, lane));
    })();
  }

  return {
    checkpointAll() {
      // One pass at a time. A request during a pass (a shard paused by backpressure, a rebalance)
      // gets a second pass right after, not a wait for the next interval.
      if (pass) {
        again = true;
        return pass;
      }
      const run = async (): Promise<void> => {
        do {
          again = false;
          await runPass(ctx.shards());
        } while (again);
      };
      pass = run().finally(() => {
        pass = undefined;
      });
      return pass;
    },
  };
}

/** Dead letters of a checkpoint's outbox by source topic and code (their DLQ headers). */
function deadLettersOf(outbox: ShardDelta['outbox']): { topic: string; code: string; count: number }[] {
  const counts = new Map<string, { topic: string; code: string; count: number }>();
  for (const m of outbox) {
    const code = m.headers?.[DLQ_HEADERS.code];
    if (!code) continue;
    const topic = m.headers![DLQ_HEADERS.topic] ?? m.topic;
    const k = `${topic}\u0000${code}`;
    const c = counts.get(k) ?? { topic, code, count: 0 };
    c.count++;
    counts.set(k, c);
  }
  return [...counts.values()];
}
