import postgres from 'postgres';

/**
 * The connection handle every store function takes: a postgres.js pool. Callers pass it around
 * and close it (`sql.end()`); only store/ writes statements with it.
 */
export type Sql = postgres.Sql;

export interface PoolOptions {
  /** Most connections the pool opens. */
  max: number;
  /** Seconds to wait for a connection before failing (postgres.js default: 30). */
  connectTimeoutSeconds?: number;
  /**
   * Postgres ends a session that sits this long inside a transaction without sending a statement
   * (`idle_in_transaction_session_timeout`). A frozen process (SIGSTOP, a VM pause) would otherwise
   * keep its checkpoint's row locks, and the shard's next owner would wait on them until it thaws.
   */
  idleInTransactionTimeoutMs?: number;
}

/**
 * Opens a pool on `url` (nothing connects until the first statement). Server notices are dropped:
 * `create table if not exists` and friends would otherwise print them on every start.
 *
 * @example
 * const sql = openPool(process.env.DATABASE_URL!, { max: 4 });
 * try { await ping(sql); } finally { await sql.end({ timeout: 5 }); }
 */
export function openPool(url: string, opts: PoolOptions): Sql {
  return postgres(url, {
    max: opts.max,
    ...(opts.connectTimeoutSeconds !== undefined ? { connect_timeout: opts.connectTimeoutSeconds } : {}),
    ...(opts.idleInTransactionTimeoutMs !== undefined
      ? { connection: { idle_in_transaction_session_timeout: opts.idleInTransactionTimeoutMs } }
      : {}),
    onnotice: () => {},
  });
}
