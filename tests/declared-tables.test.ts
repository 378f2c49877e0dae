import { describe, expect, test } from 'bun:test';
import { buildActors } from '../actors/registry.ts';
import { declaredTableProblems, declaredTablesOf } from '../store/index.ts';
import { useMigratedDatabase } from './support/migrated-database.ts';
import { startEmbeddedInstance } from './support/embedded-instance.ts';
import { ConfigError } from '../schemas/index.ts';

/**
 * The tables actors declare for analysts, checked at start (store/declared-tables.ts). A missing
 * one failed the shard's first checkpoint with an error no isolation helps: its partition stopped
 * (found by review). Now the processor refuses to start, naming the table and how to create it.
 */
const db = useMigratedDatabase();

describe('declared analytics tables', () => {
  test('the built-in ones are there after the migrations', async () => {
    expect(await declaredTableProblems(db.sql, declaredTablesOf(buildActors()))).toEqual([]);
  });

  test('a missing table, a missing column and a table without the key its upsert needs are each named, with the statement that creates it', async () => {
    await db.sql`create table cart_rows (cart_id text, total bigint)`;
    await db.sql`create table cart_minute_part (minute timestamptz not null, shard text not null, carts bigint not null default 0)`;
    await db.sql`create table wish_rows (wish_id text primary key, n bigint, updated_at timestamptz)`;
    const problems = await declaredTableProblems(db.sql, {
      readModels: [
        { actorType: 'cart', table: 'cart_rows', columns: [{ name: 'cart_id', type: 'text' }, { name: 'total', type: 'bigint' }] },
        { actorType: 'wish', table: 'wish_rows', columns: [{ name: 'wish_id', type: 'text' }, { name: 'n', type: 'bigint' }, { name: 'owner', type: 'text' }] },
        { actorType: 'gift', table: 'gift_rows', columns: [{ name: 'gift_id', type: 'text' }] },
      ],
      aggregates: [{ actorType: 'cart', table: { table: 'cart_minute', dimensions: [], measures: ['carts'] } }],
    });
    expect(problems).toEqual([
      'read model of cart: table cart_rows lacks column updated_at (declared as: create table cart_rows (cart_id text primary key, total bigint, updated_at timestamptz not null default now()))',
      'read model of wish: table wish_rows lacks column owner (declared as: create table wish_rows (wish_id text primary key, n bigint, owner text, updated_at timestamptz not null default now()))',
      'read model of gift: table gift_rows does not exist; create it, e.g.: create table gift_rows (gift_id text primary key, updated_at timestamptz not null default now())',
      'aggregate of cart: table cart_minute_part needs a primary key or unique index on (minute, shard) for its upsert (declared as: create table cart_minute_part (minute timestamptz not null, shard text not null, carts bigint not null default 0, primary key (minute, shard)))',
    ]);
    await db.sql`alter table cart_rows add column updated_at timestamptz`;
    await db.sql`alter table cart_rows add primary key (cart_id)`;
    // Keys an upsert cannot use are no keys; INCLUDE columns are not part of one; another schema on the search path is found.
    await db.sql`create table part_rows (part_id text, updated_at timestamptz)`;
    await db.sql`create unique index part_rows_partial on part_rows (part_id) where part_id <> ''`;
    await db.sql`create unique index part_rows_expr on part_rows (lower(part_id))`;
    await db.sql`create schema elsewhere`;
    await db.sql`create table elsewhere.tool_rows (tool_id text, n bigint, updated_at timestamptz)`;
    await db.sql`create unique index tool_rows_key on elsewhere.tool_rows (tool_id) include (n)`;
    const rm = (table: string, key: string) => ({ actorType: 'x', table, columns: [{ name: key, type: 'text' as const }] });
    expect(await declaredTableProblems(db.sql, { readModels: [rm('part_rows', 'part_id')], aggregates: [] })).toEqual([
      'read model of x: table part_rows needs a primary key or unique index on (part_id) for its upsert (declared as: create table part_rows (part_id text primary key, updated_at timestamptz not null default now()))',
    ]);
    await db.sql`set search_path to public, elsewhere`;
    expect(await declaredTableProblems(db.sql, { readModels: [rm('tool_rows', 'tool_id')], aggregates: [] })).toEqual([]);
    await db.sql`set search_path to public`;
    const cartOnly = await declaredTableProblems(db.sql, { readModels: [{ actorType: 'cart', table: 'cart_rows', columns: [{ name: 'cart_id', type: 'text' }, { name: 'total', type: 'bigint' }] }], aggregates: [] });
    expect(cartOnly).toEqual([]);
  });

  test('a processor whose actor declares a table that is not there refuses to start, with a configuration error naming it', async () => {
    const actors = buildActors().map((a) => (a.type === 'sku' ? { ...a, readModel: { ...a.readModel!, table: 'sku_rows_nowhere' } } : a));
    const started = startEmbeddedInstance('declared', { processor: { actors } });
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow('read model of sku: table sku_rows_nowhere does not exist; create it, e.g.: create table sku_rows_nowhere (sku text primary key');
  }, 30_000); // an embedded instance starts in 4–5 s here: past bun's default 5 s when the machine is busy
});
