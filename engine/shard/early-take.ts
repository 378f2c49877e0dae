import type { ShardDelta } from './shard-api.ts';

/**
 * A checkpoint's take answered before the applies queued ahead of it (issue #19).
 *
 * A shard worker handles its messages in order, so a take waited behind every batch posted to the
 * worker before it: under a backlog, a fetch's worth of applies (up to 64 batches, ~1 s of work on
 * a busy machine), measured 0.4–1.6 s per take, and a checkpoint pass could not commit anything
 * until its slowest take was answered. Handing over messages, resuming paused partitions and
 * making records durable all waited with it.
 *
 * Taking a delta between two applies is what a take posted earlier would have done, so the processor
 * may ask for one out of turn: it raises the shard's flag in memory it shares with the worker
 * (`TakeSignal`), and the worker, at the start of its next apply (of any shard), takes the flagged
 * shards' deltas and posts them at once (`EarlyTakeAnswer`). The take's own message, reached later,
 * is then answered `ANSWERED_EARLY`. The answer follows every apply answered before it and precedes
 * every later one, which is what the processor's thread accounts a delta by
 * (engine/checkpoint-shard.ts takeDelta).
 *
 * The processor asks out of turn only when every call it posted for that shard and has not had
 * answered yet is one a take may pass (`jumpsOver`): applies, whose answers then come after the take
 * and are accounted to the next delta, reads, a source end noted. Never a call that changes what the
 * take would take or reads the last one taken (a rehydration, a release, the keys handed over,
 * passivation, the refused keys' inputs, an open or a close), nor another take of the shard (it
 * would take the delta that one is owed, and the two would commit out of order): the take goes in turn.
 *
 * Flags, one Int32 per slot: 0 none; 1 asked, not yet taken; 2 taken early, the take's message not
 * yet reached. Slot 0 counts the slots at 1, so the worker's check before each apply is one load.
 */
export interface TakeSignal {
  /** The flags, on a SharedArrayBuffer shared by the processor's thread and one worker. */
  flags: Int32Array;
  /** This shard's slot (≥ 1). */
  slot: number;
}

export const NONE = 0;
export const ASKED = 1;
export const TAKEN_EARLY = 2;

/** How many shards of one worker can be taken early at most (more are taken in turn). */
export const TAKE_SLOTS = 4096;

/** The worker's answer to a take's message whose delta was posted early. */
export const ANSWERED_EARLY = 'answered early';

/** What a worker posts when it takes a delta early: the delta, or why it could not. */
export interface EarlyTakeAnswer {
  earlyTake: number;
  delta?: ShardDelta | null;
  error?: string;
}

export function isEarlyTakeAnswer(data: unknown): data is EarlyTakeAnswer {
  return typeof data === 'object' && data !== null && typeof (data as EarlyTakeAnswer).earlyTake === 'number';
}

/** Host calls a take may be answered ahead of (see above). */
export const jumpsOver: ReadonlySet<string> = new Set(['apply', 'noteSourceEnd', 'clock', 'query']);
