import { beforeAll, describe, expect, test } from 'bun:test';
import { createCheckpointStore } from '../store/checkpoint-store.ts';
import type { Sql } from '../store/index.ts';
import { useMigratedDatabase } from './support/migrated-database.ts';
import { runCli } from './support/run-cli.ts';

/**
 * `actorstream analytics rebuild` against a real Postgres: states committed with analytics off (no
 * read-model rows) get their rows, an order state of version 1 is migrated before it is projected,
 * and a read-model row a later checkpoint wrote is left as the checkpoint wrote it.
 */
const db = useMigratedDatabase({ max: 2 });
let sql: Sql;

beforeAll(() => {
  sql = db.sql;
});

const cli = (args: string[], env: Record<string, string>) => runCli(args, { KAFKA_BROKERS: '', ...env });

const M = Date.UTC(2026, 0, 1, 10, 0);

describe('actorstream analytics rebuild', () => {
  test('writes every read model from the committed states, migrating old versions first', async () => {
    const store = createCheckpointStore(sql);
    const epoch = await store.acquire('sku/0', 'seed');
    const skus = Array.from({ length: 2_500 }, (_, i) => ({ actorType: 'sku', key: `sku-${String(i).padStart(5, '0')}`, partition: 0, stateVersion: 2, state: { onHand: i, reserved: 1, reorderPoint: 5, lowStock: i < 5 } }));
    const v1Order = { status: 'paid', userId: 'u-1', placedBy: 'p-1', placedAt: M, lines: [{ sku: 'sku-00001', qty: 2, status: 'granted' }], paymentAuthorized: true, refunded: 0 };
    await store.commit({
      shard: 'sku/0', epoch, offsets: [], outbox: [], alerts: [], inboxPositions: [], timersAdded: [], timersRemoved: [],
      states: [...skus, { actorType: 'order', key: 'o-1', partition: 0, stateVersion: 1, state: v1Order }, { actorType: 'user', key: 'u-1', partition: 0, stateVersion: 3, state: { authCount: 2, authCents: 500, loginCountry: 'PT' } }],
    });
    expect((await sql`select count(*)::int as n from sku_stock`)[0]!.n).toBe(0);

    const out = await cli(['analytics', 'rebuild'], { DATABASE_URL: db.url });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('sku_stock: 2500 row(s) written from 2500 sku state(s)');
    expect(out.stdout).toContain('orders: 1 row(s) written from 1 order state(s)');
    expect(out.stdout).toContain('user_risk: 1 row(s) written from 1 user state(s)');
    const [s] = await sql`select count(*)::int as n, sum(available)::int as available, count(*) filter (where low_stock)::int as low from sku_stock`;
    expect(s).toEqual({ n: 2_500, available: (2_499 * 2_500) / 2 - 2_500, low: 5 });
    const [o] = await sql`select status, item_count, total_minor::int, currency, placed_at from orders where order_id = 'o-1'`;
    expect(o).toEqual({ status: 'paid', item_count: 2, total_minor: 0, currency: '', placed_at: new Date(M) });
    const [u] = await sql`select payments_count, payments_sum_minor::int, last_login_country from user_risk where user_id = 'u-1'`;
    expect(u).toEqual({ payments_count: 2, payments_sum_minor: 500, last_login_country: 'PT' });
  }, 60_000);

  test('an actor type without a read model is a usage error naming the known ones', async () => {
    const out = await cli(['analytics', 'rebuild', '--type', 'merchant'], { DATABASE_URL: db.url });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("no read model for actor type 'merchant' (known: sku, order, user, all)");
  }, 30_000);
});
