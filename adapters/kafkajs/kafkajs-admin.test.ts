import { describe, expect, test } from 'bun:test';
import { createKafkajsAdmin } from './kafkajs-admin.ts';
import type { KafkaPort } from './port.ts';

/** A kafkajs admin whose ListOffsets fails `failures` times with `error` before it answers. */
function fakeKafka(failures: number, error: object): { kafka: KafkaPort; calls: () => number; refreshes: () => number } {
  let calls = 0;
  let refreshes = 0;
  const admin = {
    connect: async () => {},
    fetchTopicOffsets: async () => {
      if (++calls <= failures) throw Object.assign(new Error('This server is not the leader for that topic-partition'), error);
      return [{ partition: 0, offset: '7', low: '2', high: '7' }];
    },
    fetchTopicMetadata: async () => {
      refreshes++;
      return { topics: [] };
    },
  };
  return { kafka: { admin: () => admin } as unknown as KafkaPort, calls: () => calls, refreshes: () => refreshes };
}

describe('kafkajs admin: offsets', () => {
  test('a retriable broker error (NOT_LEADER_FOR_PARTITION) is asked again after a metadata refresh', async () => {
    const f = fakeKafka(2, { retriable: true, type: 'NOT_LEADER_FOR_PARTITION' });
    const admin = await createKafkajsAdmin(f.kafka);
    expect(await admin.offsets('t')).toEqual([{ partition: 0, low: 2, high: 7 }]);
    expect([f.calls(), f.refreshes()]).toEqual([3, 2]);
  });

  test('a non-retriable error, or a retriable one that persists, is thrown', async () => {
    await expect((await createKafkajsAdmin(fakeKafka(1, { retriable: false }).kafka)).offsets('t')).rejects.toThrow('not the leader');
    const stuck = fakeKafka(99, { retriable: true });
    await expect((await createKafkajsAdmin(stuck.kafka)).offsets('t')).rejects.toThrow('not the leader');
    expect(stuck.calls()).toBe(5);
  });
});
