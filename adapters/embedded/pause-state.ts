/**
 * Which partitions a consumer has paused, with kafkajs's rules (its SubscriptionState): pausing a
 * topic without `partitions` pauses all of it, resuming single partitions of a wholly paused topic
 * exempts just those, and the state outlives rebalances (a partition paused before a rebalance is
 * still paused if it comes back).
 */
export class PauseState {
  #topics = new Map<string, { paused: Set<number>; resumed: Set<number>; all: boolean }>();

  pause(topicPartitions: readonly { topic: string; partitions?: number[] }[]): void {
    for (const { topic, partitions } of topicPartitions) {
      const s = this.#state(topic);
      if (partitions === undefined) {
        s.paused.clear();
        s.resumed.clear();
        s.all = true;
      } else {
        for (const p of partitions) {
          s.paused.add(p);
          s.resumed.delete(p);
        }
        s.all = false;
      }
    }
  }

  resume(topicPartitions: readonly { topic: string; partitions?: number[] }[]): void {
    for (const { topic, partitions } of topicPartitions) {
      const s = this.#state(topic);
      if (partitions === undefined) {
        s.paused.clear();
        s.resumed.clear();
        s.all = false;
      } else {
        for (const p of partitions) {
          s.paused.delete(p);
          if (s.all) s.resumed.add(p);
        }
      }
    }
  }

  isPaused(topic: string, partition: number): boolean {
    const s = this.#topics.get(topic);
    return !!s && ((s.all && !s.resumed.has(partition)) || s.paused.has(partition));
  }

  #state(topic: string) {
    let s = this.#topics.get(topic);
    if (!s) this.#topics.set(topic, (s = { paused: new Set(), resumed: new Set(), all: false }));
    return s;
  }
}
