import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import fc from 'fast-check';
import { EVENT_SPECS, EVENT_TYPES, topicOf } from '../schemas/index.ts';
import { VALID_DATA } from '../schemas/fixtures.ts';
import { spawnInstance, type InstanceProcess } from './support/instance-process.ts';
import { createPipelineEnv, waitUntilSettled, type PipelineEnv } from './support/pipeline-env.ts';

/**
 * Issue 18's fuzz run: random envelopes and strings (control characters, lone surrogates, NUL,
 * huge and fractional times, wrong types, extra fields, garbage bytes) go through the HTTP ingest
 * and, bypassing it, straight onto the source topics of a real broker; a real instance consumes
 * them into a real Postgres. The property: no input can fail a checkpoint — every checkpoint
 * commits, none needs isolating, every partition is consumed to its end — and the edge answers
 * every batch with a well-formed, bounded report.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
const BATCH = 40;
const KEYS = Array.from({ length: 12 }, (_, i) => `fz-${i}`);

const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 16 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 16 }),
  fc.constantFrom('\u0000', '\ud800', '\udfff', 'a\nb', '\r\n', '\u2028', '\u0085', '\u007f', '\u001b[31m', '', ' ', '😀', 'e\u0000\ud800', 'x'.repeat(300)),
  fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom('\u0000', '\ud83d', '\n', '\u2029')).map(([a, b]) => a + b),
);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(hostile, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(hostile, { maxLength: 3 }), fc.dictionary(hostile, hostile, { maxKeys: 2 }));
const ts = fc.oneof(fc.constant('now' as const), fc.integer({ min: 0, max: 8.64e15 }), fc.double(), fc.constantFrom(-1, 8.64e15, 1e300, 1_700_000_000_000));

/** A valid event of a random type with some fields replaced by hostile values, plus hostile extra fields. */
const envelope = fc
  .record({
    type: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...EVENT_TYPES) }, { weight: 1, arbitrary: hostile }),
    id: fc.oneof({ weight: 3, arbitrary: fc.uuid() }, { weight: 2, arbitrary: hostile }),
    key: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...KEYS) }, { weight: 1, arbitrary: hostile }),
    ts: fc.oneof({ weight: 4, arbitrary: fc.constant('now' as const) }, { weight: 1, arbitrary: ts }),
    v: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.integer({ min: -2, max: 4 }) }),
    // Half the events keep every known field valid, so hostile-but-valid content (any Unicode in
    // ids and text, extra fields of any kind) reaches the actors and their checkpoints.
    mutations: fc.oneof(fc.constant([] as [number, unknown][]), fc.array(fc.tuple(fc.nat(10), anyValue), { minLength: 1, maxLength: 2 })),
    extra: fc.dictionary(hostile, anyValue, { maxKeys: 2 }),
  })
  .map(({ type, id, key, ts, v, mutations, extra }) => {
    const known = (EVENT_TYPES as readonly string[]).includes(type);
    const data: Record<string, unknown> = known ? { ...VALID_DATA[type as keyof typeof VALID_DATA] } : {};
    if (known) data[EVENT_SPECS[type as keyof typeof EVENT_SPECS].keyField] = key;
    const fields = Object.keys(data);
    for (const [i, value] of mutations) if (fields.length > 0) data[fields[i % fields.length]!] = value;
    return { id, type, v: v ?? (type === 'order_placed' ? 2 : 1), ts: ts === 'now' ? Date.now() : ts, data: { ...extra, ...data }, key };
  });

/** What a producer that bypasses the API writes: an envelope, or bytes that are not one. */
const rawRecord = fc.oneof(
  { weight: 4, arbitrary: envelope.map((e) => ({ type: e.type, key: e.key, value: JSON.stringify(e) as string | Uint8Array })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...KEYS), fc.uint8Array({ maxLength: 64 })).map(([key, bytes]) => ({ type: 'stock_received', key, value: bytes as string | Uint8Array })) },
);

describe('fuzz: no input can fail a checkpoint', () => {
  let env: PipelineEnv;
  let instance: InstanceProcess;
  beforeAll(async () => {
    env = await createPipelineEnv(3);
    instance = await spawnInstance({ ...env.processorEnv('fuzz'), PIPELINE_CONFIG: '' });
  }, 120_000);
  afterAll(async () => {
    instance?.kill('SIGTERM');
    await instance?.exited();
    await env?.close();
  }, 60_000);

  test(`${RUNS} batches of ${BATCH} random envelopes through ingest and ${RUNS} batches of raw records onto the topics`, async () => {
    const producer = env.kafka.producer();
    await producer.connect();
    let sent = 0;
    let accepted = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(envelope, { minLength: BATCH, maxLength: BATCH }), fc.array(rawRecord, { minLength: BATCH, maxLength: BATCH }), async (events, raws) => {
          const res = await fetch(`${instance.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
          const body = (await res.json()) as { accepted?: number; rejectedCount?: number; duplicateCount?: number; rejected?: unknown[] };
          // Every item is accounted for, and the answer is bounded whatever the input.
          expect([202, 400]).toContain(res.status);
          expect((body.accepted ?? 0) + (body.rejectedCount ?? 0) + (body.duplicateCount ?? 0)).toBe(BATCH);
          expect(body.rejected?.length ?? 0).toBeLessThanOrEqual(100);
          sent += BATCH;
          accepted += body.accepted ?? 0;
          await producer.sendBatch({
            acks: -1,
            topicMessages: raws.map((r) => {
              const source = (EVENT_TYPES as readonly string[]).includes(r.type) ? topicOf(r.type as never) : 'inventory_events';
              return { topic: env.topics.source[source], messages: [{ key: r.key, value: typeof r.value === 'string' ? r.value : Buffer.from(r.value) }] };
            }),
          });
        }),
        { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 20261202), endOnFailure: true },
      );
    } finally {
      await producer.disconnect();
    }
    console.log(`fuzz: ${sent} envelopes through ingest (${accepted} accepted) and ${RUNS * BATCH} raw records onto the topics`);
    expect(accepted).toBeGreaterThan(0);
    await waitUntilSettled(env, 180_000);
    const metrics = await (await fetch(`${instance.url}/metrics`)).text();
    const count = (result: string) => Number(new RegExp(`^actorstream_checkpoints_total\\{result="${result}"\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
    expect(count('ok')).toBeGreaterThan(0);
    expect(count('error')).toBe(0);
    const isolated = await env.sql`select actor_type, key, quarantine from actor_states where quarantine like 'UNSTORABLE%'`;
    expect(isolated.map((r) => `${r.actor_type} ${r.key}: ${r.quarantine}`)).toEqual([]);
    expect(instance.output.join('').includes('refused by Postgres')).toBe(false);
    expect((await fetch(`${instance.url}/readyz`)).status).toBe(200);
  }, 400_000);
});
