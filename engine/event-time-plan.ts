import type { ActorDefinition } from '../actors/actor.ts';
import { inboxTopicOf } from '../schemas/index.ts';
import type { MergeOptions } from './shard/merged-inputs.ts';
import { shardId } from './shard-id.ts';

/**
 * Which shards merge their inputs in event-time order, whom they wait for, and where the origins'
 * clocks go (issue #16, docs/determinism.md). An actor type that declares `eventTimeSenders` merges;
 * every partition of those types is an origin it waits for; each such origin's relay publishes its
 * clock to every partition of the merging types' inbox topics (engine/outbox-relay.ts).
 */
export interface EventTimePlan {
  /** The merge of a type's shards; undefined for types that apply in arrival order. */
  mergeOf(type: string): MergeOptions | undefined;
  /**
   * The types that merge: a message to one carries its root key, and goes through their inbox
   * topics also with local messages on (the clocks that order it go there, behind the messages
   * they cover; engine/processor.ts).
   */
  readonly receivers: readonly string[];
  /** True for the types whose shards publish clocks (they send to a merging type). */
  isSender(type: string): boolean;
  /** One record key per partition of every merging type's inbox topic: where a clock record goes. */
  readonly clockTargets: readonly { topic: string; key: string; type: string }[];
}

export interface EventTimePlanInput {
  actors: readonly ActorDefinition<any>[];
  app: string;
  /** Partitions per actor type (its source topic's). */
  partitionsOf(type: string): number | undefined;
  partitionOf(key: string, partitionCount: number): number;
  maxWaitMs?: number;
}

/** The plan, or an error naming what cannot merge (checked at start, before any shard opens). */
export function planEventTimeMerge(input: EventTimePlanInput): EventTimePlan {
  const { actors } = input;
  const types = new Set(actors.map((a) => a.type));
  const receivers = actors.filter((a) => (a.eventTimeSenders?.length ?? 0) > 0);
  const receiverTypes = new Set(receivers.map((a) => a.type));
  const senders = new Set<string>();
  const merges = new Map<string, MergeOptions>();
  for (const r of receivers) {
    const origins: string[] = [];
    for (const s of r.eventTimeSenders!) {
      if (!types.has(s)) throw new Error(`actor '${r.type}' merges messages from '${s}', which this deployment does not run`);
      if (receiverTypes.has(s)) throw new Error(`actors '${r.type}' and '${s}' both merge in event time and '${s}' sends to '${r.type}': merges may not wait for each other`);
      const n = input.partitionsOf(s);
      if (n === undefined) throw new Error(`no partition count for actor type '${s}'`);
      for (let p = 0; p < n; p++) origins.push(shardId(s, p));
      senders.add(s);
    }
    merges.set(r.type, { origins, ...(input.maxWaitMs !== undefined ? { maxWaitMs: input.maxWaitMs } : {}) });
  }
  const clockTargets: { topic: string; key: string; type: string }[] = [];
  for (const r of receivers) {
    const n = input.partitionsOf(r.type) ?? 0;
    for (const key of keysPerPartition(n, input.partitionOf)) clockTargets.push({ topic: inboxTopicOf(input.app, r.type), key, type: r.type });
  }
  return {
    mergeOf: (type) => merges.get(type),
    receivers: [...receiverTypes],
    isSender: (type) => senders.has(type),
    clockTargets,
  };
}

/** A key for each of `n` partitions (`clock-<i>`, the first that lands there): records are partitioned by key only. */
function keysPerPartition(n: number, partitionOf: (key: string, count: number) => number): string[] {
  const keys: (string | undefined)[] = Array(n).fill(undefined);
  let found = 0;
  for (let i = 0; found < n; i++) {
    const key = `clock-${i}`;
    const p = partitionOf(key, n);
    if (keys[p] === undefined) {
      keys[p] = key;
      found++;
    }
  }
  return keys as string[];
}
