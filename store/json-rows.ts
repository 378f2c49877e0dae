import type postgres from 'postgres';

/**
 * A checkpoint statement's rows as ONE json parameter, unpacked by `json_to_recordset` in the
 * statement (issue #19). postgres.js sends an array parameter as a text literal built element by
 * element in JavaScript — every value, numbers too, turned into a string, escaped by two regular
 * expressions and quoted — one array per column. That was the processor's largest client-side
 * cost of a checkpoint: 9 µs of main-thread CPU per state row (bench/checkpoint-pass.ts). One
 * JSON.stringify of the rows is native code, and `json` (not `jsonb`) input is parsed once by
 * Postgres, straight into the declared column types. Except a nested object or array declared
 * `json`/`jsonb`: its tokens are walked by that parse and its text parsed again into the column.
 * Send such a value as JSON text (a `text` alias, cast in the select): the outer parse then only
 * scans a string (store/checkpoint-writes.ts `writeStates`).
 *
 * Rows are objects with short keys (the column aliases of the statement's `as u(...)` list);
 * Postgres refuses what it cannot hold (U+0000, lone surrogates) with a class-22 error, as it did
 * array elements, so checkpoint isolation (store/unstorable.ts) still finds the refused rows.
 */
export function jsonRows(tx: postgres.Sql | postgres.TransactionSql, rows: readonly Record<string, unknown>[]): postgres.Parameter {
  return tx.typed(rows as never, JSON_OID) as postgres.Parameter;
}

/** The `json` type's OID: postgres.js serializes the value with JSON.stringify, once. */
const JSON_OID = 114;
