import { AssignerProtocol, PartitionAssigners, type Cluster, type Logger, type PartitionAssigner } from 'kafkajs';
import type { LogStorage } from './log-storage.ts';

/**
 * A consumer group within the process, coordinated like Kafka's eager rebalance protocol: every
 * join or leave starts a new generation; before it is computed each member finishes the batches it
 * has in flight and starts no new one (Kafka members do the same before rejoining), then the
 * leader's assigner (the first member's first `partitionAssigners` entry, else kafkajs's
 * round-robin) splits the leader's subscribed topics, and each member gets its share before any
 * batch of the new generation is fetched. Committed offsets (what `commitOffsets` stores, what lag
 * tools read) live here, per group.
 */
export interface GroupMember {
  readonly memberId: string;
  subscribedTopics(): string[];
  partitionAssigner(): PartitionAssigner | undefined;
  /** Stop starting batches; resolves once none is in flight (or the rebalance timeout passed). */
  quiesce(): Promise<void>;
  /** This member's share of a new generation. */
  assign(generation: MemberGeneration): void;
}

export interface MemberGeneration {
  generationId: number;
  leaderId: string;
  groupProtocol: string;
  assignment: Record<string, number[]>;
  /** When the rebalance began (for GROUP_JOIN's `duration`). */
  startedAt: number;
}

export class GroupCoordinator {
  #members: GroupMember[] = [];
  #generationId = 0;
  #committed = new Map<string, number>();
  /** A rebalance requested but not started yet: later requests share it. */
  #queued: Promise<void> | undefined;
  #tail: Promise<void> = Promise.resolve();

  constructor(
    readonly groupId: string,
    private readonly storage: LogStorage,
  ) {}

  get generationId(): number {
    return this.#generationId;
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
  }

  committed(topic: string, partition: number): number | undefined {
    return this.#committed.get(`${topic}:${partition}`);
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
    const startedAt = Date.now();
    await Promise.all([...this.#members].map((m) => m.quiesce()));
    // Members that left meanwhile are out; members that joined meanwhile have nothing in flight.
    const members = [...this.#members];
    const leader = members[0];
    if (!leader) return;
    const assigner = (leader.partitionAssigner() ?? PartitionAssigners.roundRobin)({
      cluster: this.#cluster(),
      groupId: this.groupId,
      logger: silentLogger(),
    });
    const byMember = new Map<string, Record<string, number[]>>();
    let failure: unknown;
    try {
      const shares = await assigner.assign({
        topics: leader.subscribedTopics(),
        members: members.map((m) => ({ memberId: m.memberId, memberMetadata: assigner.protocol({ topics: m.subscribedTopics() }).metadata })),
      });
      for (const { memberId, memberAssignment } of shares) {
        byMember.set(memberId, AssignerProtocol.MemberAssignment.decode(memberAssignment)?.assignment ?? {});
      }
    } catch (e) {
      // A broken assigner: every member gets nothing (rather than staying quiesced forever) and
      // the joining member's run() fails with the assigner's error.
      failure = e;
      byMember.clear();
    }
    const generationId = ++this.#generationId;
    for (const m of members) {
      if (!this.#members.includes(m)) continue; // left during assign(): its leave queued another round
      m.assign({ generationId, leaderId: leader.memberId, groupProtocol: assigner.name, assignment: byMember.get(m.memberId) ?? {}, startedAt });
    }
    if (failure !== undefined) throw failure;
  }

  /** The slice of kafkajs's Cluster that assigners call (ours and kafkajs's round-robin). */
  #cluster(): Cluster {
    const storage = this.storage;
    return { findTopicPartitionMetadata: (topic: string) => storage.partitionMetadata(topic) } as unknown as Cluster;
  }
}

function silentLogger(): Logger {
  const noop = () => {};
  const logger: Logger = { info: noop, error: noop, warn: noop, debug: noop, namespace: () => logger, setLogLevel: noop };
  return logger;
}
