import { describe, expect, test } from 'bun:test';
import { localMessagesOn } from './processor-options.ts';

describe('local messages setting', () => {
  test('on by default', () => {
    expect(localMessagesOn({})).toBe(true);
  });

  test('off by default when inputs merge in event time: their clock records travel through the inbox topics', () => {
    expect(localMessagesOn({ eventTimeMerge: true })).toBe(false);
    expect(localMessagesOn({ eventTimeMerge: false })).toBe(true);
  });

  test('what is set wins, both ways (both on is refused when the merge is planned)', () => {
    expect(localMessagesOn({ localMessages: false })).toBe(false);
    expect(localMessagesOn({ localMessages: true, eventTimeMerge: true })).toBe(true);
  });
});
