import { describe, expect, test } from 'bun:test';
import { HTTPException } from 'hono/http-exception';
import { stackOf, viewOf } from './present.ts';

describe("an entity's state as answered", () => {
  const actors = [
    { type: 'cart', view: (s: unknown) => ({ shown: s }) },
    { type: 'wish', view: () => { throw Object.create(null); } },
    { type: 'gift', view: () => { throw new RangeError('no total'); } },
  ];
  const present = viewOf(actors);

  test('through its view, or as stored without one', () => {
    expect(present('cart', { n: 1 })).toEqual({ shown: { n: 1 } });
    expect(present('sku', { n: 2 })).toEqual({ n: 2 });
  });

  // A view is the actor's own code: anything it throws answers 500 as JSON naming it, never Bun's
  // own HTML page (a thrown null-prototype object made the error handler throw; found by review).
  test('a view that throws anything is a 500 that says so', () => {
    for (const [type, what] of [['wish', 'Error: an object'], ['gift', 'RangeError: no total']] as const) {
      let caught: unknown;
      try {
        present(type, {});
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(HTTPException);
      expect([(caught as HTTPException).status, (caught as HTTPException).message]).toEqual([500, `the ${type} actor's view failed on this state: ${what}`]);
    }
  });

  test('what is logged of anything a route throws never throws itself', () => {
    expect(stackOf(new Error('x'))).toContain('Error: x');
    expect(stackOf(Object.create(null))).toBe('Error: an object');
    expect(stackOf(Object.defineProperty({}, 'stack', { get: () => { throw new Error('no'); } }))).toBe('Error: an object');
  });
});
