import { describe, expect, test } from 'bun:test';
import { localMessagesOn, receivesInMemory } from './processor-options.ts';

describe('local messages setting', () => {
  test('on by default (with the event-time merge too: receivesInMemory keeps the merging types on Kafka)', () => {
    expect(localMessagesOn({})).toBe(true);
  });

  test('what is set wins', () => {
    expect(localMessagesOn({ localMessages: false })).toBe(false);
    expect(localMessagesOn({ localMessages: true })).toBe(true);
  });

  test('types that keep a history, and types that merge in event time, get their messages through Kafka', () => {
    const kept = { historyTypes: new Set(['user']), mergingTypes: new Set(['sku', 'sku_affinity']) };
    expect(receivesInMemory('order', kept)).toBe(true);
    expect(receivesInMemory('user', kept)).toBe(false);
    expect(receivesInMemory('sku', kept)).toBe(false);
    expect(receivesInMemory('sku_affinity', kept)).toBe(false);
    expect(receivesInMemory('sku', { historyTypes: new Set(), mergingTypes: new Set() })).toBe(true);
  });
});
