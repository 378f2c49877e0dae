import type { Alert } from '../schemas/index.ts';

/**
 * What a processor reports as it works, for metrics, the dashboard and benchmarks. Every method is
 * optional and called synchronously on the processor's thread: keep them cheap (count, record into
 * a histogram) and never throw. Times are wall-clock milliseconds; `appendTimesMs` are the Kafka
 * timestamps (producer create time by default) of the records concerned, so `atMs - t` is the
 * event→state or event→durable latency of each record.
 */
export interface ProcessorObserver {
  /** A fetched batch of one topic partition went through its shard. */
  batchApplied?(e: BatchApplied): void;
  /** A shard's checkpoint committed: its records up to now are durable. */
  checkpointed?(e: Checkpointed): void;
  /** A checkpoint was refused (`fenced`: another owner holds a newer epoch) or failed. */
  checkpointFailed?(e: { shard: string; fenced: boolean; message: string }): void;
  /** Alerts that became durable in a checkpoint (before they are relayed to the alerts topic). */
  alertsCommitted?(alerts: readonly Alert[]): void;
  /** Outbox rows of a shard published to Kafka after its commit. */
  relayed?(e: { shard: string; records: number }): void;
  /** Outbox rows handed over in memory to a shard of this process instead of published (engine/local-delivery.ts). */
  handedOver?(e: { receiver: string; records: number }): void;
  /** The consumer's view of a partition: how far behind the log end this member is. */
  lag?(e: { topic: string; partition: number; lag: number }): void;
  /** This member no longer holds a shard: its partitions' per-partition figures (lag) are no longer ours to report. */
  released?(e: { shard: string; partitions: { topic: string; partition: number }[] }): void;
}

export interface BatchApplied {
  shard: string;
  actorType: string;
  topic: string;
  partition: number;
  /** Records handed to the shard, and of those how many it consumed (inbox records may wait). */
  records: number;
  consumed: number;
  /** The records are inbox messages handed over in memory (engine/local-delivery.ts), not fetched. */
  memory?: true;
  /** Handler applications (events, messages and timers that fired). */
  applied: number;
  deadLettered: number;
  duplicatesDropped: number;
  /** Inputs given to an entity after one with a later event time (engine/shard/event-time-order.ts). */
  outOfEventTimeOrder: number;
  /** Silent origins a merging shard stopped waiting for (engine/shard/merged-inputs.ts). */
  mergeWaitsTimedOut: number;
  /** Entities that stopped waiting for answers that did not come (engine/shard/awaiting-holds.ts). */
  awaitsTimedOut: number;
  appendTimesMs: readonly number[];
  /**
   * Set by a shard that merges in event time, or holds inputs for answers: `appendTimesMs` are then
   * the source events it applied in this call, whatever topic the batch was (its inbox messages are
   * not timed).
   */
  sourceTimesOnly?: true;
  atMs: number;
  /** Time spent applying the batch (worker round trip included). */
  applyMs: number;
  /** Consumed records carrying a W3C `traceparent` header (only those: tracing stays off the hot path). */
  traced: readonly TracedRecord[];
}

export interface TracedRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  actorType: string;
  traceparent: string;
}

export interface Checkpointed {
  shard: string;
  atMs: number;
  durationMs: number;
  rows: { states: number; offsets: number; outbox: number; alerts: number; timers: number };
  /** Kafka timestamps of the records this checkpoint made durable. */
  appendTimesMs: readonly number[];
  /** Traced records this checkpoint made durable. */
  traced: readonly TracedRecord[];
  /** Dead letters this checkpoint wrote, by source topic and error code. */
  deadLetters: { topic: string; code: string; count: number }[];
}

export const OBSERVER_METHODS = ['batchApplied', 'checkpointed', 'checkpointFailed', 'alertsCommitted', 'relayed', 'handedOver', 'lag', 'released'] as const;

/**
 * The same observer, but a method that throws is logged (once per method and message) instead of
 * propagating: an observer runs between applying a batch and resolving its offsets, and between a
 * commit and its relay, where a throw would stall the partition or skip the relay.
 */
export function guardObserver(observer: ProcessorObserver, log: (line: string) => void): ProcessorObserver {
  const reported = new Set<string>();
  const out: ProcessorObserver = {};
  for (const name of OBSERVER_METHODS) {
    const fn = observer[name] as ((e: never) => void) | undefined;
    if (!fn) continue;
    (out as Record<string, (e: never) => void>)[name] = (e: never) => {
      try {
        fn.call(observer, e);
      } catch (err) {
        const key = `${name}: ${(err as Error)?.message ?? err}`;
        if (!reported.has(key)) {
          reported.add(key);
          log(`observer ${key} (ignored; reported once)`);
        }
      }
    };
  }
  return out;
}
