import { DEFAULT_MERGE_MAX_WAIT_MS } from './shard/merged-inputs.ts';

/**
 * What a fail-over adds beyond the session timeout before the new owner of an origin speaks: the
 * rebalance (a few seconds) and the restore of its shard (~10 s at 1M entities).
 */
export const FAILOVER_MARGIN_MS = 20_000;

/**
 * How long a merging shard waits for a silent origin (engine/shard/merged-inputs.ts) before taking
 * it as idle. An origin is silent through a fail-over: its owner died, the group notices after the
 * session timeout, and the new owner restores it. A bound shorter than that applies merged inputs
 * in arrival order at every fail-over, so the default grows with the session timeout (30 s at the
 * default 10 s; 65 s at Kafka's Java default of 45 s), and a configured bound that short is said
 * at start.
 */
export function mergeMaxWait(configuredMs: number | undefined, sessionTimeoutMs: number): { maxWaitMs: number; warning?: string } {
  const failover = sessionTimeoutMs + FAILOVER_MARGIN_MS;
  if (configuredMs === undefined) return { maxWaitMs: Math.max(DEFAULT_MERGE_MAX_WAIT_MS, failover) };
  if (configuredMs >= failover) return { maxWaitMs: configuredMs };
  return {
    maxWaitMs: configuredMs,
    warning: `event_time_max_wait_ms ${configuredMs} is shorter than a fail-over (session timeout ${sessionTimeoutMs} ms and ~${FAILOVER_MARGIN_MS / 1000} s to rebalance and restore): while an origin changes hands, merged inputs may be applied in arrival order`,
  };
}
