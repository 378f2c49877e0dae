/**
 * The provisioned Grafana "Business" dashboard (ops/grafana/dashboards/business.json) against a
 * real migrated database: every panel's SQL, with Grafana's Postgres macros expanded as Grafana
 * expands them (pkg/tsdb/grafana-postgresql-datasource/macros.go), runs on the analytics tables of
 * migration 4 seeded with known rows, and answers the columns and values the panel expects. Also
 * checks the Postgres datasource provisioning and the compose wiring that loads both.
 */
import { beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Sql } from '../store/index.ts';
import { useMigratedDatabase } from './support/migrated-database.ts';

type Obj = Record<string, any>;

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const dashboard: Obj = JSON.parse(readFileSync(`${ROOT}ops/grafana/dashboards/business.json`, 'utf8'));
const panels: Obj[] = (dashboard.panels as Obj[]).flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
const MIN = 60_000;
const NOW = Date.now();
const M1 = Math.floor(NOW / MIN) * MIN - 5 * MIN;
const M2 = M1 + MIN;
/** Outside the dashboard's default hour: must not count. */
const OLD = M1 - 3 * 60 * MIN;

/** Per panel title: the columns it must answer and its rows for the seed below (numbers as numbers, times as epoch s). */
const EXPECTED: Record<string, { columns: string[]; rows: unknown[][] }> = {
  'Revenue per minute by currency': { columns: ['time', 'metric', 'revenue'], rows: [[M1 / 1000, 'EUR', 30.5], [M2 / 1000, 'USD', 25.99]] },
  'Orders per minute': { columns: ['time', 'placed', 'paid', 'cancelled'], rows: [[M1 / 1000, 3, 2, 1], [M2 / 1000, 3, 2, 0]] },
  'Revenue by currency': { columns: ['currency', 'orders paid', 'revenue', 'value placed'], rows: [['EUR', 2, 30.5, 50], ['USD', 2, 25.99, 40]] },
  Conversion: { columns: ['view → cart', 'cart → order', 'order → paid'], rows: [[19 / 230, 6 / 19, 4 / 6]] },
  'Funnel per minute': { columns: ['time', 'page views', 'carts', 'orders', 'paid'], rows: [[M1 / 1000, 150, 15, 3, 2], [M2 / 1000, 80, 4, 3, 2]] },
  'Fraud alerts per minute by type': { columns: ['time', 'metric', 'alerts'], rows: [[M1 / 1000, 'card_testing', 3], [M2 / 1000, 'velocity', 1]] },
  'Top SKUs (last hour)': { columns: ['sku', 'units', 'revenue'], rows: [['SKU-1', 4, 'EUR 20.50 · USD 19.98'], ['SKU-2', 1, 'USD 6.01']] },
  'Low-stock SKUs': { columns: ['sku', 'available', 'reorder point', 'on hand', 'reserved', 'updated'], rows: [['SKU-1', 2, 5, 10, 8, expect.any(Date)]] },
  'Riskiest users': {
    columns: ['user', 'alerts', 'card testing', 'velocity', 'amount anomaly', 'impossible travel', 'account takeover', 'last alert', 'last alert at', 'login country', 'payments'],
    rows: [
      ['u-1', 3, 2, 1, 0, 0, 0, 'card_testing', new Date(M1), 'DE', 3],
      ['u-2', 1, 0, 0, 0, 1, 0, 'impossible_travel', new Date(M2), 'GB', 1],
    ],
  },
};

const db = useMigratedDatabase({ max: 2, seed });
let sql: Sql;

beforeAll(() => {
  sql = db.sql;
});

