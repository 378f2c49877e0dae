import { assignShards } from '../../engine/index.ts';
import type { LogStorage } from './log-storage.ts';

/** What the group asks of each of its members. */
export interface GroupMember {
  readonly memberId: string;
  readonly topics: readonly string[];
  shardOf(topic: string): string | undefined;
  /** Stop starting batches; resolves once none is in flight (or the rebalance timeout passed). */
  quiesce(): Promise<void>;
  /** This member's share of a new generation: topic → partitions. */
  assign(generationId: number, assignment: Readonly<Record<string, number[]>>): void;
}

/**
 * A consumer group within the process, coordinated like Kafka's eager rebalance protocol: every
 * join or leave starts a new generation; before it is computed each member finishes the batches it
 * has in flight and starts no new one (Kafka members do the same before rejoining), then the
 * engine's co-partitioning `assignShards` (with the first member's `shardOf`, as a group leader's
 * assigner) deals the partitions of every topic a member subscribed, and each member gets its
 * share before any batch of the new generation is fetched. The group's committed offsets (what
 * `commit` stores, what lag tools read) live here.
 */
export class GroupCoordinator {
  #members: GroupMember[] = [];
  #generationId = 0;
  #committed = new Map<string, number>();
  /** A rebalance requested but not started yet: later requests share it. */
  #queued: Promise<void> | undefined;
  #tail: Promise<void> = Promise.resolve();

  /** @param onCommit told after every commit (the log releases what every group has committed). */
  constructor(
    readonly groupId: string,
    private readonly storage: LogStorage,
    private readonly onCommit: (topic: string, partition: number) => void = () => {},
  ) {}

  memberIds(): string[] {
    return this.#members.map((m) => m.memberId);
  }

  /** Adds a member; resolves once it has been given its first assignment. */
  join(member: GroupMember): Promise<void> {
    this.#members.push(member);
    return this.#requestRebalance();
  }

  /** Removes a member (it must have stopped fetching); the others rebalance in the background. */
  leave(member: GroupMember): void {
    const i = this.#members.indexOf(member);
    if (i < 0) return;
    this.#members.splice(i, 1);
    if (this.#members.length > 0) this.#requestRebalance().catch(() => {});
  }

  commit(topic: string, partition: number, offset: number): void {
    this.#committed.set(`${topic}:${partition}`, offset);
    this.onCommit(topic, partition);
  }

  committed(topic: string, partition: number): number | undefined {
    return this.#committed.get(`${topic}:${partition}`);
  }

  /** Whether the group reads `topic`: a member subscribes to it, or offsets were committed on it. */
  reads(topic: string): boolean {
    if (this.#members.some((m) => m.topics.includes(topic))) return true;
    for (const key of this.#committed.keys()) if (key.slice(0, key.lastIndexOf(':')) === topic) return true;
    return false;
  }

  #requestRebalance(): Promise<void> {
    if (this.#queued) return this.#queued;
    const run = this.#tail.then(() => {
      this.#queued = undefined;
      return this.#rebalance();
    });
    this.#queued = run;
    this.#tail = run.catch(() => {});
    return run;
  }

  async #rebalance(): Promise<void> {
    await Promise.all([...this.#members].map((m) => m.quiesce()));
    // Members that left meanwhile are out; members that joined meanwhile have nothing in flight.
    const members = [...this.#members];
    const leader = members[0];
    if (!leader) return;
    const partitionsOf = new Map<string, number>();
    for (const topic of new Set(members.flatMap((m) => m.topics))) {
      const count = this.storage.partitionCount(topic);
      if (count !== undefined) partitionsOf.set(topic, count);
    }
    const shares = assignShards(members.map((m) => m.memberId), partitionsOf, (topic) => leader.shardOf(topic));
    const generationId = ++this.#generationId;
    for (const m of members) m.assign(generationId, shares.get(m.memberId) ?? {});
  }
}
