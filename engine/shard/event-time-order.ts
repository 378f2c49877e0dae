/**
 * Detects inputs applied out of event-time order, per entity: an input whose event time is
 * earlier than one the entity was already given. The oracle (actors/test-driver.ts) gives every
 * entity its inputs in event-time order; the engine gives them in arrival order, and messages that
 * reach one inbox from several origin shards can arrive late in event time (issue #16,
 * docs/determinism.md). Each such input is a place where this run may decide differently from a
 * replay, so it is counted (`actorstream_inputs_out_of_event_time_order_total`) — the measure of
 * how far a run is from deterministic, and the straggler test an optimistic merge would roll back on.
 *
 * Only strictly earlier times count: inputs at the same time (a cascade's messages carry their
 * root event's time) are not ordered by this, so a count of 0 is necessary, not sufficient, for a
 * run to equal the oracle. Entities are judged while in memory: a passivated entity starts afresh.
 */
export class EventTimeOrder {
  /** The latest event time applied to each entity in memory. */
  private readonly latest = new Map<string, number>();

  /** Records that `key` is given an input of event time `ts`; true when an input later than `ts` came first. */
  late(key: string, ts: number): boolean {
    const before = this.latest.get(key);
    if (before !== undefined && ts < before) return true;
    this.latest.set(key, ts);
    return false;
  }

  /** The entity left memory. */
  forget(key: string): void {
    this.latest.delete(key);
  }
}
