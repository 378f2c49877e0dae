/**
 * Paces a writer to a target rate on the wall clock: before sending record number `sent`, wait
 * until `sent / rate` seconds have passed since the start. Pacing per batch rather than per record
 * keeps the timer count low; being measured from the start, it never drifts.
 */
export interface Pacer {
  /** Resolves when a batch starting at record number `sent` may go (at once when behind or unpaced). */
  wait(sent: number): Promise<void>;
  /** Milliseconds since the pacer was created. */
  elapsedMs(): number;
}

/**
 * A pacer for `rate` records per second; 0 means as fast as possible. `signal` cuts a wait short.
 * @example const pacer = createPacer(2000); await pacer.wait(sent); send(batch);
 */
export function createPacer(rate: number, signal?: AbortSignal): Pacer {
  const started = performance.now();
  return {
    elapsedMs: () => performance.now() - started,
    wait(sent: number): Promise<void> {
      if (!(rate > 0) || signal?.aborted) return Promise.resolve();
      const wait = started + (sent * 1000) / rate - performance.now();
      return wait > 0 ? sleep(wait, signal) : Promise.resolve();
    },
  };
}

/** Records per batch for a paced writer: about 20 batches a second, never more than `max`. */
export function batchSizeFor(rate: number, max: number): number {
  return rate > 0 ? Math.max(1, Math.min(max, Math.round(rate / 20))) : max;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
