import { afterEach, describe, expect, test } from 'bun:test';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { startPgliteServer, type PgliteServer } from './pglite-server.ts';

/** One WAL segment: Postgres's default wal_segment_size, which PGlite keeps. */
const SEGMENT_MB = 16;
const open: { pg: PgliteServer; sql: postgres.Sql }[] = [];

afterEach(async () => {
  for (const { pg, sql } of open.splice(0)) {
    await sql.end({ timeout: 5 });
    await pg.close();
  }
});

async function server(checkpointIntervalMs: number) {
  const pg = await startPgliteServer({ checkpointIntervalMs });
  const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
  open.push({ pg, sql });
  await sql`create table filler (k int, v text)`;
  return sql;
}

/** About `mb` MB of WAL, in rounds of ~16 MB with a pause after each (room for checkpoints). */
async function writeWal(sql: postgres.Sql, mb: number, pauseMs: number): Promise<void> {
  for (let written = 0; written < mb; written += SEGMENT_MB) {
    await sql`insert into filler select g, repeat('x', 1000) from generate_series(1, 14000) g`;
    await sql`truncate filler`;
    await sleep(pauseMs);
  }
}

async function walMb(sql: postgres.Sql): Promise<number> {
  const [row] = await sql<{ mb: string }[]>`select coalesce(sum(size), 0) / 1048576 as mb from pg_ls_waldir()`;
  return Number(row!.mb);
}

describe('PGlite server checkpoints', () => {
  test('the WAL stays within min/max_wal_size however much is written (at most 4 segments of 16 MB)', async () => {
    const sql = await server(50);
    await writeWal(sql, 112, 120);
    await sleep(120);
    expect(await walMb(sql)).toBeLessThanOrEqual(64);
  }, 60_000);

  test('control: with no checkpoints PGlite keeps every segment written (why the checkpointer exists)', async () => {
    const sql = await server(0);
    await writeWal(sql, 112, 0);
    expect(await walMb(sql)).toBeGreaterThanOrEqual(96);
  }, 60_000);

  test("a checkpoint waits for another connection's transaction: it neither commits nor aborts it", async () => {
    const sql = await server(20);
    const other = postgres(open[0]!.pg.url, { max: 1, onnotice: () => {} });
    try {
      await expect(
        other.begin(async (tx) => {
          await tx`insert into filler values (1, 'kept back')`;
          await sleep(150); // several checkpoint ticks while the transaction holds the session
          await tx`insert into filler values (2, 'kept back')`;
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      await other.begin(async (tx) => {
        await tx`insert into filler values (3, 'committed')`;
        await sleep(150);
      });
      expect((await sql<{ k: number }[]>`select k from filler order by k`).map((r) => r.k)).toEqual([3]);
    } finally {
      await other.end({ timeout: 5 });
    }
  }, 30_000);
});
