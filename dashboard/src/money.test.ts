import { describe, expect, test } from 'bun:test';
import { fmtMoney, fmtMoneyShort, fmtMoneyTick } from './money.ts';

describe('money formatting (minor units → major units with currency)', () => {
  test('shows hundredths as major units with the symbol and two decimals', () => {
    expect(fmtMoney(123456, 'EUR')).toBe('€1,234.56');
    expect(fmtMoney(1050, 'USD')).toBe('$10.50');
    expect(fmtMoney(0, 'GBP')).toBe('£0.00');
    // JPY has no minor unit in ISO 4217, but the API's minor unit is always a hundredth.
    expect(fmtMoney(1050, 'JPY')).toBe('¥10.50');
  });

  test('short form: exact under 10,000, compact above', () => {
    expect(fmtMoneyShort(9550, 'EUR')).toBe('€95.50');
    expect(fmtMoneyShort(8000, 'GBP')).toBe('£80.00');
    expect(fmtMoneyShort(1_234_500, 'USD')).toBe('$12.3K');
    expect(fmtMoneyShort(250_000_000, 'USD')).toBe('$2.5M');
  });

  test('axis ticks drop the decimals of round values', () => {
    expect(fmtMoneyTick(5000, 'EUR')).toBe('€50');
    expect(fmtMoneyTick(2550, 'EUR')).toBe('€25.50');
    expect(fmtMoneyTick(2_500_000, 'EUR')).toBe('€25K');
  });

  test('a currency without a symbol shows its code; missing values are a dash', () => {
    expect(fmtMoney(1999, 'XQZ').replace(/\s/g, ' ')).toBe('XQZ 19.99');
    expect(fmtMoney(null, 'EUR')).toBe('–');
    expect(fmtMoneyShort(Number.NaN, 'EUR')).toBe('–');
  });
});
