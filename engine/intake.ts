import type { ActorDefinition } from '../actors/actor.ts';
import type { CheckpointStore } from '../store/index.ts';
import type { Membership } from './membership.ts';
import type { ProcessorObserver, TracedRecord } from './observer.ts';
import type { Owned } from './owned-shard.ts';
import type { BatchControl, RecordSource, SourceBatch } from './record-source.ts';
import type { TopicAdmin } from './topic-admin.ts';
import { packBatch } from './shard/record-batch.ts';
import { TRACEPARENT } from './shard/records.ts';
import type { ApplyResult } from './shard/shard-host.ts';
import { shardId } from './shard-id.ts';

/**
 * Fetched batches into their shard: find (or acquire) the shard, refetch from Postgres's offsets
 * of truth when Kafka delivered from further on, apply the whole batch in the shard's worker
 * (rehydrating passivated entities first), account for what was applied, and pause a shard whose
 * uncommitted records exceed the bound until a checkpoint commits them (backpressure).
 */
export interface Intake {
  batch(batch: SourceBatch, control: BatchControl): Promise<void>;
  /** Lets a shard paused by backpressure fetch again. */
  resume(o: Owned): void;
  /** No more batches are applied (stop() of the processor). */
  stop(): void;
}

export interface IntakeDeps {
  membership: Membership;
  source: Pick<RecordSource, 'seek' | 'pause' | 'resume'>;
  admin: Pick<TopicAdmin, 'offsets'>;
  store: Pick<CheckpointStore, 'loadStates'>;
  observer: ProcessorObserver;
  actorOfTopic(topic: string): ActorDefinition<any> | undefined;
  isInbox(topic: string): boolean;
  topicsOf(o: Owned): string[];
  /** Requests a checkpoint pass now (backpressure). */
  checkpoint(): Promise<void>;
  maxUncommitted: number;
  log(line: string): void;
}

