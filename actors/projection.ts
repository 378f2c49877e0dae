import type { Alert } from '../schemas/index.ts';
import type { ActorContext, ActorInput } from './actor.ts';
import { shown, thrownMessage } from './transition-checks.ts';

/**
 * What an actor type declares for analysts, beside its state: a read model (one typed row per
 * entity, projected from its state) and windowed aggregates (per event-time minute, added to by
 * its inputs). Both are pure functions of what the actor already has; the engine writes their
 * rows in the same checkpoint transaction as the states, so they are exactly-once and never ahead
 * of or behind the actors.
 */

/** A column of a read model or aggregate table. `timestamptz` values are epoch milliseconds. */
export interface Column {
  readonly name: string;
  readonly type: 'text' | 'bigint' | 'int' | 'boolean' | 'timestamptz';
}

export type CellValue = string | number | boolean | null;

/**
 * Declared columns as plain data, for a checkpoint's delta to carry to the store's thread: a post
 * between threads refuses a function or a Proxy in what an actor declared, on every retry.
 */
export function plainColumns(columns: readonly Column[]): Column[] {
  return Array.from(columns, (c) => ({ name: c.name, type: c.type }));
}

/**
 * A typed table with one row per entity. The first column is the entity key; `row` gives every
 * column's value in order, the key first, or undefined when the entity has nothing to show yet (an
 * order that has only heard about itself through a message).
 */
export interface ReadModel<S> {
  readonly table: string;
  readonly columns: readonly Column[];
  row(key: string, state: S): readonly CellValue[] | undefined;
}

/**
 * A table of additive counts per event-time minute: `dimensions` (text) and `measures` (bigint)
 * name its columns besides `minute`. Several actor types may add to one table (the funnel counts
 * page views from users and orders from orders), so the table's shape is declared once.
 */
export interface AggregateTable {
  readonly table: string;
  readonly dimensions: readonly string[];
  readonly measures: readonly string[];
}

/** A declared aggregate table as plain data, for the same reason as `plainColumns`. */
export function plainAggregateTable(t: AggregateTable): AggregateTable {
  return { table: t.table, dimensions: Array.from(t.dimensions), measures: Array.from(t.measures) };
}

/** What one input adds to an aggregate: the event time it counts at, dimension values and increments, both in the table's order. */
export interface Increment {
  readonly at: number;
  readonly dims: readonly string[];
  readonly values: readonly number[];
}

/**
 * How an actor type adds to an aggregate table. `add` sees the input, the state before and after
 * it, and the alerts the input raised; it returns what to add (usually nothing). Pure.
 */
export interface Aggregate<S> {
  readonly table: AggregateTable;
  add(input: ActorInput, before: S, after: S, ctx: ActorContext, alerts: readonly Alert[]): readonly Increment[];
}

/**
 * `model.row(key, state)`, checked: undefined for no row, else a plain array keyed by the entity.
 * Anything but an array failed the delta's post to the store's thread on every retry, for good (the
 * shard's partition stopped); a row keyed by anything else could collide with another entity's in
 * one statement (which Postgres refuses for the whole checkpoint, not as a data error), and a
 * refused row would be blamed on an entity that did not write it. Throws with the reason.
 *
 * The row comes back as a copy whose cells are what the store's JSON makes of them (a function
 * null, a Date its ISO text, or its epoch milliseconds in a timestamptz column), for the same
 * reason: an actor's array may be a Proxy, or hold a value a post between threads refuses (a
 * function beside a cycle), and such a row too failed every post. A cell JSON cannot encode at all
 * (a cycle, a BigInt), or a row whose reading throws, is refused here.
 */
export function projectRow<S>(model: ReadModel<S>, key: string, state: S): readonly CellValue[] | undefined {
  const row = model.row(key, state);
  if (!row) return undefined;
  if (!Array.isArray(row)) throw new Error(`row must return an array of its ${model.columns.length} column values, or undefined for no row; it returned ${shown(row)}`);
  const cells = new Array<CellValue>(row.length);
  for (let i = 0; i < cells.length; i++) cells[i] = plainCell(row[i], i, model);
  if (cells[0] !== key) throw new Error(`row's first value must be the entity's key '${key}' (column ${model.columns[0]?.name}), got ${shown(cells[0])}`);
  return cells;
}

/** A row's cell as the store's JSON will hold it: primitives as they are, anything else through JSON. */
function plainCell(v: unknown, i: number, model: ReadModel<unknown>): CellValue {
  if (v === null || v === undefined || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v as CellValue;
  // A timestamptz column is written from epoch milliseconds (store/analytics-writes.ts): a Date there
  // is its time. Its JSON, the ISO text, is what a text column gets, and a timestamptz one refused.
  if (v instanceof Date && model.columns[i]?.type === 'timestamptz') return Number.isNaN(v.getTime()) ? null : v.getTime();
  let text: string | undefined;
  try {
    text = JSON.stringify(v);
  } catch (e) {
    throw new Error(`row value ${i + 1} (column ${model.columns[i]?.name ?? '(none)'}) cannot be encoded as JSON: ${thrownMessage(e)}`);
  }
  return text === undefined ? null : (JSON.parse(text) as CellValue);
}

export const MINUTE_MS = 60_000;

/** The start of the event-time minute `at` falls in. */
export function minuteOf(at: number): number {
  return Math.floor(at / MINUTE_MS) * MINUTE_MS;
}

/** An amount in minor units (hundredths), as the aggregates and read models keep money: integers add exactly. */
export function minorUnits(amount: number): number {
  return Math.round(amount * 100);
}

/** The empty answer of `add` (most inputs add nothing), shared. */
export const NO_INCREMENTS: readonly Increment[] = Object.freeze([]);
