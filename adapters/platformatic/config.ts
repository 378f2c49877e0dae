import type { BaseOptions } from '@platformatic/kafka';

export interface PlatformaticClientOptions {
  /** Fail fast (start-up checks, operator commands): short connection timeout, two retries. */
  failFast?: boolean;
  /**
   * Static group membership (KIP-345) for the engine's source: a member that dies and comes back
   * with the same id within the session timeout gets its shards back without a rebalance. One id
   * per processor instance, stable across its restarts (e.g. the pod name).
   */
  groupInstanceId?: string;
}

/** Connection settings every client of one LogClient shares. */
export type ClientConfig = Pick<BaseOptions, 'clientId' | 'bootstrapBrokers' | 'connectTimeout' | 'retries' | 'retryDelay'>;

/**
 * For a processor: enough retries to ride out a broker restart (exponential, about a minute in
 * all, like the kafkajs adapter's eight). With `failFast`, one clear error instead of a retry storm.
 */
export function clientConfig(clientId: string, brokers: readonly string[], opts: PlatformaticClientOptions = {}): ClientConfig {
  const bootstrapBrokers = [...brokers];
  if (opts.failFast) return { clientId, bootstrapBrokers, connectTimeout: 3_000, retries: 2, retryDelay: 300 };
  return { clientId, bootstrapBrokers, retries: 10, retryDelay: (_client, _op, attempt) => Math.min(300 * 2 ** (attempt - 1), 10_000) };
}

/** Errors of background work (fetch loop, group membership) go to stderr, like kafkajs's error log. */
export function logError(clientId: string): (line: string) => void {
  return (line) => console.error(`[platformatic ${clientId}] ${line}`);
}
