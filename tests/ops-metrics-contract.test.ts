/**
 * The Grafana dashboard and the Prometheus alert rules query only metrics the processor exports
 * (ops/exported-metrics.ts), and are well-formed enough to load: a dashboard whose every panel
 * uses the provisioned datasource variable, rules that each have a duration, a severity and
 * annotations. The static metric list is to be replaced by a live /metrics scrape (see there).
 */
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { EXPORTED_METRICS } from '../ops/exported-metrics.ts';
import { dashboardExpressions, metricNamesReferenced, ruleExpressions } from '../ops/metric-references.ts';

type Obj = Record<string, any>;

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const dashboard: Obj = JSON.parse(read('ops/grafana/dashboards/actorstream.json'));
const rulesYaml = read('ops/prometheus/alert-rules.yml');
const rules: Obj[] = (parse(rulesYaml).groups as Obj[]).flatMap((g) => g.rules);

describe('metric names', () => {
  test('every metric the dashboard and the alert rules query is exported', () => {
    const referenced = metricNamesReferenced(dashboard, rulesYaml);
    const exported = new Set<string>(EXPORTED_METRICS);
    expect([...referenced].filter((name) => !exported.has(name)).sort()).toEqual([]);
  });

  test('the dashboard shows every actorstream metric', () => {
    const onDashboard = metricNamesReferenced(dashboard, '');
    const missing = EXPORTED_METRICS.filter((m) => m.startsWith('actorstream_') && !onDashboard.has(m));
    expect(missing).toEqual([]);
  });

  test('the alert rules cover lag, event-to-durable latency, dead letters, checkpoints and instances down', () => {
    const inRules = metricNamesReferenced({}, rulesYaml);
    for (const name of ['actorstream_consumer_lag', 'actorstream_event_to_durable_seconds', 'actorstream_dead_letters_total', 'actorstream_checkpoints_total', 'up']) {
      expect(inRules).toContain(name);
    }
    expect(ruleExpressions(rulesYaml).exprs.join('\n')).toMatch(/histogram_quantile\(0\.99,[^\n]*actorstream_event_to_durable_seconds_bucket/);
  });
});

describe('alert rules', () => {
  test('each alert has a for duration, a severity and a summary and description', () => {
    expect(rules.length).toBeGreaterThanOrEqual(6);
    for (const r of rules) {
      expect({ alert: r.alert, ok: /^\d+[smh]$/.test(r.for ?? '') }).toEqual({ alert: r.alert, ok: true });
      expect(['critical', 'warning', 'info']).toContain(r.labels?.severity);
      expect(r.annotations?.summary?.length).toBeGreaterThan(0);
      expect(r.annotations?.description?.length).toBeGreaterThan(0);
    }
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
  });

  test('checkpoint alerts read the fenced and error results', () => {
    const exprs = rules.map((r) => r.expr as string).join('\n');
    expect(exprs).toContain('actorstream_checkpoints_total{result="fenced"}');
    expect(exprs).toContain('actorstream_checkpoints_total{result="error"}');
  });
});

describe('Grafana dashboard', () => {
  const panels: Obj[] = (dashboard.panels as Obj[]).flatMap((p) => [p, ...(p.panels ?? [])]);
  const dataPanels = panels.filter((p) => p.type !== 'row');

  test('is a provisionable dashboard with a stable uid', () => {
    expect(dashboard.uid).toBe('actorstream');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.id ?? null).toBeNull();
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
  });

  test('every panel queries the datasource variable and fits the 24-column grid', () => {
    const dsVar = (dashboard.templating.list as Obj[]).find((v) => v.type === 'datasource' && v.query === 'prometheus');
    expect(dsVar).toBeDefined();
    for (const p of dataPanels) {
      expect({ title: p.title, uid: p.datasource?.uid }).toEqual({ title: p.title, uid: `\${${dsVar!.name}}` });
      expect(p.targets.length).toBeGreaterThan(0);
      for (const t of p.targets) expect(t.datasource?.uid).toBe(`\${${dsVar!.name}}`);
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    }
  });

  test('latency panels show p50 and p99 from the histograms', () => {
    const exprs = dashboardExpressions(dashboard).join('\n');
    for (const h of ['actorstream_event_to_state_seconds', 'actorstream_event_to_durable_seconds']) {
      for (const q of ['0.5', '0.99']) expect(exprs).toContain(`histogram_quantile(${q}, sum by (le) (rate(${h}_bucket`);
    }
  });
});
