/** The /v1/admin/* paths of the OpenAPI document (http/routes/dead-letters.ts, http/routes/quarantine.ts). */
export function adminPaths(): Record<string, unknown> {
  const security = [{ bearer: [] }, {}];
  const position = { type: 'object', required: ['partition', 'offset'], properties: { partition: { type: 'integer', minimum: 0 }, offset: { type: 'integer', minimum: 0 } } };
  const deadLetter = {
    type: 'object',
    properties: {
      partition: { type: 'integer' }, offset: { type: 'integer' }, code: { type: 'string' }, reason: { type: 'string' },
      source: { type: 'object', properties: { topic: { type: 'string' }, partition: { type: 'integer' }, offset: { type: 'integer' } } },
      key: { type: 'string' }, value: { type: 'string', description: 'the first 4,096 characters; `valueChars` is the stored length' }, valueChars: { type: 'integer' },
      encoding: { type: 'string', enum: ['text', 'base64'] }, notRedrivable: { type: 'string' }, redriveOf: { type: 'string' },
    },
  };
  return {
    '/v1/admin/dead-letters': {
      get: {
        summary: "The newest dead letters of an input topic's DLQ (admin scope)",
        security,
        parameters: [
          { name: 'topic', in: 'query', required: true, description: 'An input topic of this deployment (source or inbox)', schema: { type: 'string' } },
          { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
        ],
        responses: { 200: { description: 'Dead letters, oldest first', content: { 'application/json': { schema: { type: 'object', properties: { topic: { type: 'string' }, deadLetters: { type: 'array', items: deadLetter } } } } } }, 400: { description: 'Unknown topic or bad limit' }, 403: { description: 'Token lacks the admin scope' } },
      },
    },
    '/v1/admin/dead-letters/redrive': {
      post: {
        summary: 'Send dead letters back to their source topic, marked x-redrive-of (admin scope; audited in the log)',
        security,
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['topic', 'positions'], properties: { topic: { type: 'string' }, positions: { type: 'array', items: position, minItems: 1, maxItems: 1000 } } } } } },
        responses: { 200: { description: '`redriven` and `refused` (with the reason) positions' }, 400: { description: 'Unknown topic or malformed positions' }, 403: { description: 'Token lacks the admin scope' } },
      },
    },
    ...quarantinePaths(security),
  };
}

function quarantinePaths(security: unknown[]): Record<string, unknown> {
  const entity = {
    type: 'object',
    properties: {
      type: { type: 'string' }, key: { type: 'string' }, error: { type: 'string', description: 'the error that quarantined it' },
      since: { type: 'string', format: 'date-time' }, parked: { type: 'integer', description: 'inputs waiting for its release' },
    },
  };
  const released = {
    type: 'object',
    properties: {
      type: { type: 'string' }, key: { type: 'string' }, released: { type: 'boolean' }, parked: { type: 'integer' }, applied: { type: 'integer' },
      duplicates: { type: 'integer', description: 'parked source events skipped as already applied' },
      quarantine: { type: ['string', 'null'], description: 'null when released; else the error of the parked input that threw again (it and the rest stay parked)' },
      servedBy: { type: 'string' },
    },
  };
  return {
    '/v1/admin/quarantine': {
      get: {
        summary: 'Quarantined entities, longest quarantined first (admin scope)',
        security,
        parameters: [
          { name: 'type', in: 'query', required: false, description: 'One actor type', schema: { type: 'string' } },
          { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
        ],
        responses: { 200: { description: 'Quarantined entities', content: { 'application/json': { schema: { type: 'object', properties: { entities: { type: 'array', items: entity } } } } } }, 400: { description: 'Unknown type or bad limit' }, 403: { description: 'Token lacks the admin scope' } },
      },
    },
    '/v1/admin/quarantine/release': {
      post: {
        summary: "Lift an entity's quarantine and apply its parked inputs in order, exactly once, on its owner (admin scope; audited in the log)",
        security,
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['type', 'key'], properties: { type: { type: 'string' }, key: { type: 'string' } } } } } },
        responses: {
          200: { description: 'What the release did', content: { 'application/json': { schema: released } } },
          400: { description: 'Unknown type or malformed key' }, 403: { description: 'Token lacks the admin scope' },
          409: { description: 'The entity is not quarantined' }, 503: { description: 'No instance holds its shard now, or the release timed out — ask again' },
        },
      },
    },
  };
}
