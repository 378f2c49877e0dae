import type postgres from 'postgres';
import type { CarriedState } from '../engine/shard/shard-api.ts';
import { thrownMessage } from '../actors/transition-checks.ts';

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
 * scans a string (store/checkpoint-writes.ts `writeOutbox`'s headers). A long one goes beside the
 * rows instead, not escaped at all (`textLines`: states, message values).
 *
 * Rows are objects with short keys (the column aliases of the statement's `as u(...)` list);
 * Postgres refuses what it cannot hold (U+0000, lone surrogates) with a class-22 error, as it did
 * array elements, so checkpoint isolation (store/unstorable.ts) still finds the refused rows.
 */
export function jsonRows(tx: postgres.Sql | postgres.TransactionSql, rows: readonly Record<string, unknown>[]): postgres.Parameter {
  // Encoded here, not by postgres.js, so that a value JSON cannot hold fails as a data error of
  // its rows (see UnencodableValue); sent as text, which the statement casts with `::json`.
  return tx.typed(jsonText(rows, 'a row') as never, TEXT_OID) as postgres.Parameter;
}

/** The `text` type's OID: postgres.js sends the string as it is. */
const TEXT_OID = 25;

/**
 * The long text of each row (a state's or a message's JSON) as ONE text parameter, a line each,
 * for `unnest(string_to_array(<it>, E'\n'))` beside the statement's `json_to_recordset` in one
 * `rows from (…)`, which pairs them by position (issue #19). Inside the JSON rows each such text
 * was escaped by `JSON.stringify` (every quote) and unescaped by Postgres's parse: on the server
 * that parse was 40% of a state upsert (12,082 states: 65 ms, against 27–37 ms for the rest of
 * the rows plus the lines; the whole upsert 149–157 → 108–122 ms; bench/README "States and
 * messages as lines").
 *
 * A text from JSON.stringify never holds a line break (it escapes control characters). One that is
 * not a string, is empty or holds one (a dead letter's raw value) goes in its row instead, as
 * `o`, with `x: true`, and its line is a placeholder: the statement reads
 * `case when x then o else <line> end`. So nothing is ever split wrong, and a missing text is
 * still null (NOT NULL refuses it, as before). So does a text with a lone surrogate: as a line,
 * postgres.js would write it as U+FFFD and Postgres would store that; escaped in a row, Postgres
 * refuses it with a data error, which checkpoint isolation finds (store/unstorable.ts).
 *
 * Adds `x` and `o` to the rows that need them: call it before the rows are encoded (`jsonRows`).
 */
export function textLines(tx: postgres.Sql | postgres.TransactionSql, rows: Record<string, unknown>[], texts: readonly unknown[]): postgres.Parameter {
  const lines = new Array<string>(texts.length);
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i];
    if (typeof text === 'string' && text !== '' && !text.includes('\n') && text.isWellFormed()) lines[i] = text;
    else {
      rows[i]!.x = true;
      rows[i]!.o = text ?? null;
      lines[i] = '-';
    }
  }
  return tx.typed(lines.join('\n') as never, TEXT_OID) as postgres.Parameter;
}

/**
 * A value of a checkpoint row that JSON cannot encode: a BigInt or a cycle in an actor's state,
 * timer, alert or read-model row. That is a bug in the actor, and retrying the same rows can never
 * succeed, so it is a data error (SQLSTATE class 22, `data_exception`) like a value Postgres
 * refuses: checkpoint isolation (store/unstorable.ts) finds the entity it belongs to and
 * quarantines it, and the partition flows on. Without this the commit failed with a TypeError on
 * every retry, and one event stopped its partition.
 */
export class UnencodableValue extends Error {
  readonly code = '22000';
}

/**
 * `JSON.stringify(value)`, or an UnencodableValue naming `what` (e.g. "sku 'sku-1': its state").
 * Undefined when the value itself is not JSON (undefined, a function): the column's NOT NULL says so.
 */
export function jsonText(value: unknown, what: string): string {
  try {
    return JSON.stringify(value);
  } catch (e) {
    throw unencodable(what, thrownMessage(e));
  }
}

/**
 * A checkpoint state row's JSON text: as a shard worker encoded it (`stateJson`,
 * engine/shard/postable-delta.ts), or encoded here from the object. A state the worker could not
 * encode is refused with the worker's reason, as its object would have been here.
 */
export function stateJsonOf(row: CarriedState & { actorType: string; key: string }): string {
  const what = `${row.actorType} '${row.key}': its state`;
  if (row.unencodable !== undefined) throw unencodable(what, row.unencodable);
  return 'stateJson' in row ? row.stateJson! : jsonText(row.state, what);
}

function unencodable(what: string, reason: string): UnencodableValue {
  return new UnencodableValue(`${what} cannot be encoded as JSON (${reason})`);
}
