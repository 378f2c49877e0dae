/** The time-travel path of the OpenAPI document (http/routes/entity-history.ts). */
export function historyPaths(): Record<string, unknown> {
  const path = (name: string, description: string) => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });
  const error = (description: string, extra: Record<string, unknown> = {}) => ({
    description,
    content: { 'application/json': { schema: { type: 'object', required: ['error'], properties: { error: { type: 'string' }, ...extra } } } },
  });
  const iso = { type: 'string', format: 'date-time' };
  return {
    '/v1/entities/{type}/{id}/history': {
      get: {
        summary: "An entity's state at a past event time (or right after a source offset), rebuilt from the snapshots its checkpoints keep (history.actors) and the log after them",
        security: [{ bearer: [] }, {}],
        parameters: [
          path('type', 'Actor type (user, order, sku, …)'),
          path('id', 'Entity key'),
          { name: 'at', in: 'query', required: true, description: "Event time (an ISO time or epoch milliseconds), or `offset:N`: right after source offset N of the entity's partition was applied (every input earlier in event time, and the source events of that record's time up to it)", schema: { type: 'string' } },
        ],
        responses: {
          200: {
            description: 'The state at `at` (the actor\'s view, as the entity answers), the snapshot it was rebuilt from, and what was applied after it',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['type', 'key', 'at', 'state', 'quarantine', 'snapshot', 'replayed'],
                  properties: {
                    type: { type: 'string' }, key: { type: 'string' }, at: iso, state: {},
                    through: { type: 'object', description: 'asked by offset: the source record the state is right after', properties: { topic: { type: 'string' }, partition: { type: 'integer' }, offset: { type: 'integer' } } }, quarantine: { type: ['string', 'null'] },
                    snapshot: { type: ['object', 'null'], description: 'latest event time the snapshot had applied, and when its checkpoint committed; null when rebuilt from the entity\'s creation (a time before its first snapshot)', properties: { at: iso, committedAt: iso } },
                    replayed: { type: 'object', description: 'inputs read back from the log and applied, timers fired, records read', properties: { inputs: { type: 'integer' }, timers: { type: 'integer' }, recordsRead: { type: 'integer' } } },
                  },
                },
              },
            },
          },
          400: error('`at` missing or neither a time nor offset:N, a malformed key, or the record at that offset is not an event'),
          404: error('Unknown actor type; the type keeps no history (history.actors / HISTORY_ACTORS); no history of the key; no record at that offset; or `at` is before its oldest kept state (`oldestAt`: it did not exist yet, or older history left with history.retention_hours)', { oldestAt: iso }),
          501: error('This instance has no history reader'),
          410: error('The log no longer holds the records after the snapshot the state would be rebuilt from (Kafka retention, or the embedded log\'s window, shorter than history.retention_hours)'),
          503: error('The rebuild failed (Kafka or Postgres unreachable); retry'),
        },
        operationId: 'get_entity_history',
      },
    },
  };
}
