import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ProducerPort } from '../../runtime/kafka/port.ts';
import type { TopicNames } from '../../runtime/kafka/topics.ts';
import { decodeEvent, keyOf, MAX_EVENT_BYTES, topicOf } from '../../schemas/index.ts';
import { bodyItems } from '../body-items.ts';

export interface IngestOptions {
  producer: ProducerPort;
  topics: TopicNames;
  /** Largest request body accepted (default 16 MiB); larger → 413. */
  maxBodyBytes?: number;
  /**
   * Runs the request in an ingest span (observability/tracing.ts); `headers` (its trace context)
   * go on every produced record. Default: no tracing.
   */
  trace?: <T>(attributes: Record<string, string | number>, fn: (headers: Record<string, string> | undefined, span: { setAttributes(a: Record<string, number>): unknown } | undefined) => Promise<T>) => Promise<T>;
  onIngested?: (accepted: number, rejected: number) => void;
}

export interface Rejection {
  index: number;
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * `POST /v1/events`: validates every item on its own, then produces all valid ones in ONE produce
 * call (idempotent producer, acks=all), each to the topic of its type with its entity key. The 202
 * is sent only after Kafka acknowledged; if Kafka does not, the answer is 503 and nothing counts
 * as accepted (the client retries; event ids make a retried event recognisable downstream).
 */
export function ingestRoutes(opts: IngestOptions): Hono {
  const maxSize = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const app = new Hono();
  app.post(
    '/v1/events',
    bodyLimit({ maxSize, onError: (c) => c.json({ error: `request body exceeds ${maxSize} bytes; send smaller batches` }, 413) }),
    async (c) => {
      const text = await c.req.text();
      if (text.trim() === '') return c.json({ error: 'empty body: send one event envelope, a JSON array of them, or NDJSON' }, 400);
      const trace = opts.trace ?? ((_attributes, fn) => fn(undefined, undefined));
      return trace({ 'http.route': '/v1/events', 'http.request.body.size': text.length }, async (headers, span) => {
        const rejected: Rejection[] = [];
        const byTopic = new Map<string, { key: string; value: string; headers?: Record<string, string> }[]>();
        let accepted = 0;
        for (const item of bodyItems(text, c.req.header('content-type'))) {
          if ('error' in item) {
            rejected.push({ index: item.index, error: { code: 'INVALID_JSON', message: item.error } });
            continue;
          }
          if (item.bytes > MAX_EVENT_BYTES) {
            rejected.push({ index: item.index, error: { code: 'OVERSIZE', message: `event is ${item.bytes} bytes; the limit is ${MAX_EVENT_BYTES}` } });
            continue;
          }
          const decoded = decodeEvent(item.value);
          if (!decoded.ok) {
            const e = decoded.error;
            rejected.push({ index: item.index, error: { code: e.code, message: e.message, issues: e.issues } });
            continue;
          }
          const topic = opts.topics.source[topicOf(decoded.event.type)];
          const list = byTopic.get(topic) ?? [];
          // The envelope as the client sent it (its version included): the processor upcasts.
          list.push({ key: keyOf(decoded.event), value: JSON.stringify(item.value), ...(headers ? { headers } : {}) });
          byTopic.set(topic, list);
          accepted++;
        }
        if (accepted === 0) {
          opts.onIngested?.(0, rejected.length);
          return c.json({ error: 'no valid event in the body', accepted: 0, rejected }, 400);
        }
        try {
          await opts.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
        } catch (e) {
          return c.json({ error: `Kafka did not acknowledge the events (${(e as Error).message}); nothing was accepted, retry` }, 503);
        }
        opts.onIngested?.(accepted, rejected.length);
        span?.setAttributes({ 'ingest.accepted': accepted, 'ingest.rejected': rejected.length });
        return c.json({ accepted, rejected }, 202);
      });
    },
  );
  return app;
}
