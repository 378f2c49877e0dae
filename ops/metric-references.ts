/**
 * Which metric names the ops files query: every PromQL expression of a Grafana dashboard (panel
 * targets, query variables) and of a Prometheus rules file, reduced to base metric names, so a
 * test can hold them against what the processor exports.
 */
import { parse } from 'yaml';

/**
 * Base metric names referenced by a Grafana dashboard and a Prometheus rules file. Histogram
 * series (`x_bucket`, `x_sum`, `x_count`) count as `x`; names produced by the rules file's own
 * recording rules are left out (Prometheus makes them, not the exporter).
 *
 * @example
 * metricNamesReferenced({ panels: [{ targets: [{ expr: 'rate(a_total[5m])' }] }] }, 'groups: []')
 * // → Set { 'a_total' }
 */
export function metricNamesReferenced(dashboardJson: unknown, rulesYaml: string): Set<string> {
  const rules = ruleExpressions(rulesYaml);
  const names = new Set<string>();
  for (const expr of [...dashboardExpressions(dashboardJson), ...rules.exprs]) {
    for (const name of metricNamesInPromQL(expr)) names.add(name);
  }
  for (const recorded of rules.recorded) names.delete(recorded);
  return names;
}

/** Base metric names in one PromQL expression (Grafana variables such as `$__rate_interval` allowed). */
export function metricNamesInPromQL(expr: string): Set<string> {
  const scrubbed = expr
    .replace(/#[^\n]*/g, ' ')
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' "" ')
    .replace(/\$\{[^}]*\}|\$\w+/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    // Grafana's label_values(metric, label): only the first argument names a metric.
    .replace(/label_values\(\s*([^,()]*?)\s*,\s*[A-Za-z_]\w*\s*\)/g, ' $1 ')
    .replace(/label_values\(\s*[A-Za-z_]\w*\s*\)/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ');
  const names = new Set<string>();
  for (const m of scrubbed.matchAll(/\d[\w.]*|\.\d[\w.]*|[A-Za-z_:][\w:]*/g)) {
    const token = m[0];
    if (/^[\d.]/.test(token) || KEYWORDS.has(token.toLowerCase())) continue;
    const rest = scrubbed.slice(m.index + token.length);
    if (/^\s*\(/.test(rest)) continue; // a function or aggregation, not a metric
    names.add(token.replace(/_(?:bucket|sum|count)$/, ''));
  }
  return names;
}

/** PromQL strings of a Grafana dashboard: every `expr`, and the queries of query variables. */
export function dashboardExpressions(dashboard: unknown): string[] {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    if (typeof obj.expr === 'string') out.push(obj.expr);
    if (obj.type === 'query' && 'query' in obj) {
      const q = obj.query;
      if (typeof q === 'string') out.push(q);
      else if (q && typeof q === 'object' && typeof (q as { query?: unknown }).query === 'string') out.push((q as { query: string }).query);
    }
    for (const value of Object.values(obj)) if (value && typeof value === 'object') walk(value);
  };
  walk(dashboard);
  return out;
}

/** The `expr` of every rule in a Prometheus rules file, and the names its recording rules define. */
export function ruleExpressions(rulesYaml: string): { exprs: string[]; recorded: string[] } {
  const doc = parse(rulesYaml) as { groups?: { rules?: { expr?: unknown; record?: unknown }[] }[] } | null;
  const exprs: string[] = [];
  const recorded: string[] = [];
  for (const group of doc?.groups ?? []) {
    for (const rule of group.rules ?? []) {
      if (typeof rule.expr === 'string') exprs.push(rule.expr); // a number (`expr: 1`) names no metric
      if (typeof rule.record === 'string') recorded.push(rule.record);
    }
  }
  return { exprs, recorded };
}

// PromQL words that look like identifiers but are operators or modifiers (functions and
// aggregations are recognised by the parenthesis that follows them).
const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'atan2', 'inf', 'nan']);
