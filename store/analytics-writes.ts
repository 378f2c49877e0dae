import type { AggregateRows, ReadModelRows } from '../engine/index.ts';
import type { Column } from '../actors/projection.ts';
import { checkIdentifier } from './identifier.ts';
import { jsonRows } from './json-rows.ts';
import type { StatementSql, Started } from './all-statements.ts';

/**
 * The read-model and aggregate statements of a checkpoint (store/checkpoint-store.ts runs them in
 * its transaction). Generic over the declared tables (actors/projection.ts), set-based like the
 * rest of the checkpoint: one statement per table, whatever the number of rows, its rows one json
 * parameter.
 */

type Tx = StatementSql;

/** A declared table or column name, quoted after the identifier check (it is spliced into SQL). */
function ident(name: string): string {
  return `"${checkIdentifier(name, 'a declared table or column name')}"`;
}

/**
 * Rows travel as one json parameter (store/json-rows.ts), each row an object keyed `c0`, `c1`, …;
 * timestamps as epoch milliseconds (bigint), made timestamptz in the statement.
 */
const RECORD_TYPE: Record<Column['type'], string> = { text: 'text', bigint: 'bigint', int: 'int', boolean: 'boolean', timestamptz: 'bigint' };

function selected(c: Column, i: number): string {
  return c.type === 'timestamptz' ? `to_timestamp(c${i} / 1000.0)` : `c${i}`;
}

/** The row as `json_to_recordset` reads it: a value per column alias; absent values are null. */
function rowObject(row: readonly unknown[], width: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = 0; i < width; i++) o[`c${i}`] = row[i] ?? null;
  return o;
}

/**
 * `unsafe` statements are not prepared by default, and postgres.js then describes one before it
 * binds it: a round trip of its own, with the transaction's later statements waiting behind it
 * instead of going out pipelined. The text here is fixed per declared table, so each connection
 * prepares it once. Under a backlog every round trip of a checkpoint waits for the consumer
 * thread's turn (issue #19, bench/README "The drain").
 */
const PREPARED = { prepare: true };

/**
 * Upserts the rows of one read model: each row replaces the entity's previous one, unless it is
 * equal to it. A checkpoint sends the row of every state that changed, and most changes leave the
 * row as it was (a user who browses changes state with every product page, not their
 * `user_risk`): such a row is not written again, which saves its new tuple, index entries and WAL
 * (issue #19). `updated_at` is then when the row last changed.
 */
export function writeReadModel(tx: Tx, rm: ReadModelRows | undefined): Started | undefined {
  if (!rm || rm.rows.length === 0) return undefined;
  const cols = rm.columns;
  const names = cols.map((c) => ident(c.name));
  const record = cols.map((c, i) => `c${i} ${RECORD_TYPE[c.type]}`).join(', ');
  const values = names.slice(1);
  const updates = values.map((n) => `${n} = excluded.${n}`).join(', ');
  const table = ident(rm.table);
  const changed = values.length === 0 ? 'false' : `(${values.map((n) => `${table}.${n}`).join(', ')}) is distinct from (${values.map((n) => `excluded.${n}`).join(', ')})`;
  return tx.unsafe(
    `insert into ${table} (${names.join(', ')})
     select ${cols.map(selected).join(', ')} from json_to_recordset($1::json) as u(${record})
     on conflict (${names[0]}) do update set ${updates}, updated_at = now() where ${changed}`,
    [jsonRows(tx, rm.rows.map((r) => rowObject(r, cols.length)))] as never[],
    PREPARED,
  ).execute();
}

/**
 * Adds shards' increments to their partial rows of each aggregate table (`<table>_part`), one
 * statement per table for all the shards given, all started at once (store/all-statements.ts).
 * Rows for one cell may repeat (kept per entity while a shard is isolating refused rows): they are
 * summed first.
 */
export function writeAggregates(tx: Tx, aggregates: readonly (AggregateRows & { shard: string })[]): Started[] {
  // Every table's statement is built (its rows encoded) before any is started: an encoding that
  // fails then leaves none of them sent (store/checkpoint-writes.ts startCheckpoint).
  const statements = byTable(aggregates).map((a) => {
    const { dimensions, measures } = a.table;
    const dims = dimensions.map(ident);
    const meas = measures.map(ident);
    const d = dimensions.map((_, i) => `d${i}`);
    const v = measures.map((_, i) => `v${i}`);
    const rows = a.rows.map(({ shard, row }) => {
      const o: Record<string, unknown> = { m: row.minute, s: shard };
      for (let i = 0; i < d.length; i++) o[d[i]!] = row.dims[i] ?? '';
      for (let i = 0; i < v.length; i++) o[v[i]!] = row.values[i] ?? 0;
      return o;
    });
    const record = ['m bigint', 's text', ...d.map((x) => `${x} text`), ...v.map((x) => `${x} numeric`)].join(', ');
    const part = ident(`${a.table.table}_part`);
    return tx.unsafe(
      `insert into ${part} (minute, ${[...dims, 'shard', ...meas].join(', ')})
       select to_timestamp(m / 1000.0), ${[...d, 's', ...v.map((x) => saturated(`sum(${x})`))].join(', ')}
       from json_to_recordset($1::json) as u(${record}) group by ${['m', ...d, 's'].join(', ')}
       on conflict (minute, ${[...dims, 'shard'].join(', ')}) do update set ${meas.map((m) => `${m} = ${saturated(`${part}.${m}::numeric + excluded.${m}`)}`).join(', ')}`,
      [jsonRows(tx, rows)] as never[],
      PREPARED,
    );
  });
  return statements.map((q) => q.execute());
}

/**
 * `expr` (numeric) as a bigint, held at the type's bounds. A cell's sum can pass them with input
 * the schemas accept (93 of the largest orders, 10^17 in minor units each, in one minute, country
 * and currency): as bigint arithmetic that failed the checkpoint, and no row of it alone, so
 * isolation found nothing and the partition stopped. A count that large is past meaning anyway;
 * the cell stays at the bound (docs/analytics.md).
 */
function saturated(expr: string): string {
  return `least(greatest(${expr}, -9223372036854775808), 9223372036854775807)::bigint`;
}

/** The rows of each aggregate table, with the shard each came from. */
function byTable(aggregates: readonly (AggregateRows & { shard: string })[]): { table: AggregateRows['table']; rows: { shard: string; row: AggregateRows['rows'][number] }[] }[] {
  const out = new Map<string, { table: AggregateRows['table']; rows: { shard: string; row: AggregateRows['rows'][number] }[] }>();
  for (const a of aggregates) {
    if (a.rows.length === 0) continue;
    let t = out.get(a.table.table);
    if (!t) out.set(a.table.table, (t = { table: a.table, rows: [] }));
    for (const row of a.rows) t.rows.push({ shard: a.shard, row });
  }
  return [...out.values()];
}
