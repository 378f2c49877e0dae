import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import postgres from 'postgres';
import { createTestDatabase, type TestDatabase } from '../scripts/infra/test-database.ts';

/**
 * Postgres round trip on the database `npm test` created for this run (DATABASE_URL). Run alone
 * (`bun test tests/postgres.test.ts`), it creates and drops a database of its own.
 */
let own: TestDatabase | undefined;
let sql: postgres.Sql;

beforeAll(async () => {
  let url = process.env.DATABASE_URL;
  if (!url || !/actorstream_test_/.test(url)) {
    own = await createTestDatabase();
    url = own.url;
  }
  sql = postgres(url, { max: 2, onnotice: () => {} });
});

afterAll(async () => {
  await sql?.end({ timeout: 5 });
  await own?.drop();
});

describe('postgres', () => {
  test('the run works in its own fresh database', async () => {
    const [row] = await sql`select current_database() as name, count(*)::int as tables
      from information_schema.tables where table_schema = 'public'`;
    expect(row!.name).toMatch(/^actorstream_test_/);
    expect(row!.tables).toBe(0);
  });

  test('batched upsert with UNNEST and jsonb round-trips rows', async () => {
    await sql`create table kv (key text primary key, state jsonb not null, version int not null)`;
    const keys = ['a', 'b', 'c'];
    const states = [{ onHand: 1 }, { onHand: 2, tags: ['x'] }, { nested: { ok: true } }];
    // States travel as text[] and are cast per element: a jsonb[] parameter would store each
    // document as a JSON *string* (double encoding), which this test exists to catch.
    const upsert = (k: string[], s: unknown[], v: number[]) => sql`insert into kv (key, state, version)
      select k, s::jsonb, v from unnest(${k}::text[], ${s.map((x) => JSON.stringify(x))}::text[], ${v}::int[]) as t(k, s, v)
      on conflict (key) do update set state = excluded.state, version = excluded.version`;
    await upsert(keys, states, [1, 1, 2]);
    await upsert(['a'], [{ onHand: 10 }], [3]);
    const rows = await sql`select key, state, version from kv order by key`;
    expect(rows.map((r) => [r.key, r.state, r.version])).toEqual([
      ['a', { onHand: 10 }, 3],
      ['b', { onHand: 2, tags: ['x'] }, 1],
      ['c', { nested: { ok: true } }, 2],
    ]);
  });

  test('a failed transaction leaves nothing behind', async () => {
    await sql`create table ledger (id int primary key)`;
    const attempt = sql.begin(async (tx) => {
      await tx`insert into ledger (id) values (1)`;
      await tx`insert into ledger (id) values (1)`; // duplicate key: the whole transaction must roll back
    });
    await expect(attempt).rejects.toThrow(/duplicate key/);
    const [row] = await sql`select count(*)::int as count from ledger`;
    expect(row!.count).toBe(0);
  });
});
