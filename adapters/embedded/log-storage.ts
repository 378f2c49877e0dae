import { invalidPartitions, unknownPartition, unknownTopic } from './errors.ts';
import { PartitionLog, type NewRecord, type Retention } from './partition-log.ts';

/**
 * The records of the in-process log: topics of N partitions, each a PartitionLog with offsets from
 * 0 of which retention keeps the newest. Memory only — a restart loses everything, which is why the
 * embedded default keeps its offsets of truth in PGlite.
 */
export class LogStorage {
  #topics = new Map<string, PartitionLog[]>();

  constructor(
    private readonly retention: Retention,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Creates a topic; false when it already exists (its partition count is left as it is). */
  createTopic(topic: string, partitions: number): boolean {
    if (!Number.isInteger(partitions) || partitions < 1) throw invalidPartitions(topic, partitions);
    if (this.#topics.has(topic)) return false;
    this.#topics.set(topic, Array.from({ length: partitions }, () => new PartitionLog(this.retention)));
    return true;
  }

  /** The partition count of `topic`; undefined when it does not exist. */
  partitionCount(topic: string): number | undefined {
    return this.#topics.get(topic)?.length;
  }

  /** A partition of an existing topic, with the records too old for retention dropped first. */
  partition(topic: string, partition: number): PartitionLog {
    const p = this.#partitions(topic)[partition];
    if (!p) throw unknownPartition(topic, partition);
    p.prune(this.clock());
    return p;
  }

  /** Every partition of an existing topic, in partition order (pruned as `partition` does). */
  partitions(topic: string): PartitionLog[] {
    return this.#partitions(topic).map((_, i) => this.partition(topic, i));
  }

  /** Appends to one partition in order (see PartitionLog.append); returns the first record's offset. */
  append(topic: string, partition: number, records: readonly NewRecord[]): number {
    return this.partition(topic, partition).append(records, this.clock());
  }

  /** The names of every topic. */
  topics(): string[] {
    return [...this.#topics.keys()];
  }

  deleteTopic(topic: string): void {
    this.#topics.delete(topic);
  }

  clear(): void {
    this.#topics.clear();
  }

  #partitions(topic: string): PartitionLog[] {
    const partitions = this.#topics.get(topic);
    if (!partitions) throw unknownTopic(topic);
    return partitions;
  }
}
