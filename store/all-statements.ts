import type postgres from 'postgres';

/**
 * Waits for every statement of a transaction to settle, then throws the first failure (in the
 * order given, which is the order they were started in), if any.
 *
 * Not `Promise.all`: that rejects at the first failure while other statements are still running,
 * and the transaction's callback then ends (postgres.js sends ROLLBACK) before a writer that
 * starts a statement only after an earlier one answered has started it. postgres.js does not
 * refuse a statement started on a transaction handle after its transaction ended: it goes out on
 * the same connection, outside the transaction (it commits on its own, or inside whatever
 * transaction has the connection by then), or waits forever in a queue nobody drains. A fenced
 * checkpoint's second aggregate table landed that way. So a transaction's callback settles only
 * once every statement it started has.
 */
export async function allStatements(statements: readonly (Started | undefined)[]): Promise<void> {
  const settled = await Promise.allSettled(statements.filter((s) => s !== undefined));
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
}

/**
 * A statement already handed to its connection (`.execute()` on a postgres.js query), or undefined
 * when a writer had nothing to write. Writers start their statements synchronously, in the order
 * Postgres is to run them: postgres.js sends started queries in the order they were started, and
 * a commit sent right behind them (store/checkpoint-store.ts) must come after every one.
 */
export type Started = Promise<unknown>;

/** Whatever can run a checkpoint's statements: a transaction, or a reserved connection that pipelines BEGIN … COMMIT. */
export type StatementSql = postgres.TransactionSql | postgres.ReservedSql;
