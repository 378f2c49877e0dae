import { MAX_BUCKETS, MAX_TOP_LIMIT } from './analytics-params.ts';

/** The /v1/analytics/* paths of the OpenAPI document (http/routes/analytics.ts). */
export function analyticsPaths(): Record<string, unknown> {
  const param = (name: string, description: string, schema: Record<string, unknown> = { type: 'string' }) => ({ name, in: 'query', required: false, description, schema });
  const from = param('from', 'Start (inclusive): epoch ms or ISO time; default one hour before `to`');
  const to = param('to', 'End (exclusive): epoch ms or ISO time; default now');
  const by = param('by', `Bucket size (at most ${MAX_BUCKETS} buckets per request)`, { type: 'string', enum: ['minute', 'hour', 'day'], default: 'minute' });
  const n = { type: 'number' };
  const bucketed = (props: Record<string, unknown>) => ({
    type: 'object',
    properties: { from: { type: 'string' }, to: { type: 'string' }, by: { type: 'string' }, buckets: { type: 'array', items: { type: 'object', properties: { start: { type: 'string', format: 'date-time' }, ...props } } } },
  });
  const get = (summary: string, parameters: unknown[], schema: unknown) => ({
    get: {
      summary,
      security: [{ bearer: [] }, {}],
      parameters,
      responses: { 200: { description: summary, content: { 'application/json': { schema } } }, 400: { description: 'A parameter is malformed or the range too large (the message names it)' } },
    },
  });
  return {
    '/v1/analytics/sales': get('Orders and money (minor units, per currency) per bucket of event time', [from, to, by, param('country', 'ISO 3166 alpha-2')],
      bucketed({ currency: { type: 'string' }, ordersPlaced: n, ordersPaid: n, ordersCancelled: n, grossMinor: n, revenueMinor: n, items: n })),
    '/v1/analytics/funnel': get('Page views → carts → orders → paid per bucket, with totals and step conversion', [from, to, by],
      bucketed({ pageViews: n, carts: n, orders: n, paid: n })),
    '/v1/analytics/alerts': get('Alerts raised per bucket and type', [from, to, by], bucketed({ alertType: { type: 'string' }, alerts: n })),
    '/v1/analytics/top-skus': get('SKUs with the most units in paid orders over the range', [from, to, param('limit', `1 to ${MAX_TOP_LIMIT}, default 10`)], {
      type: 'object',
      properties: { items: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' }, units: n, revenue: { type: 'array', items: { type: 'object', properties: { currency: { type: 'string' }, minor: n } } } } } } },
    }),
  };
}
