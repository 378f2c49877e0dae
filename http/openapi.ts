import { EVENT_TYPES, eventSpecOf, MAX_EVENT_BYTES, moduleEventTypes } from '../schemas/index.ts';
import { adminPaths } from './openapi-admin.ts';
import { analyticsPaths } from './openapi-analytics.ts';
import { historyPaths } from './openapi-history.ts';

/**
 * The OpenAPI 3.1 document of the HTTP API. Event schemas are the very TypeBox schemas the ingest
 * route validates with (TypeBox schemas are JSON Schema), one per accepted type and version, so
 * the document cannot drift from what the server accepts. Event types of actor modules are listed
 * too: the document is built after the modules are loaded.
 */
export function openApiDocument(version: string): Record<string, unknown> {
  const eventSchemas: Record<string, unknown> = {};
  const variants: { $ref: string }[] = [];
  for (const type of [...EVENT_TYPES, ...moduleEventTypes()]) {
    for (const [v, schema] of Object.entries(eventSpecOf(type)!.schemas)) {
      const name = `${type}_v${v}`;
      eventSchemas[name] = {
        type: 'object',
        required: ['id', 'type', 'v', 'ts', 'data'],
        properties: {
          id: { type: 'string', minLength: 1 },
          type: { const: type },
          v: { const: Number(v) },
          ts: { type: 'integer', description: 'event time, epoch milliseconds' },
          data: plain(schema),
        },
      };
      variants.push({ $ref: `#/components/schemas/${name}` });
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'actorstream', version, description: 'Actor-model, exactly-once event pipeline for e-commerce. Bearer tokens with scopes ingest, read, admin when configured.' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        ...eventSchemas,
        Event: { oneOf: variants, description: `One event envelope (at most ${MAX_EVENT_BYTES} bytes)` },
        IngestResult: {
          type: 'object',
          properties: {
            accepted: { type: 'integer' },
            rejected: { type: 'array', maxItems: 100, description: 'the first 100 rejections', items: { type: 'object', properties: { index: { type: 'integer' }, error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, issues: { type: 'array' } } } } } },
            rejectedCount: { type: 'integer', description: 'all rejections' },
            duplicates: { type: 'array', maxItems: 100, description: 'events this instance already produced recently (retries), not produced again', items: { type: 'object', properties: { index: { type: 'integer' }, id: { type: 'string' } } } },
            duplicateCount: { type: 'integer' },
          },
        },
        EntityAnswer: {
          type: 'object',
          required: ['type', 'key', 'state', 'stale', 'servedBy', 'updatedAt'],
          properties: {
            type: { type: 'string' }, key: { type: 'string' }, state: {}, stale: { type: 'boolean' }, servedBy: { type: 'string' },
            updatedAt: { type: 'string', format: 'date-time' }, quarantine: { type: ['string', 'null'] }, ageMs: { type: 'integer' }, staleReason: { type: 'string' },
          },
        },
        Alert: {
          type: 'object',
          properties: {
            id: { type: 'string' }, type: { type: 'string' }, entityType: { type: 'string' }, entityKey: { type: 'string' }, severity: { type: 'string' },
            ts: { type: 'integer' }, detectedAt: { type: 'integer' }, reasons: { type: 'array', items: { type: 'string' } }, details: { type: 'object' },
          },
        },
      },
    },
    paths: {
      '/v1/events': {
        post: {
          summary: 'Ingest events: one envelope, a JSON array, or NDJSON',
          security: [{ bearer: [] }, {}],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { oneOf: [{ $ref: '#/components/schemas/Event' }, { type: 'array', items: { $ref: '#/components/schemas/Event' } }] } },
              'application/x-ndjson': { schema: { type: 'string', description: 'one Event per line' } },
            },
          },
          responses: {
            202: { description: 'Valid events acknowledged by Kafka (acks=all); invalid ones and duplicates listed', content: json({ $ref: '#/components/schemas/IngestResult' }) },
            400: { description: 'No valid event, or the body is not valid UTF-8 (INVALID_UTF8)' }, 401: { description: 'Missing or unknown token' }, 403: { description: 'Token lacks the ingest scope' },
            408: { description: 'The body did not arrive within the read deadline' },
            413: { description: 'Body over the size limit, or more events than max_items_per_request (TOO_MANY_ITEMS)' },
            415: { description: 'Content-Type is not application/json or application/x-ndjson' },
            429: { description: "Over the token's rate limit (Retry-After)" },
            503: { description: 'Kafka did not acknowledge (nothing accepted), or too many requests in flight (Retry-After)' },
          },
        },
      },
      ...entityPaths(),
      ...historyPaths(),
      ...analyticsPaths(),
      ...adminPaths(),
      '/v1/alerts': {
        get: {
          summary: 'Committed alerts, newest first',
          parameters: ['type', 'entity', 'since', 'limit', 'cursor'].map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
          responses: { 200: { description: 'A page of alerts', content: json({ type: 'object', properties: { alerts: { type: 'array', items: { $ref: '#/components/schemas/Alert' } }, next: { type: ['string', 'null'] } } }) } },
        },
      },
      '/v1/alerts/stream': { get: { summary: 'Live alerts as Server-Sent Events (reconnect with Last-Event-ID)', responses: { 200: { description: 'text/event-stream' } } } },
      '/v1/alerts/{id}': {
        get: {
          summary: "An alert and its why: the events its reasons name, read back from the log (bodies, Kafka coordinates, the message that carried each), and a trace link",
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            200: { description: '{ alert, causes: [{ id, record?: { topic, partition, offset, timestamp, key, event }, via?: { topic, partition, offset, timestamp, from, message }, traceparent? }], unresolved: [ids], scanned, trace: { traceId, url } | null }' },
            404: { description: 'no committed alert has this id' },
          },
        },
      },
      '/healthz': { get: { summary: 'Liveness', responses: { 200: { description: 'alive' } } } },
      '/readyz': { get: { summary: 'Readiness: joined the group, shards restored', responses: { 200: { description: 'ready' }, 503: { description: 'not ready' } } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'text format 0.0.4' } } } },
    },
  };
}

