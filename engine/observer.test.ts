import { describe, expect, test } from 'bun:test';
import { guardObserver } from './observer.ts';

describe('guardObserver', () => {
  test('a throwing method is logged once per message and never propagates; others still run', () => {
    const logged: string[] = [];
    let lags = 0;
    const guarded = guardObserver(
      {
        relayed() {
          throw new Error('value outside of histogram covered range');
        },
        lag: () => void lags++,
      },
      (l) => logged.push(l),
    );
    expect(() => guarded.relayed!({ shard: 'sku/0', records: 1 })).not.toThrow();
    expect(() => guarded.relayed!({ shard: 'sku/0', records: 2 })).not.toThrow();
    guarded.lag!({ topic: 't', partition: 0, lag: 3 });
    expect(logged).toEqual(['observer relayed: value outside of histogram covered range (ignored; reported once)']);
    expect(lags).toBe(1);
    expect(guarded.batchApplied).toBeUndefined();
  });
});
