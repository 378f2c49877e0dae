/** Number and time formatting shared by the panels: short, fixed-ish width, readable at a glance. */

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 950 → "950", 12_345 → "12.3K", 1.25 → "1.3". */
export function fmtCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  if (Math.abs(n) < 10 && !Number.isInteger(n)) return n.toFixed(1);
  if (Math.abs(n) < 10_000) return whole.format(n);
  return compact.format(n);
}

/** 0.42 → "0.42 ms", 12.3 → "12 ms", 1530 → "1.53 s". */
export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  return fmtDuration(ms);
}

/** 4_500 → "4s", 125_000 → "2m 5s", 7_500_000 → "2h 5m". */
export function fmtDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return `${hours}h ${m % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** "12:03:07" in the viewer's time zone. */
export function fmtClock(at: number): string {
  return new Date(at).toLocaleTimeString('en-GB', { hour12: false });
}

/** "2024-05-01 12:03:07.123" (local), for detail views where the date matters. */
export function fmtDateTime(at: number): string {
  const d = new Date(at);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** "12:03:07.123" (local): a time of day to the millisecond, where the date is given nearby. */
export function fmtTimeMs(at: number): string {
  return fmtDateTime(at).slice(11);
}

/** "3s ago", "2m 5s ago"; "just now" under a second. */
export function fmtAgo(at: number, now: number): string {
  const ms = now - at;
  if (ms < 1000) return 'just now';
  return `${fmtDuration(ms)} ago`;
}

/** 0.734 → "73%"; "–" when the base is 0. */
export function fmtPercent(part: number, whole: number): string {
  if (!whole) return '–';
  return `${Math.round((part / whole) * 100)}%`;
}

/** A ratio as a percentage: 0.0423 → "4.2%", 0.95 → "95%"; "–" when there is none (the base was 0). */
export function fmtRate(r: number | null | undefined): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return '–';
  const pct = r * 100;
  return `${pct < 10 ? +pct.toFixed(1) : Math.round(pct)}%`;
}

/** Axis ticks: "0.1 ms", "10 ms", "1 s", "2.5 s". uPlot may ask for a tick while a series has no value yet: blank. */
export function fmtMsTick(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '';
  if (ms < 1) return `${+ms.toFixed(2)} ms`;
  if (ms < 1000) return `${+ms.toFixed(0)} ms`;
  return `${+(ms / 1000).toFixed(1)} s`;
}

/** Axis ticks for rates: "0", "500", "1.5K". */
export function fmtCountTick(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return '';
  return Math.abs(n) < 1000 ? String(+n.toFixed(1)) : compact.format(n);
}

/**
 * A topic as the legend shows it: an actor inbox (`<app>.<actor>.inbox`) becomes "<actor> inbox",
 * so six topics fit in a small panel; the full name stays in the tooltip.
 */
export function shortTopic(topic: string): string {
  const inbox = /^.+\.([^.]+)\.inbox$/.exec(topic);
  return inbox ? `${inbox[1]} inbox` : topic;
}