describe('ops/grafana/dashboards/business.json', () => {
  test('has a panel for each business question, every one querying the provisioned Postgres datasource in SQL', () => {
    expect(dashboard.title).toBe('Business');
    expect(panels.map((p) => p.title).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const p of panels) {
      expect({ panel: p.title, ds: p.datasource }).toEqual({ panel: p.title, ds: { type: 'grafana-postgresql-datasource', uid: '${datasource}' } });
      expect(p.targets).toHaveLength(1);
      const { rawQuery, editorMode, format, rawSql } = p.targets[0];
      expect({ panel: p.title, rawQuery, editorMode, format, sql: typeof rawSql }).toEqual({ panel: p.title, rawQuery: true, editorMode: 'code', format: p.type === 'timeseries' ? 'time_series' : 'table', sql: 'string' });
    }
  });

  test('time series group by at least a minute, the aggregates grain, and filter on the dashboard range', () => {
    for (const p of panels.filter((p) => p.type === 'timeseries')) {
      expect({ panel: p.title, interval: p.interval }).toEqual({ panel: p.title, interval: '1m' });
      expect(p.targets[0].rawSql).toContain('$__timeGroupAlias(minute, $__interval, 0)');
      expect(p.targets[0].rawSql).toContain('$__timeFilter(minute)');
    }
  });

  for (const [title, want] of Object.entries(EXPECTED)) {
    test(`"${title}" runs on the migrated schema and answers ${want.columns.length} columns`, async () => {
      const panel = panels.find((p) => p.title === title)!;
      const query = expandMacros(panel.targets[0].rawSql, rangeOf(panel));
      const result = await sql.unsafe(query);
      expect(result.columns.map((c) => c.name)).toEqual(want.columns);
      expect(result.map((row) => want.columns.map((c) => plain(row[c])))).toEqual(want.rows.map((r) => r.map((v) => (typeof v === 'number' ? expect.closeTo(v, 9) : v))));
    });
  }

  test('the macro expansion is the one Grafana does, and refuses a macro it does not know', () => {
    const range = { from: new Date('2024-05-01T11:00:00Z'), to: new Date('2024-05-01T12:00:00Z') };
    expect(expandMacros('select $__timeGroupAlias(minute, $__interval, 0) where $__timeFilter(minute)', range)).toBe(
      `select floor(extract(epoch from minute)/60)*60 AS "time" where minute BETWEEN '2024-05-01T11:00:00.000Z' AND '2024-05-01T12:00:00.000Z'`,
    );
    expect(() => expandMacros('select $__unixEpochFilter(t)', range)).toThrow('unixEpochFilter');
    expect(() => expandMacros('select $country', range)).toThrow('unexpanded');
  });
});

