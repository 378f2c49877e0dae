import type { IntakeDeps } from './intake.ts';
import { applyByReceipt } from './intake-apply.ts';
import type { Owned } from './owned-shard.ts';
import type { SourceBatch } from './record-source.ts';
import type { RawMessage } from './shard/record-batch.ts';

/**
 * Inbox records a shard could not apply yet, held in memory instead of fetched again.
 *
 * The shard applies an inbox record only once its source partition has moved past the record's
 * event time (engine/shard/inbox-gate.ts). The rest of such a batch used to be sought back to and
 * fetched again from Kafka, 20 ms later, until the source caught up: on a backlog each inbox
 * record was fetched 2-3 times (issue #19). Now the fetch position moves past the whole batch and
 * the records wait here, in offset order; they are offered to the shard again after each source
 * batch it applies and, while any wait, every RETRY_MS (a source with nothing more to read lets
 * them through once the gate sees its end). They are not in any checkpoint, so a crash, a
 * rebalance or a retired shard loses nothing: the next owner fetches them again from the offsets
 * Postgres holds. Beyond MAX_HELD records the inbox partition is paused, so memory stays bounded.
 */
export interface HeldInbox {
  topic: string;
  partition: number;
  highWatermark: number;
  records: RawMessage[];
  /** When each record was received (its batch's `receivedAt`), in step with `records`. */
  receivedAts: number[];
  /** The drain under way: one at a time per shard, so records are applied once and in order. */
  draining?: Promise<void>;
  retry?: ReturnType<typeof setTimeout>;
  /** The inbox partition is paused because too many records wait. */
  paused: boolean;
}

const RETRY_MS = 20;
const MAX_HELD = 20_000;

type HoldDeps = Pick<IntakeDeps, 'membership' | 'store' | 'isInbox' | 'log' | 'observer' | 'source'> & {
  /** The held records wait on a source end older than they are (engine/source-ends.ts). */
  endWanted(o: Owned): void;
  /** When the latest measurement of `o`'s source end started (SourceEnds.measuredAt). */
  measuredAt(o: Owned): number;
};

export class InboxHolds {
  #stopped = false;

  constructor(private readonly deps: HoldDeps) {}

  /** The offset after the last held record of `o` on `topic`, when records wait there. */
  nextAfterHeld(o: Owned, topic: string): number | undefined {
    const h = o.heldInbox;
    if (!h || h.topic !== topic || h.records.length === 0) return undefined;
    return Number(h.records[h.records.length - 1]!.offset) + 1;
  }

  /** Holds `records` (the unapplied rest of a batch, or a whole later one) behind those already waiting. */
  hold(o: Owned, batch: SourceBatch, records: readonly RawMessage[]): void {
    const h = (o.heldInbox ??= { topic: batch.topic, partition: batch.partition, highWatermark: 0, records: [], receivedAts: [], paused: false });
    const after = this.nextAfterHeld(o, batch.topic) ?? -1;
    const receivedAt = batch.receivedAt ?? Date.now();
    for (const r of records) {
      if (Number(r.offset) < after) continue;
      h.records.push(r);
      h.receivedAts.push(receivedAt);
    }
    h.highWatermark = Math.max(h.highWatermark, batch.highWatermark);
    if (h.records.length > MAX_HELD && !h.paused) {
      h.paused = true;
      this.deps.source.pause([{ topic: h.topic, partition: h.partition }]);
    }
    this.#scheduleRetry(o);
  }

  /** Offers the held records to the shard again; resolves once this attempt (or the one under way) is done. */
  drain(o: Owned): Promise<void> {
    const h = o.heldInbox;
    if (!h || h.records.length === 0) return Promise.resolve();
    h.draining ??= this.#drainOnce(o, h).finally(() => {
      h.draining = undefined;
    });
    return h.draining;
  }

  stop(): void {
    this.#stopped = true;
  }

  /** Offers the held records to the shard, in the parts applyByReceipt makes of them. */
  async #drainOnce(o: Owned, h: HeldInbox): Promise<void> {
    if (this.#stopped || this.deps.membership.held(o.id) !== o) return;
    // Copies: records held while an apply is under way join the next attempt, not this one.
    const r = await applyByReceipt(this.deps, o, h.records.slice(), h.receivedAts.slice(), this.deps.measuredAt(o), (records, receivedAt) => ({
      topic: h.topic, partition: h.partition, highWatermark: h.highWatermark, records, lastOffset: records[records.length - 1]!.offset, receivedAt,
    }));
    const consumed = r?.consumed ?? 0;
    if (consumed > 0) {
      h.records = h.records.slice(consumed);
      h.receivedAts = h.receivedAts.slice(consumed);
    }
    if (r?.endWanted) this.deps.endWanted(o);
    if (h.paused && h.records.length <= MAX_HELD / 2) {
      h.paused = false;
      if (!o.paused) this.deps.source.resume([{ topic: h.topic, partition: h.partition }]);
    }
    this.#scheduleRetry(o);
  }

  #scheduleRetry(o: Owned): void {
    const h = o.heldInbox;
    if (!h || h.retry || h.records.length === 0 || this.#stopped) return;
    h.retry = setTimeout(() => {
      h.retry = undefined;
      void this.drain(o);
    }, RETRY_MS);
  }
}
