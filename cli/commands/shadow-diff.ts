import type { Alert } from '../../schemas/index.ts';

/**
 * How a shadow replay's decisions differ from what the live pipeline decided, or from a replay of a
 * baseline configuration (shadow-replay.ts); the `live` fields are that other side either way.
 */
export interface ShadowDiff {
  alerts: {
    /** Per alert type (rule): counts on each side and what the changed configuration adds and removes. */
    byType: Record<string, AlertTypeDiff>;
    added: number;
    removed: number;
  };
  /** Entities whose state differs, per actor type; `skipped` says why states were not compared. */
  states: { byType: Record<string, { compared: number; differing: number; examples: string[] }> } | { skipped: string };
}

export interface AlertTypeDiff {
  live: number;
  shadow: number;
  added: number;
  removed: number;
  /** A few of each, for a first look (ids are deterministic: the same event decides the same id). */
  addedExamples: Alert[];
  removedExamples: Alert[];
}

const EXAMPLES = 3;

/** Alerts raised by the shadow and not live (added) and the other way round (removed), per type, by id. */
export function diffAlerts(live: readonly Alert[], shadow: readonly Alert[]): ShadowDiff['alerts'] {
  const liveIds = new Set(live.map((a) => a.id));
  const shadowIds = new Set(shadow.map((a) => a.id));
  const byType: Record<string, AlertTypeDiff> = {};
  const entry = (type: string) => (byType[type] ??= { live: 0, shadow: 0, added: 0, removed: 0, addedExamples: [], removedExamples: [] });
  let added = 0;
  let removed = 0;
  for (const a of live) {
    const e = entry(a.type);
    e.live++;
    if (shadowIds.has(a.id)) continue;
    e.removed++;
    removed++;
    if (e.removedExamples.length < EXAMPLES) e.removedExamples.push(a);
  }
  for (const a of shadow) {
    const e = entry(a.type);
    e.shadow++;
    if (liveIds.has(a.id)) continue;
    e.added++;
    added++;
    if (e.addedExamples.length < EXAMPLES) e.addedExamples.push(a);
  }
  return { byType, added, removed };
}

/** States per actor type and key, compared as canonical JSON (jsonb keeps no key order). */
export function diffStates(live: Map<string, Map<string, unknown>>, shadow: Map<string, Map<string, unknown>>): ShadowDiff['states'] {
  const byType: Record<string, { compared: number; differing: number; examples: string[] }> = {};
  for (const type of new Set([...live.keys(), ...shadow.keys()])) {
    const l = live.get(type) ?? new Map<string, unknown>();
    const s = shadow.get(type) ?? new Map<string, unknown>();
    const keys = new Set([...l.keys(), ...s.keys()]);
    const out = { compared: keys.size, differing: 0, examples: [] as string[] };
    for (const key of keys) {
      if (canonical(l.get(key)) === canonical(s.get(key))) continue;
      out.differing++;
      if (out.examples.length < EXAMPLES) out.examples.push(key);
    }
    byType[type] = out;
  }
  return { byType };
}

/** The diff as an operator reads it; `against` names the side the shadow is compared with (the diff's `live` fields). */
export function formatDiff(diff: ShadowDiff, against: 'live' | 'baseline' = 'live'): string {
  const lines = [`alerts by rule: ${against} → shadow (added / removed)`];
  for (const [type, d] of Object.entries(diff.alerts.byType).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${type.padEnd(22)} ${String(d.live).padStart(6)} → ${String(d.shadow).padEnd(6)} (+${d.added} / -${d.removed})`);
    for (const a of d.addedExamples) lines.push(`      + ${a.id}  ${a.entityType}:${a.entityKey}  ${summary(a)}`);
    for (const a of d.removedExamples) lines.push(`      - ${a.id}  ${a.entityType}:${a.entityKey}  ${summary(a)}`);
  }
  if (Object.keys(diff.alerts.byType).length === 0) lines.push('  (no alerts on either side)');
  lines.push(`  total: +${diff.alerts.added} / -${diff.alerts.removed}`);
  if ('skipped' in diff.states) lines.push(`states: not compared (${diff.states.skipped})`);
  else {
    lines.push(`states differing from ${against}, per actor type:`);
    for (const [type, d] of Object.entries(diff.states.byType)) {
      lines.push(`  ${type.padEnd(22)} ${d.differing} of ${d.compared}${d.examples.length ? `  e.g. ${d.examples.join(', ')}` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function summary(a: Alert): string {
  const s = (a.details as { summary?: unknown } | undefined)?.summary;
  return typeof s === 'string' ? s : '';
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  ) ?? 'undefined';
}
