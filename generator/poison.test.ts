import { describe, expect, test } from 'bun:test';
import { MAX_EVENT_BYTES, parseEvent } from '../schemas/index.ts';
import { generateEvents } from './generator.ts';
import { POISON_REASONS, createPoisonRecords } from './poison.ts';
import { withPoison } from './records.ts';

const EXPECTED_CODE = {
  invalid_json: 'INVALID_JSON',
  unknown_type: 'UNKNOWN_EVENT_TYPE',
  invalid_data: 'INVALID_DATA',
  oversize: 'OVERSIZE',
  key_mismatch: 'KEY_MISMATCH',
} as const;

describe('createPoisonRecords', () => {
  test('every record is rejected by parseEvent(value, key) with the code of its reason', () => {
    const records = createPoisonRecords(5, 200);
    for (const r of records) {
      const result = parseEvent(r.value, r.key);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.code).toBe(EXPECTED_CODE[r.reason]);
      expect(r.expectedCode).toBe(EXPECTED_CODE[r.reason]);
      expect(r.value.includes('\n')).toBe(false); // one NDJSON line each
    }
  });

  test('cycles through all five reasons, deterministically per seed', () => {
    const records = createPoisonRecords(5, 10);
    expect(records.slice(0, 5).map((r) => r.reason)).toEqual([...POISON_REASONS]);
    expect(createPoisonRecords(5, 10)).toEqual(records);
    expect(createPoisonRecords(6, 10)).not.toEqual(records);
  });

  test('oversize records exceed the limit; the others are small', () => {
    for (const r of createPoisonRecords(1, 50)) {
      const bytes = new TextEncoder().encode(r.value).byteLength;
      if (r.reason === 'oversize') expect(bytes).toBeGreaterThan(MAX_EVENT_BYTES);
      else expect(bytes).toBeLessThan(1024);
    }
  });
});

describe('withPoison', () => {
  test('interleaves about invalidRate poison records among the events, flagged', () => {
    const { events } = generateEvents({ seed: 1, count: 10_000 });
    const records = [...withPoison(events, { seed: 1, invalidRate: 0.01 })];
    const poison = records.filter((r) => r.poison);
    expect(poison.length).toBe(100);
    expect(records.length).toBe(10_100);
    for (const r of records) expect(parseEvent(r.value, r.key).ok).toBe(!r.poison);
  });

  test('adds nothing at rate 0', () => {
    const { events } = generateEvents({ seed: 1, count: 1_000 });
    expect([...withPoison(events, { seed: 1, invalidRate: 0 })].length).toBe(1_000);
  });
});
