import { describe, expect, test } from 'bun:test';
import { isShardId, parseShardId, shardId } from './shard-id.ts';

describe('shard ids', () => {
  test('round-trip an actor type and partition', () => {
    expect(shardId('sku', 3)).toBe('sku/3');
    expect(parseShardId(shardId('fraud.card-testing', 120))).toEqual({ actorType: 'fraud.card-testing', partition: 120 });
  });

  test.each(['sku', 'sku/', '/3', 'Sku/3', 'sku/-1', 'sku/3/4', 'sku/1234567', 'a b/1', `${'a'.repeat(65)}/1`])('%p is not a shard id', (id: string) => {
    expect(isShardId(id)).toBe(false);
    expect(parseShardId(id)).toBeUndefined();
  });
});
