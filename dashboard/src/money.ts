/**
 * Money as people read it. The API counts money in minor units (hundredths, docs/analytics.md) and
 * never adds across currencies; the page shows major units with the currency's symbol, and a
 * currency Intl does not know (any three letters pass the schema) falls back to its code.
 */

/** 123456, 'EUR' → "€1,234.56". */
export function fmtMoney(minor: number | null | undefined, currency: string): string {
  if (minor === null || minor === undefined || !Number.isFinite(minor)) return '–';
  return format(minor / 100, currency, 'full');
}

/** Short enough for a chip: exact under 10,000 ("€95.50", "€1,234.00"), compact above ("€12.3K"). */
export function fmtMoneyShort(minor: number | null | undefined, currency: string): string {
  if (minor === null || minor === undefined || !Number.isFinite(minor)) return '–';
  const major = minor / 100;
  return format(major, currency, Math.abs(major) >= 10_000 ? 'compact' : 'full');
}

/** An axis tick: like fmtMoneyShort, but round values without decimals ("€50", "€2.5K"). */
export function fmtMoneyTick(minor: number, currency: string): string {
  const major = minor / 100;
  if (!Number.isFinite(major)) return '';
  if (Math.abs(major) >= 10_000) return format(major, currency, 'compact');
  return format(major, currency, Number.isInteger(major) ? 'whole' : 'full');
}

type Style = 'full' | 'whole' | 'compact';

const STYLES: Record<Style, Intl.NumberFormatOptions> = {
  // Always two decimals, even for currencies Intl treats as having none: the minor unit here is a hundredth.
  full: { minimumFractionDigits: 2, maximumFractionDigits: 2 },
  whole: { minimumFractionDigits: 0, maximumFractionDigits: 0 },
  compact: { notation: 'compact', minimumFractionDigits: 0, maximumFractionDigits: 1 },
};

const cache = new Map<string, Intl.NumberFormat | null>();

function format(major: number, currency: string, style: Style): string {
  const key = `${currency}/${style}`;
  let f = cache.get(key);
  if (f === undefined) {
    try {
      f = new Intl.NumberFormat('en-US', { style: 'currency', currency, ...STYLES[style] });
    } catch {
      f = null;
    }
    cache.set(key, f);
  }
  if (f) return f.format(major);
  const plain = new Intl.NumberFormat('en-US', STYLES[style]).format(major);
  return `${currency} ${plain}`;
}
