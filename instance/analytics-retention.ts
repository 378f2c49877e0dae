import { deleteAggregatesBefore, type Sql } from '../store/index.ts';

/** How often aggregate minutes past retention are looked for. */
export const RETENTION_INTERVAL_MS = 10 * 60_000;

/**
 * Deletes aggregate minutes older than `days`, now and every RETENTION_INTERVAL_MS, in bounded
 * batches (store/analytics.ts) outside any checkpoint. Every instance runs it; deletes of the same
 * old rows by two instances are harmless. Returns the stop function.
 */
export function startAnalyticsRetention(sql: Sql, days: number, log: (line: string) => void): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    running = deleteAggregatesBefore(sql, Date.now() - days * 86_400_000)
      .then((n) => n > 0 && log(`[analytics] retention: deleted ${n} aggregate row(s) older than ${days} day(s)`))
      .catch((e) => log(`[analytics] retention sweep failed (retried in ${RETENTION_INTERVAL_MS / 60_000} min): ${(e as Error).message}`));
  };
  const timer = setInterval(sweep, RETENTION_INTERVAL_MS);
  sweep();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
