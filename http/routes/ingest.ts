import { Hono, type Context } from 'hono';
import type { OutgoingRecord, RecordSink, TopicNames } from '../../engine/index.ts';
import { sourceTopicName } from '../../engine/topic-names.ts';
import { decodeEvent, DEFAULT_MAX_FUTURE_MS, keyOf, MAX_EVENT_BYTES, topicOf } from '../../schemas/index.ts';
import { bodyItems } from '../body-items.ts';
import { IngestReport } from '../ingest-report.ts';
import { DEFAULT_HTTP_LIMITS } from '../limits.ts';
import { readBodyText } from '../read-body.ts';
import { entryKey, type RecentEvents } from '../recent-events.ts';

export type { Rejection, Duplicate, IngestAnswer } from '../ingest-report.ts';

export interface IngestOptions {
  /** Where accepted events go (durable when `send` resolves: acks from all in-sync replicas). */
  sink: Pick<RecordSink, 'send'>;
  topics: TopicNames;
  /** Largest request body accepted (default 16 MiB); larger → 413. */
  maxBodyBytes?: number;
  /** Most items in one body (default 10 000); more → 413 before any is validated. */
  maxItemsPerRequest?: number;
  /** The whole body must arrive within this (default 30 s); else 408. */
  bodyReadTimeoutMs?: number;
  /** Latest accepted `ts`, ahead of this instance's clock (default 5 min); later → FUTURE_TIMESTAMP. */
  maxFutureMs?: number;
  /** Events produced recently: a retried event is answered as a duplicate, not produced again. */
  recent?: RecentEvents;
  /** Per-token budget of produced events (http/rate-limit.ts): undefined admits, else the refusal to send. */
  admitEvents?: (c: Context, n: number) => Promise<Response | undefined>;
  /**
   * Runs the request in an ingest span (observability/tracing.ts); `headers` (its trace context)
   * go on every produced record. Default: no tracing.
   */
  trace?: <T>(attributes: Record<string, string | number>, fn: (headers: Record<string, string> | undefined, span: { setAttributes(a: Record<string, number>): unknown } | undefined) => Promise<T>) => Promise<T>;
  onIngested?: (accepted: number, rejected: number) => void;
  now?: () => number;
}

export const DEFAULT_MAX_BODY_BYTES = DEFAULT_HTTP_LIMITS.maxBodyBytes;
/** The media types of an ingest body. Others are 415: a browser can send text/plain or a form cross-site without a CORS preflight, never these. */
export const INGEST_MEDIA_TYPES: readonly string[] = ['application/json', 'application/x-ndjson'];
/** Validating yields to the event loop this often, so one big batch does not stall /healthz. */
const YIELD_EVERY = 500;

/**
 * `POST /v1/events`: checks the media type, reads the body within its size and time limits,
 * bounds the item count, then validates every item on its own and produces all valid, new ones in
 * ONE produce call (idempotent producer, acks=all), each to the topic of its type with its entity
 * key. The 202 is sent only after Kafka acknowledged; if Kafka does not, the answer is 503 and
 * nothing counts as accepted (the client retries; event ids make a retried event recognisable).
 * The answer is bounded (http/ingest-report.ts) whatever the body held.
 */
export function ingestRoutes(opts: IngestOptions): Hono {
  const maxBytes = opts.maxBodyBytes ?? DEFAULT_HTTP_LIMITS.maxBodyBytes;
  const maxItems = opts.maxItemsPerRequest ?? DEFAULT_HTTP_LIMITS.maxItemsPerRequest;
  const deadlineMs = opts.bodyReadTimeoutMs ?? DEFAULT_HTTP_LIMITS.bodyReadTimeoutMs;
  const maxFutureMs = opts.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS;
  const now = opts.now ?? Date.now;
  const app = new Hono();
  app.post('/v1/events', async (c) => {
    const mediaType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (!INGEST_MEDIA_TYPES.includes(mediaType)) {
      return c.json({ error: `content-type must be ${INGEST_MEDIA_TYPES.join(' or ')}`, code: 'UNSUPPORTED_MEDIA_TYPE' }, 415);
    }
    const body = await readBodyText(c.req.raw, { maxBytes, deadlineMs });
    // A refused body may still be arriving: close the connection rather than read the rest.
    if (!body.ok) return c.json({ error: body.message, code: body.code }, body.status, body.status === 400 ? {} : { connection: 'close' });
    const text = body.text;
    if (text.trim() === '') return c.json({ error: 'empty body: send one event envelope, a JSON array of them, or NDJSON', code: 'EMPTY_BODY' }, 400);
    const parsed = bodyItems(text, mediaType === 'application/x-ndjson', maxItems);
    if (!('items' in parsed)) {
      return c.json({ error: `more than ${maxItems} events in one request; send smaller batches`, code: 'TOO_MANY_ITEMS' }, 413);
    }

    const trace = opts.trace ?? ((_attributes, fn) => fn(undefined, undefined));
    return trace({ 'http.route': '/v1/events', 'http.request.body.size': body.bytes }, async (headers, span) => {
      const report = new IngestReport();
      const toSend: OutgoingRecord[] = [];
      const produced: { topic: string; key: string; id: string }[] = [];
      const inRequest = new Set<string>();
      const limits = { notAfter: now() + maxFutureMs };
      let n = 0;
      for (const item of parsed.items) {
        if (++n % YIELD_EVERY === 0) await new Promise((r) => setTimeout(r, 0));
        if ('error' in item) {
          report.reject(item.index, { code: 'INVALID_JSON', message: item.error });
          continue;
        }
        if (item.bytes > MAX_EVENT_BYTES) {
          report.reject(item.index, { code: 'OVERSIZE', message: `event is ${item.bytes} bytes; the limit is ${MAX_EVENT_BYTES}` });
          continue;
        }
        const decoded = decodeEvent(item.value, undefined, limits);
        if (!decoded.ok) {
          const e = decoded.error;
          report.reject(item.index, { code: e.code, message: e.message, issues: e.issues });
          continue;
        }
        const topic = sourceTopicName(opts.topics, topicOf(decoded.event.type));
        const key = keyOf(decoded.event);
        const id = decoded.event.id;
        const k = entryKey(topic, key, id);
        if (inRequest.has(k) || opts.recent?.has(topic, key, id)) {
          report.duplicate(item.index, id);
          continue;
        }
        inRequest.add(k);
        // The envelope as the client sent it (its version included): the processor upcasts.
        toSend.push({ topic, key, value: JSON.stringify(item.value), ...(headers ? { headers } : {}) });
        produced.push({ topic, key, id });
        report.accepted++;
      }
      if (report.accepted === 0 && report.duplicateCount === 0) {
        opts.onIngested?.(0, report.rejectedCount);
        return c.json({ error: 'no valid event in the body', ...report.answer() }, 400);
      }
      if (report.accepted > 0) {
        // The budget counts events that would be produced: invalid items and duplicates cost none.
        const refused = await opts.admitEvents?.(c, report.accepted);
        if (refused) return refused;
        try {
          await opts.sink.send(toSend);
        } catch (e) {
          return c.json({ error: `Kafka did not acknowledge the events (${(e as Error).message}); nothing was accepted, retry` }, 503);
        }
        // Only now: an event Kafka did not acknowledge must not be answered as a duplicate later.
        opts.recent?.remember(produced);
      }
      opts.onIngested?.(report.accepted, report.rejectedCount);
      span?.setAttributes({ 'ingest.accepted': report.accepted, 'ingest.rejected': report.rejectedCount, 'ingest.duplicates': report.duplicateCount });
      return c.json(report.answer(), 202);
    });
  });
  return app;
}
