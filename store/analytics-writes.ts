import type postgres from 'postgres';
import type { AggregateRows, ReadModelRows } from '../engine/index.ts';
import type { Column } from '../actors/projection.ts';
import { checkIdentifier } from './identifier.ts';

/**
 * The read-model and aggregate statements of a checkpoint (store/checkpoint-store.ts runs them in
 * its transaction). Generic over the declared tables (actors/projection.ts), set-based like the
 * rest of the checkpoint: one statement per table, whatever the number of rows.
 */

type Tx = postgres.TransactionSql;

/** A declared table or column name, quoted after the identifier check (it is spliced into SQL). */
function ident(name: string): string {
  return `"${checkIdentifier(name, 'a declared table or column name')}"`;
}

/**
 * Timestamps travel as epoch milliseconds (bigint) and become timestamptz in the statement;
 * booleans travel as text ('true'/'false'), since postgres.js sends a boolean array as one boolean.
 */
const ARRAY_TYPE: Record<Column['type'], string> = { text: 'text[]', bigint: 'bigint[]', int: 'int[]', boolean: 'text[]', timestamptz: 'bigint[]' };

function selected(c: Column, i: number): string {
  if (c.type === 'timestamptz') return `to_timestamp(c${i} / 1000.0)`;
  return c.type === 'boolean' ? `c${i}::boolean` : `c${i}`;
}

function param(c: Column, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  return c.type === 'boolean' ? String(v) : v;
}

/** Upserts the rows of one read model: each row replaces the entity's previous one. */
export async function writeReadModel(tx: Tx, rm: ReadModelRows | undefined): Promise<void> {
  if (!rm || rm.rows.length === 0) return;
  const cols = rm.columns;
  const names = cols.map((c) => ident(c.name));
  const params = cols.map((c, i) => rm.rows.map((r) => param(c, r[i])));
  const unnest = cols.map((c, i) => `$${i + 1}::${ARRAY_TYPE[c.type]}`).join(', ');
  const aliases = cols.map((_, i) => `c${i}`).join(', ');
  const updates = names.slice(1).map((n) => `${n} = excluded.${n}`).join(', ');
  await tx.unsafe(
    `insert into ${ident(rm.table)} (${names.join(', ')})
     select ${cols.map(selected).join(', ')} from unnest(${unnest}) as u(${aliases})
     on conflict (${names[0]}) do update set ${updates}, updated_at = now()`,
    params as never[],
  );
}

/**
 * Adds a shard's increments to its partial rows of each aggregate table (`<table>_part`). Rows for
 * one cell may repeat (kept per entity while a shard is isolating refused rows): they are summed first.
 */
export async function writeAggregates(tx: Tx, shard: string, aggregates: readonly AggregateRows[] | undefined): Promise<void> {
  for (const a of aggregates ?? []) {
    if (a.rows.length === 0) continue;
    const { dimensions, measures } = a.table;
    const dims = dimensions.map(ident);
    const meas = measures.map(ident);
    const params: unknown[] = [a.rows.map((r) => r.minute), ...dimensions.map((_, i) => a.rows.map((r) => r.dims[i] ?? '')), ...measures.map((_, i) => a.rows.map((r) => r.values[i] ?? 0)), shard];
    const d = dimensions.map((_, i) => `d${i}`);
    const v = measures.map((_, i) => `v${i}`);
    const arrays = [`$1::bigint[]`, ...d.map((_, i) => `$${i + 2}::text[]`), ...v.map((_, i) => `$${i + 2 + d.length}::bigint[]`)].join(', ');
    const part = ident(`${a.table.table}_part`);
    await tx.unsafe(
      `insert into ${part} (minute, ${[...dims, 'shard', ...meas].join(', ')})
       select to_timestamp(m / 1000.0), ${[...d, `$${params.length}::text`, ...v.map((x) => `sum(${x})`)].join(', ')}
       from unnest(${arrays}) as u(m, ${[...d, ...v].join(', ')}) group by ${['m', ...d].join(', ')}
       on conflict (minute, ${[...dims, 'shard'].join(', ')}) do update set ${meas.map((m) => `${m} = ${part}.${m} + excluded.${m}`).join(', ')}`,
      params as never[],
    );
  }
}
