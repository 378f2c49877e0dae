import type { AggregateTable, Column } from '../actors/projection.ts';
import type { Sql } from './pool.ts';

/**
 * The tables actors declare for analysts (actors/projection.ts), checked against the database
 * before the processor starts. The engine writes them in every checkpoint, and a table missing,
 * short of a declared column, or without the unique key its upsert needs fails that statement
 * with an error that is not about any row (42P01, 42703, 42P10): no isolation can help, and the
 * shard's partition stopped at its first checkpoint (found by review). Said at start instead, with
 * the statement that would create what is missing. The built-in tables come from the migrations
 * (store/migrations.ts); an actor module's own are its author's to create.
 */
export interface DeclaredTables {
  readModels: { actorType: string; table: string; columns: readonly Column[] }[];
  aggregates: { actorType: string; table: AggregateTable }[];
}

/** The tables `actors` declare: their read models and aggregate tables, by actor type. */
export function declaredTablesOf(actors: readonly { type: string; readModel?: { table: string; columns: readonly Column[] }; aggregates?: readonly { table: AggregateTable }[] }[]): DeclaredTables {
  return {
    readModels: actors.flatMap((a) => (a.readModel ? [{ actorType: a.type, table: a.readModel.table, columns: a.readModel.columns }] : [])),
    aggregates: actors.flatMap((a) => (a.aggregates ?? []).map((g) => ({ actorType: a.type, table: g.table }))),
  };
}

/** What is wrong with the declared tables, one line each (empty: all there). */
export async function declaredTableProblems(sql: Sql, declared: DeclaredTables): Promise<string[]> {
  // Once each: several actor types may add to one aggregate table.
  const names = [...new Set([...declared.readModels.map((r) => r.table), ...declared.aggregates.map((a) => `${a.table.table}_part`)])];
  if (names.length === 0) return [];
  // Found as the statements find them (the search path), keys as ON CONFLICT can use them: unique,
  // valid, checked at once, not partial, on plain columns (the first indnkeyatts; INCLUDE ones are not keys).
  const columns = await sql<{ table_name: string; column_name: string }[]>`
    select n.name as table_name, a.attname as column_name
    from unnest(${names}::text[]) as n(name)
    join pg_class c on c.oid = to_regclass(quote_ident(n.name))
    join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped`;
  const keys = await sql<{ table_name: string; columns: string[] }[]>`
    select n.name as table_name, array_agg(a.attname::text order by k.n) as columns
    from unnest(${names}::text[]) as n(name)
    join pg_class c on c.oid = to_regclass(quote_ident(n.name))
    join pg_index i on i.indrelid = c.oid and i.indisunique and i.indisvalid and i.indimmediate and i.indpred is null and i.indexprs is null
    cross join lateral unnest(i.indkey::int2[]) with ordinality as k(attnum, n)
    join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum
    where k.n <= i.indnkeyatts
    group by i.indexrelid, n.name`;
  const columnsOf = new Map<string, Set<string>>();
  for (const c of columns) (columnsOf.get(c.table_name) ?? columnsOf.set(c.table_name, new Set()).get(c.table_name)!).add(c.column_name);
  const hasUniqueKey = (table: string, cols: readonly string[]) => keys.some((k) => k.table_name === table && sameSet(k.columns, cols));
  const problems: string[] = [];
  for (const rm of declared.readModels) {
    const want = [...rm.columns.map((c) => c.name), 'updated_at']; // the upsert stamps updated_at
    const key = want.slice(0, 1);
    problems.push(...tableProblems(`read model of ${rm.actorType}`, rm.table, columnsOf.get(rm.table), want, key, hasUniqueKey(rm.table, key), readModelDdl(rm.table, rm.columns)));
  }
  for (const ag of declared.aggregates) {
    const t = ag.table;
    const part = `${t.table}_part`;
    const key = ['minute', ...t.dimensions, 'shard'];
    problems.push(...tableProblems(`aggregate of ${ag.actorType}`, part, columnsOf.get(part), [...key, ...t.measures], key, hasUniqueKey(part, key), aggregateDdl(t)));
  }
  return problems;
}

function tableProblems(what: string, table: string, have: Set<string> | undefined, want: readonly string[], key: readonly string[], keyed: boolean, ddl: string): string[] {
  if (!have) return [`${what}: table ${table} does not exist; create it, e.g.: ${ddl}`];
  const missing = want.filter((c) => !have.has(c));
  if (missing.length > 0) return [`${what}: table ${table} lacks column${missing.length === 1 ? '' : 's'} ${missing.join(', ')} (declared as: ${ddl})`];
  return keyed ? [] : [`${what}: table ${table} needs a primary key or unique index on (${key.join(', ')}) for its upsert (declared as: ${ddl})`];
}

const SQL_TYPE: Record<Column['type'], string> = { text: 'text', bigint: 'bigint', int: 'int', boolean: 'boolean', timestamptz: 'timestamptz' };

function readModelDdl(table: string, columns: readonly Column[]): string {
  return `create table ${table} (${columns.map((c, i) => `${c.name} ${SQL_TYPE[c.type]}${i === 0 ? ' primary key' : ''}`).join(', ')}, updated_at timestamptz not null default now())`;
}

function aggregateDdl(t: AggregateTable): string {
  const cols = ['minute timestamptz not null', ...t.dimensions.map((d) => `${d} text not null`), 'shard text not null', ...t.measures.map((m) => `${m} bigint not null default 0`)];
  return `create table ${t.table}_part (${cols.join(', ')}, primary key (${['minute', ...t.dimensions, 'shard'].join(', ')}))`;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
