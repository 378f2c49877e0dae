import { describe, expect, test } from 'bun:test';
import { builtInActors, createTestDriver } from '../../sdk/index.ts';
import { ABANDON_AFTER_MS, cart, type CartState } from './cart.ts';

/** The tutorial's tests (docs/writing-actors.md): the cart with the built-in SKU it talks to, in the pure driver. */
const T = 1_700_000_000_000;
const stock = (id: string, sku: string, qty: number, ts: number) => ({ id, type: 'stock_received', v: 1, ts, data: { sku, qty } });
const update = (id: string, qty: number, ts: number, sku = 'sku-1') => ({ id, type: 'cart_updated', v: 1, ts, data: { cartId: 'c-1', userId: 'u-1', sku, qty } });

function driver() {
  const d = createTestDriver([...builtInActors({ analytics: false }), cart]);
  d.pipe([stock('s-1', 'sku-1', 5, T), stock('s-2', 'sku-2', 1, T)]);
  return d;
}

describe('cart abandonment', () => {
  test('a hold answered after the cart shrank keeps what fits and gives back the rest: the same outcome in any order', () => {
    const d = createTestDriver([...builtInActors({ analytics: false }), cart], { deliverSends: 'manual' });
    d.pipe([stock('s-1', 'sku-1', 5, T), update('e-1', 3, T + 1), update('e-2', 1, T + 2)]);
    d.deliverAll(); // the SKU hears of the hold for 3 only now, after the cart went down to 1
    expect(d.state<CartState>('cart', 'c-1')!.items).toEqual({ 'sku-1': { qty: 1, held: 1 } });
    expect(d.state('sku', 'sku-1')).toMatchObject({ reserved: 1 });
  });

  test('the SKU holds what the cart asks for and answers back', () => {
    const d = driver();
    d.pipe([update('e-1', 3, T + 1), update('e-2', 2, T + 2, 'sku-2')]);
    expect(d.state<CartState>('cart', 'c-1')!.items).toEqual({ 'sku-1': { qty: 3, held: 3 }, 'sku-2': { qty: 2, held: 0 } });
    expect(d.state('sku', 'sku-1')).toMatchObject({ onHand: 5, reserved: 3 });
    expect(d.alerts().map((a) => a.type)).toEqual(['oversell_prevented']); // sku-2 had only 1
  });

  test('30 minutes of quiet abandon the cart: holds go back and an alert names the user', () => {
    const d = driver();
    d.pipe([update('e-1', 3, T + 1)]);
    d.advanceTime(T + 1 + ABANDON_AFTER_MS);
    expect(d.state<CartState>('cart', 'c-1')).toMatchObject({ status: 'abandoned', items: { 'sku-1': { qty: 3, held: 0 } } });
    expect(d.state('sku', 'sku-1')).toMatchObject({ reserved: 0 });
    expect(d.alerts().at(-1)).toMatchObject({ id: `cart/c-1/cart_abandoned/abandoned-${T + 1}`, entityType: 'cart', reasons: ['e-1'], details: { userId: 'u-1', units: { 'sku-1': 3 } } });
  });

  test('activity moves the deadline; a checkout ends it and gives the holds back', () => {
    const d = driver();
    d.pipe([update('e-1', 1, T), update('e-2', 2, T + ABANDON_AFTER_MS - 1)]);
    d.advanceTime(T + ABANDON_AFTER_MS + 1);
    expect(d.state<CartState>('cart', 'c-1')!.status).toBe('open');
    d.pipe([{ id: 'e-3', type: 'cart_checked_out', v: 1, ts: T + ABANDON_AFTER_MS + 2, data: { cartId: 'c-1', orderId: 'o-1' } }]);
    d.advanceTime(T + 3 * ABANDON_AFTER_MS);
    expect(d.state<CartState>('cart', 'c-1')!.status).toBe('checked_out');
    expect(d.state('sku', 'sku-1')).toMatchObject({ reserved: 0 });
    expect(d.alerts().filter((a) => a.type === 'cart_abandoned')).toEqual([]);
  });
});