describe('Grafana provisioning of the Business dashboard', () => {
  const compose: Obj = parse(readFileSync(`${ROOT}docker-compose.yml`, 'utf8'));
  const grafana: Obj = compose.services.grafana;
  const pg: Obj = compose.services.postgres;
  const mounts = (grafana.volumes as string[]).map((v) => v.split(':')).map(([source, target]) => ({ source: source!.replace(/^\.\//, ''), target: target! }));
  const provisioning = mounts.find((m) => m.target === '/etc/grafana/provisioning')!.source;

  test('a Postgres datasource points at the compose postgres service, its database and user, with the password from the environment', () => {
    const file: Obj = parse(readFileSync(`${ROOT}${provisioning}/datasources/postgres.yml`, 'utf8'));
    const ds = (file.datasources as Obj[]).find((d) => d.type === 'grafana-postgresql-datasource')!;
    expect(ds).toBeDefined();
    const containerPort = String(pg.ports[0]).split(':').at(-1);
    expect(ds.url).toBe(`postgres:${containerPort}`);
    expect(ds.jsonData.database).toBe(pg.environment.POSTGRES_DB);
    expect(ds.user).toBe(pg.environment.POSTGRES_USER ?? 'postgres');
    expect(ds.uid).toBe(dashboard.templating.list.find((v: Obj) => v.type === 'datasource').current.value);
    // Grafana interpolates $VAR in provisioning files from its own environment; compose passes the .env secret.
    expect(ds.secureJsonData.password).toBe('$POSTGRES_PASSWORD');
    expect(grafana.environment.POSTGRES_PASSWORD).toBe(pg.environment.POSTGRES_PASSWORD);
    expect(ds.isDefault).toBe(false); // Prometheus stays the default for the ops dashboard
  });

  test('compose mounts business.json where the dashboard provider loads from, and starts Grafana after Postgres', () => {
    const providers: Obj = parse(readFileSync(`${ROOT}${provisioning}/dashboards/actorstream.yml`, 'utf8'));
    const dir = providers.providers[0].options.path;
    expect(mounts).toContainEqual({ source: 'ops/grafana/dashboards/business.json', target: `${dir}/business.json` });
    const ops: Obj = JSON.parse(readFileSync(`${ROOT}ops/grafana/dashboards/actorstream.json`, 'utf8'));
    expect(dashboard.uid).not.toBe(ops.uid);
    expect(grafana.depends_on.postgres.condition).toBe('service_healthy');
  });
});

/** The panel's time range: its own relative override (`timeFrom: "1h"`), else the dashboard's default. */
function rangeOf(panel: Obj): { from: Date; to: Date } {
  const relative = panel.timeFrom ? `now-${panel.timeFrom}` : dashboard.time.from;
  const m = /^now-(\d+)([mhd])$/.exec(relative);
  if (!m || dashboard.time.to !== 'now') throw new Error(`unsupported time range ${relative} … ${dashboard.time.to}`);
  return { from: new Date(NOW - Number(m[1]) * { m: MIN, h: 60 * MIN, d: 1440 * MIN }[m[2] as 'm' | 'h' | 'd']), to: new Date(NOW) };
}

/**
 * Grafana's Postgres macros for a range, after the frontend has replaced `$__interval` (1m here:
 * every time series sets `interval: 1m`). Anything left with a `$` is an error.
 */
function expandMacros(rawSql: string, range: { from: Date; to: Date }, interval = '1m'): string {
  const sql = rawSql.replace(/\$__interval\b(?!_ms)/g, interval).replace(/\$([_a-zA-Z0-9]+)\(([^)]*)\)/g, (_, name: string, args: string) => macro(name, args.split(',').map((a) => a.trim()), range));
  if (sql.includes('$')) throw new Error(`unexpanded Grafana variable left in: ${sql}`);
  return sql;
}

function macro(name: string, args: string[], range: { from: Date; to: Date }): string {
  const iso = (d: Date) => `'${d.toISOString()}'`;
  const seconds = () => {
    const m = /^'?(\d+)([smhd])'?$/.exec(args[1] ?? '');
    if (!m) throw new Error(`$${name}: bad interval ${args[1]}`);
    return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
  };
  switch (name) {
    case '__time':
      return `${args[0]} AS "time"`;
    case '__timeFilter':
      return `${args[0]} BETWEEN ${iso(range.from)} AND ${iso(range.to)}`;
    case '__timeFrom':
      return iso(range.from);
    case '__timeTo':
      return iso(range.to);
    case '__timeGroup':
      return `floor(extract(epoch from ${args[0]})/${seconds()})*${seconds()}`;
    case '__timeGroupAlias':
      return `${macro('__timeGroup', args, range)} AS "time"`;
    default:
      throw new Error(`$${name} is not expanded by this test: add it as Grafana expands it`);
  }
}

/** Numeric strings (Postgres numeric / bigint sums) as numbers; everything else as is. */
function plain(v: unknown): unknown {
  return typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
}

/** Two shards per minute where it matters, so the queries must go through the views' sums. */
async function seed(sql: Sql): Promise<void> {
  const [m1, m2, old] = [new Date(M1), new Date(M2), new Date(OLD)];
  await sql`insert into sales_minute_part (minute, country, currency, shard, orders_placed, orders_paid, orders_cancelled, gross_minor, revenue_minor, items) values
    (${m1}, 'DE', 'EUR', 'order/0', 2, 1, 0, 3000, 1050, 1), (${m1}, 'FR', 'EUR', 'order/1', 1, 1, 1, 2000, 2000, 2),
    (${m2}, 'US', 'USD', 'order/0', 3, 2, 0, 4000, 2599, 3), (${old}, 'DE', 'EUR', 'order/0', 9, 9, 9, 9999, 9999, 9)`;
  await sql`insert into funnel_minute_part (minute, shard, page_views, carts, orders, paid) values
    (${m1}, 'user/0', 100, 10, 0, 0), (${m1}, 'user/1', 50, 5, 0, 0), (${m1}, 'order/0', 0, 0, 3, 2),
    (${m2}, 'user/0', 80, 4, 0, 0), (${m2}, 'order/0', 0, 0, 3, 2), (${old}, 'user/0', 999, 99, 9, 9)`;
  await sql`insert into sku_sales_minute_part (minute, sku, currency, shard, units, revenue_minor) values
    (${m1}, 'SKU-1', 'EUR', 'order/0', 1, 1050), (${m1}, 'SKU-1', 'EUR', 'order/1', 1, 1000), (${m2}, 'SKU-1', 'USD', 'order/0', 2, 1998),
    (${m2}, 'SKU-2', 'USD', 'order/0', 1, 601), (${old}, 'SKU-3', 'EUR', 'order/0', 50, 5000)`;
  await sql`insert into alerts_minute_part (minute, alert_type, shard, alerts) values
    (${m1}, 'card_testing', 'user/0', 1), (${m1}, 'card_testing', 'user/1', 2), (${m2}, 'velocity', 'user/0', 1), (${m2}, 'low_stock', 'sku/0', 4)`;
  await sql`insert into sku_stock (sku, on_hand, reserved, available, reorder_point, low_stock) values
    ('SKU-1', 10, 8, 2, 5, true), ('SKU-2', 100, 0, 100, 5, false)`;
  await sql`insert into user_risk (user_id, alerts_velocity, alerts_card_testing, alerts_amount_anomaly, alerts_impossible_travel, alerts_account_takeover,
      last_alert_type, last_alert_at, last_login_country, payments_count, payments_sum_minor) values
    ('u-1', 1, 2, 0, 0, 0, 'card_testing', ${m1}, 'DE', 3, 5000), ('u-2', 0, 0, 0, 1, 0, 'impossible_travel', ${m2}, 'GB', 1, 100),
    ('u-3', 0, 0, 0, 0, 0, null, null, 'US', 0, 0)`;
}
