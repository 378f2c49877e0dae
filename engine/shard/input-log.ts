import type { SourceRecord } from './records.ts';

/**
 * The records applied since the delta before last, in the order they were applied. Kept so that
 * when Postgres refuses an entity's checkpoint rows (a value only Postgres rejects), the inputs
 * that led there can be dead-lettered instead of lost: the entity's changes of that checkpoint are
 * dropped and its inputs go to the DLQ with Postgres's reason. Only a shard restored after such a
 * failure keeps one (ShardOptions.recordInputs), so the normal path pays nothing. Two generations:
 * `current` fills while the last taken delta's (`taken`) may still be committing. Bounded by the
 * records of two checkpoints, which backpressure bounds (maxUncommittedRecords); it holds
 * references, not copies.
 */
export class InputLog {
  private current: SourceRecord[] = [];
  private taken: SourceRecord[] = [];

  record(r: SourceRecord): void {
    this.current.push(r);
  }

  /** At `takeDelta`: what was recorded becomes the inputs of the delta just taken. */
  rotate(): void {
    this.taken = this.current;
    this.current = [];
  }

  /** The inputs of the last taken delta whose key is one of `keys`, in the order they were applied. */
  takenFor(keys: readonly string[]): SourceRecord[] {
    const wanted = new Set(keys);
    return this.taken.filter((r) => r.key !== null && wanted.has(r.key));
  }
}