const json = (schema: unknown) => ({ 'application/json': { schema } });

/** A TypeBox schema as plain JSON Schema (TypeBox adds symbol keys, which JSON drops). */
function plain(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema));
}

/** The entity answers: the three typed routes of the contract and the one for any actor type. */
function entityPaths(): Record<string, unknown> {
  const answer = (what: string, noun: string, operationId: string, parameters: unknown[]) => ({
    get: {
      summary: `The live state of ${what}, from whichever instance owns it`,
      security: [{ bearer: [] }, {}],
      parameters,
      responses: {
        200: { description: 'Live (`stale: false`) or last committed snapshot (`stale: true`)', content: json({ $ref: '#/components/schemas/EntityAnswer' }) },
        404: { description: `No such ${noun}` },
      },
      operationId,
    },
  });
  const id = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
  return {
    '/v1/users/{id}': answer('a user', 'user', 'get_users', [id]),
    '/v1/orders/{id}': answer('an order', 'order', 'get_orders', [id]),
    '/v1/skus/{id}': answer('a SKU (state: onHand, reserved, available = onHand − reserved, reorderPoint, lowStock)', 'SKU', 'get_skus', [id]),
    '/v1/entities/{type}/{id}': answer('an entity of any actor type (user, order, sku, …)', 'actor type, or no such entity', 'get_entity', [
      { name: 'type', in: 'path', required: true, schema: { type: 'string' } },
      id,
    ]),
    '/v1/users/{id}/recommendations': {
      get: {
        summary: "Up to `limit` SKUs for the user, never one it bought (docs/recommendations.md): bought with what it bought or viewed, viewed, else trending",
        security: [{ bearer: [] }, {}],
        parameters: [id, { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 50, default: 10 } }],
        responses: {
          200: {
            description: 'Best first: bought_with (score = co-purchase count), viewed (recency weight 0.1–1), trending (units sold in the last hour); `stale` when a state came from a snapshot',
            content: json({
              type: 'object',
              required: ['userId', 'items', 'stale'],
              properties: {
                userId: { type: 'string' },
                stale: { type: 'boolean' },
                items: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['sku', 'score', 'reason'],
                    properties: { sku: { type: 'string' }, score: { type: 'number' }, reason: { type: 'string', pattern: '^(bought_with:.+|viewed|trending)$' } },
                  },
                },
              },
            }),
          },
          400: { description: 'A bad user key or limit' },
        },
        operationId: 'get_user_recommendations',
      },
    },
  };
}

