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
  /** Shown as `application_name` in pg_stat_activity, so an operator sees which instance holds what. */
  applicationName?: string;
  /**
   * Keep each connection until it breaks or the pool ends, instead of postgres.js's default of
   * replacing it after 30–60 minutes: a connection's prepared statements live as long as it does,
   * and a processor prepares its checkpoint statements on every connection at start
   * (store/checkpoint-warmup.ts), which a replaced connection would have to do again, one round
   * trip per statement, at its first commit.
   */
  keepConnections?: boolean;
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
    ...(opts.applicationName !== undefined ? { connection: { application_name: opts.applicationName } } : {}),
    ...(opts.keepConnections ? { max_lifetime: null } : {}),
    onnotice: () => {},
  });
}
