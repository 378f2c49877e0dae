import RequestQueue from 'kafkajs/src/network/requestQueue/index.js';

/**
 * kafkajs 2.2.4 (its last release) keeps a 1 ms timer running on every broker connection, forever:
 * `RequestQueue.checkPendingRequests` always re-arms `scheduleCheckPendingRequests`, which, with no
 * request pending and no throttle, computes a delay of `-1 - Date.now()` — clamped to 1 ms by the
 * runtime, with a TimeoutNegativeWarning — and so checks again a millisecond later. An idle
 * producer and consumer woke ~2,700 times a second and used 2.8% of a core (0.6% with this fix);
 * under load every connection fires it once a millisecond. Upstream: tulios/kafkajs#1704, #1751,
 * PR #1768 (open, the project is unmaintained).
 *
 * The fix: a queue with nothing pending arms no timer. Nothing is lost: a request that cannot go
 * out at once is queued by `push`, which arms the timer itself (throttle end or 10 ms), and a
 * fulfilled or timed-out request checks the queue at once. Idempotent; applied with the other
 * kafkajs fixes (fixes.ts).
 */
export function fixKafkajsIdleTimer(): void {
  const proto = RequestQueue.prototype as QueueInternals;
  if (proto[FIXED]) return;
  const schedule = proto.scheduleCheckPendingRequests;
  proto.scheduleCheckPendingRequests = function (this: QueueInternals) {
    if (this.pending.length === 0) return;
    schedule.call(this);
  };
  proto[FIXED] = true;
}

const FIXED = Symbol.for('actorstream.kafkajsIdleTimerFixed');

/** What the fix touches of kafkajs's (untyped, internal) RequestQueue. */
interface QueueInternals {
  pending: unknown[];
  scheduleCheckPendingRequests(): void;
  [FIXED]?: true;
}
