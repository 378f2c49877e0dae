import { describe, expect, test } from 'bun:test';
import { EventTimeOrder } from './event-time-order.ts';

describe('EventTimeOrder', () => {
  test('an input earlier than one the entity already had is late; equal times and other entities are not', () => {
    const order = new EventTimeOrder();
    expect(order.late('a', 10)).toBe(false);
    expect(order.late('a', 10)).toBe(false); // a cascade's messages share their root's time
    expect(order.late('a', 20)).toBe(false);
    expect(order.late('b', 5)).toBe(false);
    expect(order.late('a', 15)).toBe(true);
    // A late input does not pull the entity's clock back: the next one is judged against 20.
    expect(order.late('a', 18)).toBe(true);
    expect(order.late('a', 21)).toBe(false);
  });

  test('a forgotten entity (passivated) starts afresh', () => {
    const order = new EventTimeOrder();
    order.late('a', 30);
    order.forget('a');
    expect(order.late('a', 10)).toBe(false);
  });
});
