import { describe, expect, test } from 'bun:test';
import type { SalesBucket } from './api.ts';
import { currencyTotals, minuteWindow, perMinute } from './data.ts';

const at = (iso: string) => Date.parse(iso);
const sale = (start: string, currency: string, paid: number, revenueMinor: number, placed = paid): SalesBucket => ({
  start,
  currency,
  ordersPlaced: placed,
  ordersPaid: paid,
  ordersCancelled: 0,
  grossMinor: revenueMinor,
  revenueMinor,
  items: paid,
});

describe('business row data shaping', () => {
  test('the window is whole minutes ending with the current one; `to` is exclusive', () => {
    const w = minuteWindow(at('2024-05-01T12:30:20Z'), 3);
    expect(w.from).toBe(at('2024-05-01T12:28:00Z'));
    expect(w.to).toBe(at('2024-05-01T12:31:00Z'));
    expect(w.starts).toEqual([at('2024-05-01T12:28:00Z'), at('2024-05-01T12:29:00Z'), at('2024-05-01T12:30:00Z')]);
    expect(minuteWindow(Date.now()).starts).toHaveLength(30);
  });

  test('per-minute slots: rows of one minute add up, minutes without rows are 0, rows outside are ignored', () => {
    const w = minuteWindow(at('2024-05-01T12:30:20Z'), 3);
    const rows = [sale('2024-05-01T12:28:00.000Z', 'EUR', 2, 100), sale('2024-05-01T12:28:00.000Z', 'USD', 1, 50), sale('2024-05-01T12:30:00.000Z', 'EUR', 4, 10), sale('2024-05-01T12:00:00.000Z', 'EUR', 9, 9)];
    expect(perMinute(w.starts, rows, (r) => r.ordersPaid)).toEqual([3, 0, 4]);
    expect(perMinute(w.starts, rows, (r) => r.revenueMinor, (r) => r.currency === 'EUR')).toEqual([100, 0, 10]);
  });

  test('currency totals never mix currencies and put the one with the most paid orders first', () => {
    const totals = currencyTotals([sale('2024-05-01T12:28:00Z', 'USD', 1, 900_000), sale('2024-05-01T12:28:00Z', 'EUR', 2, 1_000), sale('2024-05-01T12:29:00Z', 'EUR', 1, 500), sale('2024-05-01T12:29:00Z', 'GBP', 0, 0, 3)]);
    expect(totals.map((t) => [t.currency, t.paid, t.revenueMinor])).toEqual([
      ['EUR', 3, 1_500],
      ['USD', 1, 900_000],
      ['GBP', 0, 0],
    ]);
    expect(totals[2]!.placed).toBe(3);
  });
});
