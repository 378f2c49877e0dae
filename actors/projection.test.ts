import { describe, expect, test } from 'bun:test';
import { projectRow, type ReadModel } from './projection.ts';

const model = (row: ReadModel<unknown>['row']): ReadModel<unknown> => ({
  table: 'gadgets',
  columns: [{ name: 'gadget_id', type: 'text' }, { name: 'note', type: 'text' }, { name: 'n', type: 'bigint' }, { name: 'seen_at', type: 'timestamptz' }],
  row,
});

describe('projectRow', () => {
  test('a plain row comes back as an equal copy; no row is undefined', () => {
    const row = ['g-1', 'fine', 3, 1_000];
    const out = projectRow(model(() => row), 'g-1', null);
    expect(out).toEqual(row);
    expect(out).not.toBe(row);
    expect(projectRow(model(() => undefined), 'g-1', null)).toBeUndefined();
  });

  test("cells that are not plain values become what the store's JSON makes of them; a Date in a timestamptz column its epoch milliseconds", () => {
    const out = projectRow(model(() => ['g-1', new Date(0), () => 2, new Date(5_000), Symbol('s')] as never), 'g-1', null);
    expect(out as unknown[]).toEqual(['g-1', '1970-01-01T00:00:00.000Z', null, 5_000, null]);
    expect(projectRow(model(() => ['g-1', { a: 1, fn: () => 1 }, 1, new Date(Number.NaN)] as never), 'g-1', null) as unknown[]).toEqual(['g-1', { a: 1 }, 1, null]);
    expect(() => structuredClone(out)).not.toThrow();
  });

  test('a row that is a Proxy comes back as a real array, which a post between threads accepts', () => {
    const proxied = new Proxy(['g-1', 'x', 1, 2], {});
    expect(() => structuredClone(proxied)).toThrow();
    const out = projectRow(model(() => proxied), 'g-1', null);
    expect(out).toEqual(['g-1', 'x', 1, 2]);
    expect(() => structuredClone(out)).not.toThrow();
  });

  test('a cell JSON cannot encode, or a row whose reading throws, is refused with the reason', () => {
    const cycle: Record<string, unknown> = { fn: () => 1 };
    cycle.self = cycle;
    expect(() => projectRow(model(() => ['g-1', cycle, 1] as never), 'g-1', null)).toThrow(/^row value 2 \(column note\) cannot be encoded as JSON: .*(cyclic|circular)/i);
    expect(() => projectRow(model(() => ['g-1', 'x', 5n] as never), 'g-1', null)).toThrow(/^row value 3 \(column n\) cannot be encoded as JSON: .*BigInt/i);
    const throwing = new Proxy(['g-1'], { get: (t, p) => (p === '0' ? (() => { throw new Error('no reading'); })() : Reflect.get(t, p)) });
    expect(() => projectRow(model(() => throwing), 'g-1', null)).toThrow('no reading');
  });

  test('anything but an array, or a row keyed by another entity, is refused as before', () => {
    expect(() => projectRow(model(() => ({ id: 'g-1' }) as never), 'g-1', null)).toThrow(/^row must return an array of its 4 column values/);
    expect(() => projectRow(model(() => ['g-2', 'x', 1, 2]), 'g-1', null)).toThrow(`row's first value must be the entity's key 'g-1' (column gadget_id), got "g-2"`);
  });
});