export function createIntake(deps: IntakeDeps): Intake {
  const { membership, source, observer, log } = deps;
  let stopped = false;
  const soughtTo = new Map<string, number>();

  /**
   * True when the records from `expected` on were deleted by retention (the log now starts later):
   * then the gap is accepted instead of seeking back forever. Asked of the broker only after a
   * seek to the same offset already happened once, so a stale in-flight batch costs no round trip.
   */
  async function goneFromKafka(topic: string, partition: number, expected: number): Promise<boolean> {
    const tp = `${topic}:${partition}`;
    if (soughtTo.get(tp) !== expected) {
      soughtTo.set(tp, expected);
      return false;
    }
    const low = (await deps.admin.offsets(topic)).find((o) => o.partition === partition)?.low ?? 0;
    if (low <= expected) return false;
    log(`${tp}: offsets ${expected}..${low - 1} are no longer in Kafka (retention); continuing from ${low}`);
    return true;
  }

  /** Applies the batch in the shard's worker, rehydrating passivated entities it needs first. */
  async function apply(o: Owned, batch: SourceBatch): Promise<ApplyResult | undefined> {
    const sourceEnd = deps.isInbox(batch.topic) ? undefined : batch.highWatermark;
    try {
      // The packed batch is transferred (moved) to the worker: pack it afresh for every attempt.
      const applyBatch = () => o.host.apply(o.id, packBatch(batch.topic, batch.partition, batch.records), { now: Date.now(), sourceEnd });
      let r = await applyBatch();
      while (r.needs) {
        await o.host.rehydrate(o.id, await deps.store.loadStates(o.actor.type, r.needs), r.needs, Date.now());
        r = await applyBatch();
      }
      return r;
    } catch (e) {
      // The shard was retired or fenced meanwhile (or Postgres failed a rehydrate): nothing was
      // resolved, so the batch is fetched again by whoever owns the shard.
      if (membership.held(o.id) === o) log(`batch of ${o.id} not applied: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** What the next checkpoint and the observers need to know of the records just applied. */
  function account(o: Owned, batch: SourceBatch, r: ApplyResult, expected: number, started: number): void {
    const before = o.counters;
    o.counters = r.counters;
    o.size = r.size;
    const consumed = r.consumed;
    const tp = `${batch.topic}:${batch.partition}`;
    if (consumed > 0) o.next.set(tp, Math.max(expected, Number(batch.records[consumed - 1]!.offset) + 1));
    const traced: TracedRecord[] = [];
    for (let i = 0; i < consumed; i++) {
      const m = batch.records[i]!;
      o.appendTimes.push(Number(m.timestamp));
      const traceparent = m.headers?.[TRACEPARENT];
      if (traceparent !== undefined) {
        traced.push({ topic: batch.topic, partition: batch.partition, offset: Number(m.offset), key: m.key?.toString() ?? null, actorType: o.actor.type, traceparent: String(traceparent) });
      }
    }
    if (traced.length > 0) o.traced.push(...traced);
    o.uncommitted += consumed;
    observer.batchApplied?.({
      shard: o.id, actorType: o.actor.type, topic: batch.topic, partition: batch.partition,
      records: batch.records.length, consumed, applied: r.counters.applied - before.applied,
      deadLettered: r.counters.deadLettered - before.deadLettered, duplicatesDropped: r.counters.duplicatesDropped - before.duplicatesDropped,
      appendTimesMs: o.appendTimes.slice(o.appendTimes.length - consumed), atMs: Date.now(), applyMs: performance.now() - started, traced,
    });
  }

  /** Moves the fetch position past what was applied; the rest of a waiting inbox batch is fetched again. */
  async function advance(batch: SourceBatch, consumed: number, control: BatchControl): Promise<void> {
    if (consumed < batch.records.length) {
      // The rest of this inbox batch waits for the source partition (see Shard.noteSourceEnd):
      // fetch it again from the first record not applied. Pause briefly when nothing could be
      // applied, so a source fetched by another broker connection gets ahead without a busy loop.
      if (consumed > 0) control.consumedThrough(batch.records[consumed - 1]!.offset);
      source.seek(batch, batch.records[consumed]!.offset);
      if (consumed === 0) await new Promise((res) => setTimeout(res, 20));
    } else {
      // Only the fetch position moves (nothing is committed to Kafka here); Postgres keeps the truth.
      control.consumedThrough(batch.lastOffset);
      observer.lag?.({ topic: batch.topic, partition: batch.partition, lag: Math.max(0, batch.highWatermark - Number(batch.lastOffset) - 1) });
    }
  }

  function applyBackpressure(o: Owned): void {
    if (o.uncommitted <= deps.maxUncommitted || o.paused) return;
    // Memory held for the next checkpoint is bounded; fetching resumes after it commits.
    o.paused = true;
    source.pause(deps.topicsOf(o).map((topic) => ({ topic, partition: o.partition })));
    void deps.checkpoint().catch((e) => log(`checkpoint error: ${e}`));
  }

  return {
    async batch(batch, control) {
      if (stopped || !control.current() || batch.records.length === 0) return;
      const actor = deps.actorOfTopic(batch.topic);
      if (!actor) return;
      await membership.settled();
      const o = await membership.ownedShard(shardId(actor.type, batch.partition));
      if (!o || !control.current()) {
        // Not ours in the generation we know of (a rebalance is under way): the unresolved batch is
        // fetched again; wait a little instead of spinning on it.
        await new Promise((r) => setTimeout(r, 100));
        return;
      }
      const expected = o.next.get(`${batch.topic}:${batch.partition}`) ?? 0;
      if (Number(batch.records[0]!.offset) > expected && !(await goneFromKafka(batch.topic, batch.partition, expected))) {
        // Kafka delivered from its committed position, ahead of ours: Postgres holds the offsets of
        // truth, so fetch again from there (unless retention removed them).
        source.seek(batch, expected);
        return;
      }
      const started = performance.now();
      const r = await apply(o, batch);
      if (!r) return;
      account(o, batch, r, expected, started);
      await advance(batch, r.consumed, control);
      applyBackpressure(o);
      await control.heartbeat();
    },
    resume(o) {
      o.paused = false;
      if (stopped) return; // the consumer is stopping or stopped: it would refuse, and fetches no more anyway
      source.resume(deps.topicsOf(o).map((topic) => ({ topic, partition: o.partition })));
    },
    stop() {
      stopped = true;
    },
  };
}
