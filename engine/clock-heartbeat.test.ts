import { describe, expect, test } from 'bun:test';
import { beat } from './clock-heartbeat.ts';
import type { OutgoingRecord } from './record-sink.ts';
import type { Owned } from './owned-shard.ts';

describe('clock heartbeat', () => {
  test('each sender held here beats with its last published clock, or alive; a committed clock not out yet is asked of the relay', async () => {
    const sent: OutgoingRecord[][] = [];
    const flushed: string[] = [];
    const owned = (type: string, clock?: string) => ({ actor: { type }, clock }) as unknown as Owned;
    await beat({
      held: () => [['order/0', owned('order', '50/0/9/tx')], ['order/1', owned('order', 'idle')], ['order/2', owned('order')], ['sku/0', owned('sku')]],
      isSender: (type) => type === 'order',
      relay: { publishedClock: (id) => (id === 'order/0' ? '50/0/9/tx' : id === 'order/1' ? '40/1/3/tx' : undefined), flush: async (id) => (flushed.push(id), 0) },
      sink: { send: async (r) => void sent.push([...r]), disconnect: async () => {} },
      targets: [{ topic: 'app.user.inbox', key: 'clock-0', type: 'user' }],
      log: () => {},
    });
    expect(sent.flat().map((r) => `${r.headers!['x-origin']} ${r.headers!['x-clock']}`)).toEqual(['order/0 50/0/9/tx', 'order/1 40/1/3/tx', 'order/2 alive']);
    expect(flushed).toEqual(['order/1']);
  });
});
