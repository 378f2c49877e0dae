import type { Bucket, TimeRange } from '../store/index.ts';
import { clip } from './clip.ts';
import { timeFilter, type Parsed } from './query-filters.ts';

/**
 * The query parameters of /v1/analytics/*, checked before any SQL: `from`/`to` (epoch ms or ISO
 * time; default the last hour), `by` (minute, hour, day), `country`, `limit`. A range is bounded
 * so one request cannot ask Postgres for years of minutes.
 */

const BUCKET_MS: Record<Bucket, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
/** Most buckets one answer holds (a week of minutes). */
export const MAX_BUCKETS = 10_080;
/** Longest range any analytics query covers. */
export const MAX_RANGE_MS = 400 * 86_400_000;
export const DEFAULT_RANGE_MS = 3_600_000;
export const MAX_TOP_LIMIT = 100;

export interface AnalyticsQuery {
  from?: string;
  to?: string;
  by?: string;
  country?: string;
  limit?: string;
}

/** The time range asked for; `now` is the default end. */
export function parseRange(q: AnalyticsQuery, now: number): Parsed<TimeRange> {
  const toParam = timeFilter('to', q.to);
  if (!toParam.ok) return toParam;
  const to = toParam.value ?? now;
  const fromParam = timeFilter('from', q.from);
  if (!fromParam.ok) return fromParam;
  const from = fromParam.value ?? to - DEFAULT_RANGE_MS;
  if (from >= to) return { ok: false, error: `from must be before to (got from ${new Date(from).toISOString()}, to ${new Date(to).toISOString()})` };
  if (to - from > MAX_RANGE_MS) return { ok: false, error: `the range may cover at most ${MAX_RANGE_MS / 86_400_000} days` };
  return { ok: true, value: { from, to } };
}

/** A range with its bucket size: no more than MAX_BUCKETS buckets. */
export function parseBucketed(q: AnalyticsQuery, now: number): Parsed<TimeRange & { by: Bucket }> {
  const range = parseRange(q, now);
  if (!range.ok) return range;
  const by = (q.by ?? 'minute') as Bucket;
  if (!(by in BUCKET_MS)) return { ok: false, error: `by must be minute, hour or day, got '${clip(q.by ?? '')}'` };
  const buckets = Math.ceil((range.value.to - range.value.from) / BUCKET_MS[by]);
  if (buckets > MAX_BUCKETS) return { ok: false, error: `${buckets} ${by} buckets asked for; at most ${MAX_BUCKETS} per request (use a larger 'by' or a shorter range)` };
  return { ok: true, value: { ...range.value, by } };
}

/** `country`: absent, or an ISO 3166 alpha-2 code as the events carry it. */
export function parseCountry(raw: string | undefined): Parsed<string | undefined> {
  if (raw === undefined || raw === '') return { ok: true, value: undefined };
  return /^[A-Z]{2}$/.test(raw) ? { ok: true, value: raw } : { ok: false, error: `country must be two capital letters (ISO 3166 alpha-2), got '${clip(raw)}'` };
}

/** `limit`: 1 to MAX_TOP_LIMIT, default 10. */
export function parseLimit(raw: string | undefined): Parsed<number> {
  if (raw === undefined || raw === '') return { ok: true, value: 10 };
  const n = /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  return n >= 1 && n <= MAX_TOP_LIMIT ? { ok: true, value: n } : { ok: false, error: `limit must be an integer from 1 to ${MAX_TOP_LIMIT}, got '${clip(raw)}'` };
}
