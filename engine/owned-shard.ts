import type { ActorDefinition } from '../actors/actor.ts';
import type { TracedRecord } from './observer.ts';
import type { ShardCounters } from './shard/shard.ts';
import type { HeldInbox } from './intake-hold.ts';
import type { MemoryInbox } from './local-delivery.ts';
import type { AsyncShardHost } from './shard/worker-pool.ts';
import type { QueuedRelease } from './quarantine-release.ts';

/** A shard this processor holds: where it runs, its epoch, and what its next checkpoint covers. */
export interface Owned {
  id: string;
  actor: ActorDefinition<any>;
  partition: number;
  epoch: number;
  host: AsyncShardHost;
  counters: ShardCounters;
  size: number;
  /** ApplyResult.oldestUseAt of its last apply: whether passivation may find anything to evict. */
  oldestUseAt?: number;
  /** Kafka timestamps of records applied since the last delta was taken (event→durable). */
  appendTimes: number[];
  /** Traced records applied since the last delta was taken. */
  traced: TracedRecord[];
  uncommitted: number;
  paused: boolean;
  /** The worker keeps the records of its last deltas (restored after a checkpoint Postgres refused). */
  recordsInputs: boolean;
  /** Next offset per `topic:partition`, mirroring the shard's (checkpoint, then each apply). */
  next: Map<string, number>;
  /** Inbox records fetched but waiting for the source partition (engine/intake-hold.ts). */
  heldInbox?: HeldInbox;
  /** Messages handed over in memory by shards of this process (engine/local-delivery.ts). */
  memoryInbox?: MemoryInbox;
  /** Committed to Postgres but not yet acknowledged as group offsets by Kafka, per `topic:partition`. */
  owedGroupOffsets?: Map<string, GroupOffset>;
  /** Quarantine releases asked of this shard, carried out by its next checkpoint (engine/quarantine-release.ts). */
  releases?: QueuedRelease[];
  /** Set when the shard is given up here: late work for it (a lazy restore's keys) is dropped. */
  discarded?: boolean;
  /** It merges its inputs in event time (engine/shard/merged-inputs.ts): it takes every record and holds some itself. */
  merges?: true;
  /** Its source partition is paused because it holds too many source events for the merge (engine/intake-merge-pause.ts). */
  mergePaused?: boolean;
  /** Its clock as of its last commit (ShardDelta.clock), for the relay to publish; only for senders to merging shards. */
  clock?: string;
}

export interface GroupOffset {
  topic: string;
  partition: number;
  offset: number;
}
