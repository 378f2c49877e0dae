import type { ActorContext, ActorInput } from '../../actors/actor.ts';
import { minuteOf, plainAggregateTable, type Aggregate, type AggregateTable, type Increment } from '../../actors/projection.ts';
import type { Alert } from '../../schemas/index.ts';
import { MAX_EPOCH_MS, shown } from '../../actors/transition-checks.ts';
import type { AggregateRows } from './shard-api.ts';

interface Cell {
  minute: number;
  dims: readonly string[];
  values: number[];
  key?: string;
}

/**
 * Sums what a shard's inputs add to its actor type's aggregates between two checkpoints, per table,
 * minute and dimension values, so a checkpoint writes one row per cell however many inputs fed it.
 * While the shard records its inputs (a checkpoint Postgres refused is being isolated), cells are
 * kept per entity too, so the refused entities' share can be left out with their inputs.
 */
export class AggregateFold {
  private readonly cells = new Map<string, Cell>();
  /** Each aggregate's increments for the input being added, reused across inputs. */
  private readonly scratch: (readonly Increment[])[] = [];
  /**
   * Per aggregate, the cell its last increment went to. Consecutive inputs mostly add to the same
   * cell (every page view of a minute to one funnel row), and finding it again this way skips
   * building and hashing its id (issue #19: ~2% of a backlog's CPU). Cleared with the cells.
   */
  private readonly lastCell: (Cell | undefined)[] = [];

  /** The declared tables as plain data, which is what a take's rows carry to the store's thread. */
  private readonly tables: AggregateTable[];

  constructor(
    private readonly aggregates: readonly Aggregate<unknown>[],
    private readonly perEntity: boolean,
  ) {
    this.tables = aggregates.map((a) => plainAggregateTable(a.table));
  }

  /** Adds what one input adds. All or nothing: every aggregate's `add` runs before any cell changes, so one that throws leaves the fold as it was. */
  add(input: ActorInput, before: unknown, after: unknown, ctx: ActorContext, alerts: readonly Alert[]): void {
    const { aggregates, scratch } = this;
    let any = false;
    for (let t = 0; t < aggregates.length; t++) {
      const incs = aggregates[t]!.add(input, before, after, ctx, alerts);
      if (!Array.isArray(incs)) throw new Error(`aggregate '${aggregates[t]!.table.table}': add must return an array of increments (NO_INCREMENTS for none), got ${shown(incs)}`);
      scratch[t] = incs;
      any ||= incs.length > 0;
    }
    if (!any) return; // most inputs add nothing
    for (let t = 0; t < aggregates.length; t++) checkIncrements(aggregates[t]!.table, scratch[t]!);
    for (let t = 0; t < aggregates.length; t++) {
      for (const inc of scratch[t]!) {
        const values = this.cell(t, minuteOf(inc.at), inc.dims, ctx.key);
        for (let i = 0; i < values.length; i++) values[i] = values[i]! + (inc.values[i] ?? 0);
      }
    }
  }

  empty(): boolean {
    return this.cells.size === 0;
  }

  /** The summed cells since the last call, by table; empties the fold. */
  take(): AggregateRows[] {
    const byTable = new Map<number, AggregateRows>();
    for (const [id, c] of this.cells) {
      const t = Number(id.slice(0, id.indexOf('\0')));
      let rows = byTable.get(t);
      if (!rows) byTable.set(t, (rows = { table: this.tables[t]!, rows: [] }));
      rows.rows.push(c.key === undefined ? { minute: c.minute, dims: c.dims, values: c.values } : { minute: c.minute, dims: c.dims, values: c.values, key: c.key });
    }
    this.cells.clear();
    this.lastCell.length = 0;
    return [...byTable.values()];
  }

  private cell(table: number, minute: number, dims: readonly string[], key: string): number[] {
    const last = this.lastCell[table];
    if (last !== undefined && last.minute === minute && sameDims(last.dims, dims) && (!this.perEntity || last.key === key)) return last.values;
    const id = `${table}\0${minute}\0${dims.join('\0')}${this.perEntity ? `\0\0${key}` : ''}`;
    let c = this.cells.get(id);
    if (!c) {
      const width = this.aggregates[table]!.table.measures.length;
      // A copy: the actor's own array may be a Proxy, which a post to the store's thread refuses.
      c = { minute, dims: Array.from(dims), values: new Array<number>(width).fill(0) };
      if (this.perEntity) c.key = key;
      this.cells.set(id, c);
    }
    this.lastCell[table] = c;
    return c.values;
  }
}

/** Postgres's bigint holds less than 2^63 either way (a larger whole number is written as 1e+21, which it refuses too). */
const BIGINT_BOUND = 2 ** 63;

/**
 * Throws, before any cell changes, when an actor's `add` returns what its table cannot hold. Left
 * to the sums, a measure that is not a whole number is no error until much later, if ever: a
 * string concatenates ("05" + 3 is "053"), NaN and Infinity are written as null (the cell is null
 * from then on), a BigInt throws halfway through the cells, and a fraction is refused by Postgres's
 * bigint column, which fails the whole checkpoint before isolation finds the entity. As a throw
 * here it is the actor's error like any other (shard-handler.ts `accept`): the entity is
 * quarantined with this reason and the input parked, and nothing of it is counted.
 */
export function checkIncrements(table: AggregateTable, incs: readonly Increment[]): void {
  const width = table.measures.length;
  for (const inc of incs) {
    const at = inc?.at;
    if (typeof at !== 'number' || !(Math.abs(at) <= MAX_EPOCH_MS)) throw new Error(`aggregate '${table.table}': an increment's time 'at' must be epoch milliseconds, got ${shown(at)}`);
    const { dims, values } = inc;
    if (!Array.isArray(dims) || dims.length > table.dimensions.length) throw new Error(`aggregate '${table.table}': an increment's dims must be an array of ${table.dimensions.length} values (${table.dimensions.join(', ')}), got ${shown(dims)}`);
    for (let i = 0; i < dims.length; i++) {
      const d = dims[i];
      // Text columns: what JSON writes of these is their text. Anything else was made text by
      // calling into it (a toString that throws broke the fold halfway through an input).
      if (d !== null && d !== undefined && typeof d !== 'string' && typeof d !== 'number' && typeof d !== 'boolean') {
        throw new Error(`aggregate '${table.table}': dimension '${table.dimensions[i]}' must be a string, got ${shown(d)}`);
      }
    }
    if (!Array.isArray(values) || values.length > width) throw new Error(`aggregate '${table.table}': an increment's values must be an array of at most ${width} numbers (${table.measures.join(', ')}), got ${shown(values)}`);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v !== undefined && !(Number.isInteger(v) && Math.abs(v as number) < BIGINT_BOUND)) throw new Error(`aggregate '${table.table}': measure '${table.measures[i]}' must be a whole number (it is a bigint column; money in minor units), got ${shown(v)}`);
    }
  }
}

function sameDims(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
