import type { ActorDefinition } from '../actors/actor.ts';
import type { CheckpointStore } from '../store/index.ts';
import type { Membership } from './membership.ts';
import type { ProcessorObserver } from './observer.ts';
import type { Owned } from './owned-shard.ts';
import type { BatchControl, RecordSource, SourceBatch } from './record-source.ts';
import type { TopicAdmin } from './topic-admin.ts';
import { shardId } from './shard-id.ts';
import { accountApplied, applyInShard, offerMergeAgain, reportLag } from './intake-apply.ts';
import { IntakeLanes } from './intake-lanes.ts';
import { pauseWhenOverBound, resumeFetching } from './intake-backpressure.ts';
import { boundHeldSources } from './intake-merge-pause.ts';
import { RetentionGaps } from './intake-retention.ts';
import { InboxHolds } from './intake-hold.ts';
import { SourceEnds } from './source-ends.ts';
import { tpKey } from './topic-partition.ts';

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
  /** `o` has inbox records waiting on a stale end of its source partition (engine/source-ends.ts): measure it. */
  endWanted(o: Owned): void;
  /** When the latest measurement of `o`'s source end started (engine/source-ends.ts). */
  measuredAt(o: Owned): number;
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
  /** Source events a shard merging in event time may hold before its source partition pauses (engine/intake-merge-pause.ts). */
  maxHeldSources?: number;
  /** Apply a partition's batch while the client fetches the next one (engine/intake-lanes.ts). */
  pipelineBatches?: boolean;
  /** After a fetched batch of `o` was applied: messages handed over in memory may pass now (engine/local-delivery.ts). */
  applied?(o: Owned): void;
  log(line: string): void;
}

/**
 * The batch → shard hand-off is in intake-apply.ts, pausing and resuming in intake-backpressure.ts,
 * accepting offsets lost to retention in intake-retention.ts; what is here is the order of the steps.
 */
export function createIntake(deps: IntakeDeps): Intake {
  const { membership, source } = deps;
  let stopped = false;
  const retention = new RetentionGaps(deps.admin, deps.log);
  const ends: SourceEnds = new SourceEnds({
    ...deps,
    // The end is noted: what waits for it is offered again (held inbox records, messages handed
    // over in memory, or what a merging shard holds itself).
    measured: async (o) => {
      await holds.drain(o);
      if (o.merges && (await offerMergeAgain(deps, o))) ends.request(o);
      deps.applied?.(o);
    },
  });
  const holds = new InboxHolds({ ...deps, endWanted: (o) => ends.request(o), measuredAt: (o) => ends.measuredAt(o) });
  const lanes = deps.pipelineBatches ? new IntakeLanes() : undefined;

  /** The steps of one batch, in order. `step` says how its fetch position moves (see BatchStep). */
  async function applyBatch(batch: SourceBatch, control: BatchControl, step: BatchStep): Promise<void> {
    if (stopped || !control.current()) return;
    const actor = deps.actorOfTopic(batch.topic);
    if (!actor) return;
    await membership.settled();
    const o = await membership.ownedShard(shardId(actor.type, batch.partition));
    if (!o || !control.current()) {
      // Not ours in the generation we know of (a rebalance is under way): the unresolved batch is
      // fetched again; wait a little instead of spinning on it.
      await new Promise((r) => setTimeout(r, 100));
      return step.notApplied();
    }
    const inbox = deps.isInbox(batch.topic);
    const afterHeld = inbox ? holds.nextAfterHeld(o, batch.topic) : undefined;
    if (afterHeld !== undefined) {
      // Earlier inbox records still wait for the source: these queue behind them, in order.
      holds.hold(o, batch, batch.records);
      step.consumed();
      await holds.drain(o);
      return;
    }
    const expected = o.next.get(tpKey(batch.topic, batch.partition)) ?? 0;
    if (Number(batch.records[0]!.offset) > expected && !(await retention.goneFromKafka(batch.topic, batch.partition, expected))) {
      // Kafka delivered from its committed position, ahead of ours: Postgres holds the offsets of
      // truth, so fetch again from there (unless retention removed them).
      return step.seek(expected);
    }
    const started = performance.now();
    const r = await applyInShard(deps, o, batch);
    if (!r) return step.notApplied();
    accountApplied(deps, o, batch, r, expected, started);
    if (r.endWanted) ends.request(o);
    boundHeldSources(deps, o, r.heldSources);
    if (r.consumed < batch.records.length) holds.hold(o, batch, batch.records.slice(r.consumed));
    step.consumed();
    reportLag(deps, batch);
    // The source moved on: inbox records waiting for it may pass now.
    if (!inbox) await holds.drain(o);
    deps.applied?.(o);
    pauseWhenOverBound(deps, o);
    await step.heartbeat();
  }

  /** The batch is done when its handler returns: its fetch position moves only once it was applied. */
  const inTurn = (batch: SourceBatch, control: BatchControl): BatchStep => ({
    consumed: () => control.consumedThrough(batch.lastOffset),
    notApplied: () => {}, // not marked consumed: the client delivers it again
    seek: (offset) => source.seek(batch, offset),
    heartbeat: () => control.heartbeat(),
  });

  /** The batch was marked consumed when it entered its lane: giving it back is a seek. */
  const inLane = (lanes: IntakeLanes, batch: SourceBatch, control: BatchControl): BatchStep => {
    const seek = (offset: number | string) => {
      lanes.refetch(batch.topic, batch.partition);
      if (!stopped && control.current()) source.seek(batch, offset);
    };
    // No heartbeat from here: the handler has returned, and the client heartbeats while the next
    // one waits for this batch (a heartbeat refused for a rebalance must not give a batch back).
    return { consumed: () => {}, notApplied: () => seek(batch.records[0]!.offset), seek, heartbeat: async () => {} };
  };

  return {
    async batch(batch, control) {
      if (stopped || !control.current() || batch.records.length === 0) return;
      batch.receivedAt ??= Date.now();
      if (!lanes) return applyBatch(batch, control, inTurn(batch, control));
      control.consumedThrough(batch.lastOffset);
      const step = inLane(lanes, batch, control);
      await lanes.enter(batch.topic, batch.partition, () => applyBatch(batch, control, step), (e) => {
        deps.log(`batch of ${batch.topic}[${batch.partition}] failed: ${(e as Error).message}`);
        step.notApplied();
      });
    },
    resume(o) {
      resumeFetching(deps, o, stopped);
    },
    endWanted: (o) => ends.request(o),
    measuredAt: (o) => ends.measuredAt(o),
    stop() {
      stopped = true;
      holds.stop();
      ends.stop();
    },
  };
}

/**
 * How a batch's fetch position moves. In turn (the handler awaits the apply), a batch not marked
 * consumed is delivered again; in a lane (pipelined), it was marked consumed on arrival and is
 * sought back to instead.
 */
interface BatchStep {
  /** Every record is applied or held: the fetch moves past the batch. */
  consumed(): void;
  /** Nothing was applied (the shard is not ours, or was retired meanwhile): fetch the batch again. */
  notApplied(): void;
  /** Fetch from `offset` (Postgres's offset of truth) instead. */
  seek(offset: number | string): void;
  /** Keeps the group membership alive after a long batch. */
  heartbeat(): Promise<void>;
}
