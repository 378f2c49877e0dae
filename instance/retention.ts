/** How often rows past retention are looked for. */
export const RETENTION_INTERVAL_MS = 10 * 60_000;

/** One table (or set of tables) whose rows older than `days` are deleted. */
export interface RetentionRule {
  /** The log lines' tag, e.g. `analytics` → `[analytics] retention: deleted 12 aggregate row(s) …`. */
  name: string;
  /** What a deleted row is, for the log line. */
  rows: string;
  days: number;
  /** Deletes rows older than `before` (epoch ms) in bounded batches; resolves to how many. */
  deleteBefore(before: number): Promise<number>;
}

/**
 * Runs every rule now and then every `intervalMs`, one rule after the other, outside any
 * checkpoint. Every instance runs it; deletes of the same old rows by two instances are harmless.
 * A failing rule is logged and retried at the next sweep; the others still run. Returns the stop
 * function, which waits for a sweep in progress.
 *
 * @example
 * const stop = startRetention([{ name: 'alerts', rows: 'alert', days: 7, deleteBefore: (t) => deleteAlertsBefore(sql, t) }], log);
 */
export function startRetention(
  rules: readonly RetentionRule[],
  log: (line: string) => void,
  opts: { intervalMs?: number; now?: () => number } = {},
): () => Promise<void> {
  const intervalMs = opts.intervalMs ?? RETENTION_INTERVAL_MS;
  const now = opts.now ?? Date.now;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const sweep = async () => {
    for (const rule of rules) {
      if (stopped) return;
      try {
        const n = await rule.deleteBefore(now() - rule.days * 86_400_000);
        if (n > 0) log(`[${rule.name}] retention: deleted ${n} ${rule.rows}(s) older than ${rule.days} day(s)`);
      } catch (e) {
        log(`[${rule.name}] retention sweep failed (retried in ${Math.round(intervalMs / 60_000)} min): ${(e as Error).message}`);
      }
    }
  };
  let busy = false;
  // A sweep still running when the next is due (a long first one over old history) is not joined
  // by another: that tick is skipped.
  const schedule = () => {
    if (busy) return;
    busy = true;
    running = sweep().finally(() => (busy = false));
  };
  const timer = setInterval(schedule, intervalMs);
  schedule();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
