import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { createScratchDir } from '../adapters/embedded/scratch-dir.ts';
import type { PgliteServer } from '../adapters/embedded/pglite-server.ts';
import { startEmbeddedDatabase } from '../instance/embedded-database.ts';
import { createCheckpointStore, deleteAlertsBefore, listAlerts, migrate } from '../store/index.ts';
import type { Alert } from '../schemas/index.ts';

/**
 * What the embedded default keeps as it runs for days (issue #17): PGlite's files in a scratch
 * directory of the run, gone at stop (and when its process was killed, at the next start), and
 * alerts past the retention window deleted in bounded batches with everything newer kept.
 */
const DAY = 86_400_000;
const NOW = 1_700_000_000_000;
let parent: string;
let pg: PgliteServer;
let sql: postgres.Sql;

beforeAll(async () => {
  parent = mkdtempSync(join(tmpdir(), 'actorstream-embedded-db-'));
  pg = await startEmbeddedDatabase(parent);
  sql = postgres(pg.url, { max: 1, onnotice: () => {} });
  await migrate(sql);
}, 60_000); // initdb on disk takes a few seconds

afterAll(async () => {
  await sql?.end({ timeout: 5 });
  await pg?.close();
});

const alert = (n: number, ts: number): Alert => ({
  id: `user/u-${n}/velocity/e-${n}`, type: 'velocity', entityType: 'user', entityKey: `u-${n}`, severity: 'critical', ts, detectedAt: ts + 5,
  reasons: [`e-${n}`], details: { summary: `alert ${n}` },
});

describe('the embedded database on disk', () => {
  test('lives in a scratch directory of this process under the configured parent', () => {
    const dirs = readdirSync(parent);
    expect(dirs).toHaveLength(1);
    expect(dirs[0]).toStartWith(`actorstream-pglite-${process.pid}-`);
    expect(existsSync(join(parent, dirs[0]!, 'PG_VERSION'))).toBe(true);
  });

  test('closing removes its directory; a directory left by a dead process is removed by the next start', async () => {
    const p = mkdtempSync(join(tmpdir(), 'actorstream-embedded-db-'));
    const abandoned = createScratchDir(p, 2 ** 22 + 1).path; // above Linux's pid_max: no such process
    const lines: string[] = [];
    const other = await startEmbeddedDatabase(p, (l) => lines.push(l));
    expect(existsSync(abandoned)).toBe(false);
    expect(lines).toEqual([`[embedded] removed ${abandoned}, left by a process that no longer runs`]);
    expect(readdirSync(p)).toHaveLength(1);
    await other.close();
    expect(readdirSync(p)).toEqual([]);
  }, 60_000);

  test('`memory` puts nothing on disk', async () => {
    const inMemory = await startEmbeddedDatabase('memory');
    const s = postgres(inMemory.url, { max: 1, onnotice: () => {} });
    expect((await s`select 1 as one`)[0]!.one).toBe(1);
    await s.end({ timeout: 5 });
    await inMemory.close();
  }, 60_000);
});

describe('alert retention (deleteAlertsBefore)', () => {
  test('deletes exactly the alerts with event time before the cut-off, in batches, and keeps the rest listable', async () => {
    const store = createCheckpointStore(sql);
    const epoch = await store.acquire('user/0', 'proc-a', 'http://127.0.0.1:1');
    // 25 alerts 8–32 days old, 10 from the last week; one exactly at the cut-off is kept.
    const old = Array.from({ length: 25 }, (_, i) => alert(i, NOW - (8 + i) * DAY));
    const recent = Array.from({ length: 10 }, (_, i) => alert(100 + i, NOW - i * DAY / 2));
    const atCutoff = alert(200, NOW - 7 * DAY);
    await store.commit({
      shard: 'user/0', epoch, offsets: [], states: [], outbox: [], inboxPositions: [], timersAdded: [], timersRemoved: [],
      alerts: [...old, ...recent, atCutoff],
    });
    expect(await deleteAlertsBefore(sql, NOW - 7 * DAY, 4)).toBe(25);
    const left = await listAlerts(sql, { limit: 100 });
    expect(left.alerts.map((a) => a.id).sort()).toEqual([...recent, atCutoff].map((a) => a.id).sort());
    expect(await deleteAlertsBefore(sql, NOW - 7 * DAY, 4)).toBe(0);
  });
});
