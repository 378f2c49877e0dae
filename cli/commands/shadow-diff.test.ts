import { describe, expect, test } from 'bun:test';
import type { Alert } from '../../schemas/index.ts';
import { diffAlerts, diffStates, formatDiff } from './shadow-diff.ts';

const alert = (id: string, type = 'velocity'): Alert => ({ id, type, entityType: 'user', entityKey: id.split('/')[1] ?? 'u', severity: 'warning', ts: 1, detectedAt: 2, reasons: [], details: { summary: `s ${id}` } });

describe('shadow diff', () => {
  test('alerts: added and removed per rule by id, with at most three examples each', () => {
    const live = [alert('user/a/velocity/1'), alert('user/b/velocity/2'), alert('user/c/card_testing/3', 'card_testing')];
    const shadow = [alert('user/b/velocity/2'), ...[4, 5, 6, 7].map((i) => alert(`user/d${i}/velocity/${i}`))];
    const d = diffAlerts(live, shadow);
    expect({ added: d.added, removed: d.removed }).toEqual({ added: 4, removed: 2 });
    expect(d.byType.velocity).toMatchObject({ live: 2, shadow: 5, added: 4, removed: 1 });
    expect(d.byType.velocity!.addedExamples.map((a) => a.id)).toEqual(['user/d4/velocity/4', 'user/d5/velocity/5', 'user/d6/velocity/6']);
    expect(d.byType.card_testing).toMatchObject({ live: 1, shadow: 0, added: 0, removed: 1 });
  });

  test('states: canonical JSON per key, keys on either side only count as differing', () => {
    const live = new Map([['user', new Map<string, unknown>([['a', { x: 1, y: 2 }], ['b', { x: 1 }], ['gone', {}]])]]);
    const shadow = new Map([['user', new Map<string, unknown>([['a', { y: 2, x: 1 }], ['b', { x: 2 }], ['new', {}]])]]);
    expect(diffStates(live, shadow)).toEqual({ byType: { user: { compared: 4, differing: 3, examples: ['b', 'gone', 'new'] } } });
  });

  test('the printed form names each rule with its counts, examples and the states', () => {
    const text = formatDiff({ alerts: diffAlerts([alert('user/a/velocity/1')], [alert('user/a/velocity/9')]), states: { skipped: 'why not' } });
    expect(text).toContain('velocity');
    expect(text).toContain('(+1 / -1)');
    expect(text).toContain('+ user/a/velocity/9');
    expect(text).toContain('- user/a/velocity/1');
    expect(text).toContain('states: not compared (why not)');
    expect(text).toContain('live → shadow');
  });

  test('against a baseline replay, the printed form names the baseline as the other side', () => {
    const states = diffStates(new Map([['user', new Map([['a', 1]])]]), new Map([['user', new Map([['a', 2]])]]));
    const text = formatDiff({ alerts: diffAlerts([], [alert('user/a/velocity/9')]), states }, 'baseline');
    expect(text).toContain('alerts by rule: baseline → shadow');
    expect(text).toContain('states differing from baseline');
    expect(text).not.toContain('live');
  });
});
