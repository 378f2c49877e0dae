import type { SourceRecord } from './records.ts';

/**
 * The records each entity was handed since the delta before last. Kept so that when Postgres
 * refuses an entity's checkpoint rows (a value only Postgres rejects), the inputs that led there
 * can be dead-lettered instead of lost: the entity's changes of that checkpoint are dropped and
 * its inputs go to the DLQ with Postgres's reason. Two generations: `current` fills while the
 * last taken delta (`taken`) may still be committing. Bounded by the records of two checkpoints,
 * which backpressure bounds (maxUncommittedRecords); holding them costs references, not copies.
 */
export class InputLog {
  private current = new Map<string, SourceRecord[]>();
  private taken = new Map<string, SourceRecord[]>();

  record(key: string, r: SourceRecord): void {
    const list = this.current.get(key);
    if (list) list.push(r);
    else this.current.set(key, [r]);
  }

  /** At `takeDelta`: what was recorded becomes the inputs of the delta just taken. */
  rotate(): void {
    this.taken = this.current;
    this.current = new Map();
  }

  /** The inputs of the last taken delta that went to `keys`, in the order they were applied per key. */
  takenFor(keys: readonly string[]): SourceRecord[] {
    return keys.flatMap((k) => this.taken.get(k) ?? []);
  }
}
