import { describe, expect, test } from 'bun:test';
import { dashboardExpressions, metricNamesInPromQL, metricNamesReferenced, ruleExpressions } from './metric-references.ts';

const names = (expr: string) => [...metricNamesInPromQL(expr)].sort();

describe('metricNamesInPromQL', () => {
  test('a bare selector and a rate over a range', () => {
    expect(names('up')).toEqual(['up']);
    expect(names('rate(a_total[5m])')).toEqual(['a_total']);
  });

  test('histogram series reduce to the base name', () => {
    const expr = 'histogram_quantile(0.99, sum by (le) (rate(lat_seconds_bucket{job="x"}[$__rate_interval])))';
    expect(names(expr)).toEqual(['lat_seconds']);
    expect(names('rate(lat_seconds_sum[5m]) / rate(lat_seconds_count[5m])')).toEqual(['lat_seconds']);
  });

  test('labels, label values, grouping lists and strings are not metric names', () => {
    const expr = 'sum without (instance) (rate(c_total{topic=~"user_events|orders", code!="bad_json"}[1m])) by (topic)';
    expect(names(expr)).toEqual(['c_total']);
    expect(names('label_replace(g, "dst", "$1", "src_label", "(.*)")')).toEqual(['g']);
    expect(names('a / on (topic, partition) group_left (owner) b')).toEqual(['a', 'b']);
  });

  test('operators, keywords, numbers, durations and Grafana variables are ignored', () => {
    const expr = 'a > bool 1e-3 and b offset 5m unless c @ start() or d > $threshold * Inf and e != NaN';
    expect(names(expr)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(names('rate(x_total[${__range}:1m]) # comment mentioning not_a_metric')).toEqual(['x_total']);
  });

  test("Grafana's label_values names the metric of its first argument only", () => {
    expect(names('label_values(lag{job="a"}, topic)')).toEqual(['lag']);
    expect(names('label_values(lag{job=~"a|b", topic!="x,y"}, partition)')).toEqual(['lag']);
    expect(names('label_values(instance)')).toEqual([]);
  });
});

describe('dashboardExpressions and ruleExpressions', () => {
  test('panel targets in collapsed rows and query variables are all found', () => {
    const dashboard = {
      panels: [
        { type: 'timeseries', targets: [{ expr: 'a_total' }] },
        { type: 'row', collapsed: true, panels: [{ targets: [{ expr: 'b' }] }] },
      ],
      templating: {
        list: [
          { type: 'query', name: 'topic', query: { query: 'label_values(c, topic)', refId: 'v' } },
          { type: 'query', name: 'inst', query: 'label_values(d, instance)' },
          { type: 'datasource', name: 'datasource', query: 'prometheus' },
        ],
      },
    };
    expect(dashboardExpressions(dashboard).sort()).toEqual(['a_total', 'b', 'label_values(c, topic)', 'label_values(d, instance)']);
  });

  test('rules: alert and record expressions; recorded names are not exporter metrics', () => {
    const rules = `
groups:
  - name: g
    rules:
      - record: job:a:rate5m
        expr: sum(rate(a_total[5m]))
      - alert: High
        expr: job:a:rate5m > 10 and b_seconds_bucket > 0
        for: 5m
        labels: { severity: warning }
      - alert: Always
        expr: 1
`;
    expect(ruleExpressions(rules).recorded).toEqual(['job:a:rate5m']);
    expect([...metricNamesReferenced({}, rules)].sort()).toEqual(['a_total', 'b_seconds']);
  });
});
