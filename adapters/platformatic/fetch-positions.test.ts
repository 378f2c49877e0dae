import { describe, expect, test } from 'bun:test';
import { FetchPositions, tpKey } from './fetch-positions.ts';

const A0 = { topic: 'a', partition: 0 };
const A1 = { topic: 'a', partition: 1 };
const K0 = tpKey('a', 0);

/** Positions of one generation of A0, A1 starting at `start`. */
function started(start = 0n): { p: FetchPositions; gen: number } {
  const p = new FetchPositions();
  const gen = p.assign([A0, A1]);
  for (const tp of p.unpositioned()) p.setStart(gen, tp, start);
  return { p, gen };
}

describe('fetch positions', () => {
  test('a new generation looks its starts up; a partition is fetched from there', () => {
    const p = new FetchPositions();
    const gen = p.assign([A0, A1]);
    expect(p.unpositioned()).toEqual([A0, A1]);
    expect(p.fetchable()).toEqual([]);
    p.setStart(gen, A0, 7n);
    expect(p.take(p.fetchable()).map((x) => [x.key, x.offset])).toEqual([[K0, 7n]]);
  });

  test('only consumedThrough moves a position: a batch returned without it is fetched from the same offset', () => {
    const { p, gen } = started(5n);
    const [part] = p.take([A0]);
    p.release(part!.key);
    expect(p.take([A0])[0]!.offset).toBe(5n);
    p.consumedThrough(gen, K0, 9n);
    p.release(K0);
    expect(p.take([A0])[0]!.offset).toBe(10n);
  });

  test('a busy partition is not fetched again until released (one batch per partition)', () => {
    const { p } = started();
    p.take([A0]);
    expect(p.fetchable()).toEqual([A1]);
    p.release(K0);
    expect(p.fetchable()).toEqual([A0, A1]);
  });

  test('a seek makes the batch in flight not current and wins over consumedThrough at the next fetch', () => {
    const { p, gen } = started();
    p.take([A0]);
    const control = p.control(gen, K0, () => true);
    expect(control.current()).toBe(true);
    p.seek(A0, 3n);
    expect(control.current()).toBe(false);
    control.consumedThrough('20');
    expect(p.deliverable(gen, K0, 0n)).toBe(false);
    p.release(K0);
    expect(p.take([A0])[0]!.offset).toBe(3n);
    expect(control.current()).toBe(true);
  });

  test('a new generation: old batches stop being current and cannot move positions; starts are looked up again; pauses and seeks stay', () => {
    const { p, gen } = started(4n);
    p.take([A0]);
    const old = p.control(gen, K0, () => true);
    p.pause([A1]);
    p.seek(A1, 11n);
    const next = p.assign([A0, A1]);
    expect(old.current()).toBe(false);
    old.consumedThrough('50');
    expect(p.unpositioned()).toEqual([A0]); // A1 has its seek
    p.setStart(next, A0, 4n);
    expect(p.fetchable()).toEqual([]); // A0 still busy with the old batch, A1 paused
    p.release(K0);
    p.resume([A1]);
    expect(p.take(p.fetchable()).map((x) => x.offset)).toEqual([4n, 11n]);
  });

  test('a late start lookup does not override a seek, a position, or a newer generation', () => {
    const { p, gen } = started(1n);
    p.setStart(gen, A0, 99n);
    expect(p.take([A0])[0]!.offset).toBe(1n);
    const next = p.assign([A0]);
    p.setStart(gen, A0, 42n);
    expect(p.unpositioned()).toEqual([A0]);
    p.setStart(next, A0, 8n);
    expect(p.fetchable()).toEqual([]); // still busy from before
  });

  test('paused or stopped: fetched data is not deliverable, the control says not current', () => {
    const { p, gen } = started();
    p.take([A0]);
    let running = true;
    const control = p.control(gen, K0, () => running);
    p.pause([A0]);
    expect(p.deliverable(gen, K0, 0n)).toBe(false);
    p.resume([A0]);
    expect(p.deliverable(gen, K0, 0n)).toBe(true);
    running = false;
    expect(control.current()).toBe(false);
  });
});
