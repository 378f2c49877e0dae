import { afterAll, beforeAll } from 'bun:test';
import { createTestDatabase, type TestDatabase } from '../../scripts/infra/test-database.ts';
import { migrate, openPool, type Sql } from '../../store/index.ts';

export interface MigratedDatabase {
  /** A pool on the file's own database, migrated to the newest schema (set in beforeAll). */
  readonly sql: Sql;
  /** Its connection URL, for a child process (the CLI) to reach the same database. */
  readonly url: string;
  /** The migration versions `migrate` applied to the fresh database, in order. */
  readonly applied: readonly number[];
}

/**
 * Gives the calling test file a fresh, migrated Postgres database of its own for all its tests,
 * and drops it after the last one: the setup every store-level integration test repeats.
 * `seed` runs once after the migrations (fixtures shared by the file's tests).
 */
export function useMigratedDatabase(opts: { max?: number; seed?: (sql: Sql) => Promise<void> } = {}): MigratedDatabase {
  let db: TestDatabase | undefined;
  let sql: Sql | undefined;
  let applied: number[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    sql = openPool(db.url, { max: opts.max ?? 4 });
    applied = await migrate(sql);
    await opts.seed?.(sql);
  }, 60_000);
  afterAll(async () => {
    await sql?.end({ timeout: 5 });
    await db?.drop();
  });
  return {
    get sql() {
      if (!sql) throw new Error('useMigratedDatabase: the database is ready only inside tests (after beforeAll)');
      return sql;
    },
    get url() {
      if (!db) throw new Error('useMigratedDatabase: the database is ready only inside tests (after beforeAll)');
      return db.url;
    },
    get applied() {
      return applied;
    },
  };
}
