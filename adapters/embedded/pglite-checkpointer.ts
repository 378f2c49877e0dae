import { simpleQuery, type PgliteSessionQueue } from './pglite-session-queue.ts';

/**
 * PGlite runs Postgres as one single-user backend: there is no checkpointer process, and its
 * standalone backend never requests a checkpoint itself (measured: pg_stat_checkpointer stays at 0
 * while the WAL passes max_wal_size many times over). Without checkpoints no WAL segment is ever
 * removed or recycled, and with an in-memory data dir every 16 MB segment is kept in memory: the
 * embedded default at 2,000 events/s wrote a segment every ~30 s, which was most of its RSS growth
 * (issue #17). This is the missing checkpointer: a CHECKPOINT every `everyMs`, queued like any
 * connection's exchange, so it never lands inside another connection's transaction.
 */
export interface PgliteCheckpointer {
  /** Stops the timer and waits for a checkpoint in flight. */
  stop(): Promise<void>;
}

/** Starts checkpointing through `queue` every `everyMs`; one at a time (a tick while one is queued is skipped). */
export function startPgliteCheckpointer(queue: PgliteSessionQueue, everyMs: number): PgliteCheckpointer {
  let inFlight: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (inFlight) return;
    // A failure comes back as ErrorResponse bytes (ignored) or a rejection (PGlite itself failed:
    // the connections see that too); the next tick tries again.
    inFlight = queue.enqueue(CHECKPOINTER_ID, CHECKPOINT, () => {}).catch(() => {}).finally(() => (inFlight = undefined));
  }, everyMs);
  // The checkpointer alone must not keep a process alive.
  (timer as { unref?: () => void }).unref?.();
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}

/** pglite-socket numbers its connection handlers from 1 up: a negative id never collides. */
const CHECKPOINTER_ID = -1;
const CHECKPOINT = simpleQuery('CHECKPOINT');
