import { tpKey } from './topic-partition.ts';

/**
 * One lane per topic partition: its batches are applied one after another, in fetch order, while
 * the client fetches the next one (issue #19: the consumer used to wait for each batch's apply in
 * the shard worker before fetching again, so the fetch-and-decode thread and the worker took turns
 * instead of working at once).
 *
 * A batch entering a lane is marked consumed at once, so the client fetches on; at most one more
 * waits behind the one being applied, because `enter` resolves only when the batch ahead is done.
 * A batch that cannot be applied after all asks for its records again with `refetch` (a seek): that
 * also drops the batches queued behind it, which the seek fetches again.
 */
export class IntakeLanes {
  readonly #lanes = new Map<string, Lane>();

  /**
   * Queues `apply` behind the lane's earlier batches; resolves when the batch ahead of it is done
   * (not this one). `apply` is skipped when a refetch of the lane happened after it was queued.
   */
  enter(topic: string, partition: number, apply: () => Promise<void>, onError: (e: unknown) => void): Promise<void> {
    const lane = this.#lane(topic, partition);
    const epoch = lane.epoch;
    const ahead = lane.tail;
    const mine = ahead.then(() => (lane.epoch === epoch ? apply() : undefined)).catch(onError);
    lane.tail = mine;
    void mine.finally(() => {
      if (lane.tail === mine) this.#lanes.delete(tpKey(topic, partition));
    });
    return ahead;
  }

  /** Drops the batches queued on this lane: the caller seeks back, so they are fetched again. */
  refetch(topic: string, partition: number): void {
    const lane = this.#lanes.get(tpKey(topic, partition));
    if (lane) lane.epoch++;
  }

  /** Resolves once every batch queued so far has been applied or dropped. */
  async idle(): Promise<void> {
    while (this.#lanes.size > 0) await Promise.all([...this.#lanes.values()].map((l) => l.tail));
  }

  #lane(topic: string, partition: number): Lane {
    const k = tpKey(topic, partition);
    let lane = this.#lanes.get(k);
    if (!lane) this.#lanes.set(k, (lane = { tail: Promise.resolve(), epoch: 0 }));
    return lane;
  }
}

interface Lane {
  /** Settles when the last batch queued has been applied (or dropped). */
  tail: Promise<void>;
  /** Bumped by a refetch: batches queued before it are not applied. */
  epoch: number;
}
