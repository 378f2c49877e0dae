import { describe, expect, test } from 'bun:test';
import type { ReleaseAnswer } from './api.ts';
import { describeRelease } from './outcome.ts';

const answer = (over: Partial<ReleaseAnswer>): ReleaseAnswer => ({
  type: 'sku', key: 'k', released: true, parked: 2, applied: 2, duplicates: 0, quarantine: null, servedBy: 'i-1', ...over,
});

describe('release outcome in words', () => {
  test('a released entity says how many parked inputs were applied (and skipped as already applied)', () => {
    expect(describeRelease({ ok: true, answer: answer({}) })).toEqual({ level: 'ok', text: 'Released: applied 2 input(s)' });
    expect(describeRelease({ ok: true, answer: answer({ parked: 3, applied: 2, duplicates: 1 }) }).text).toBe('Released: applied 2 input(s), skipped 1 already applied');
  });

  test('an entity quarantined again shows its new error', () => {
    const r = describeRelease({ ok: true, answer: answer({ released: false, applied: 1, quarantine: 'Error: still broken' }) });
    expect(r).toEqual({ level: 'bad', text: 'Quarantined again: Error: still broken (applied 1 of 2 input(s))' });
  });

  test("refusals show the server's message; a refused token also says an admin token is needed", () => {
    expect(describeRelease({ ok: false, status: 409, denied: false, error: "sku 'k' is not quarantined" }).text).toBe("sku 'k' is not quarantined");
    expect(describeRelease({ ok: false, status: 403, denied: true, error: "this token lacks the 'admin' scope" }).text).toBe(
      'this token lacks the \'admin\' scope: releasing needs an API token with the "admin" scope',
    );
  });
});
