import { describe, expect, test } from 'bun:test';
import { coordinatesText, describeCause, scannedText } from './describe.ts';

describe('describeCause', () => {
  test('an event carried by a message: its type, time, key and place, and the message with its sender', () => {
    const event = { id: 'p-1', type: 'payment_declined', v: 1, ts: 1_700_000_000_000, data: { orderId: 'o-1' } };
    const message = { type: 'payment_attempted', cause: 'p-1' };
    const view = describeCause({
      id: 'p-1',
      record: { topic: 'transaction_events', partition: 1, offset: 7, timestamp: 1_700_000_000_050, key: 'o-1', event },
      via: { topic: 'app.user.inbox', partition: 0, offset: 3, timestamp: 1_700_000_000_090, from: { type: 'order', key: 'o-1' }, message },
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    expect(view).toEqual({
      id: 'p-1',
      eventType: 'payment_declined',
      eventTime: 1_700_000_000_000,
      key: 'o-1',
      at: { topic: 'transaction_events', partition: 1, offset: 7, timestamp: 1_700_000_000_050 },
      event,
      via: { messageType: 'payment_attempted', from: { type: 'order', key: 'o-1' }, at: { topic: 'app.user.inbox', partition: 0, offset: 3, timestamp: 1_700_000_000_090 }, message },
      handledBy: null,
    });
  });

  test('an event whose message went in memory: no message, the entity whose input it was', () => {
    const event = { id: 'p-2', type: 'payment_authorized', v: 1, ts: 1_700_000_000_000, data: { orderId: 'o-2' } };
    const view = describeCause({ id: 'p-2', record: { topic: 'transaction_events', partition: 2, offset: 8, key: 'o-2', event }, handledBy: { type: 'order', key: 'o-2' } });
    expect([view.via, view.handledBy, view.key]).toEqual([null, { type: 'order', key: 'o-2' }, 'o-2']);
    expect(describeCause({ id: 'p-3', handledBy: { type: 'order' } as never }).handledBy).toBeNull();
  });

  test('only the message found: no event place; fields of the wrong shape are null, not a crash', () => {
    const view = describeCause({ id: 'x', via: { topic: 'i', partition: 2, offset: 9, from: 'not an entity', message: null } });
    expect(view).toEqual({ id: 'x', eventType: null, eventTime: null, key: null, at: null, event: undefined, via: { messageType: null, from: null, at: { topic: 'i', partition: 2, offset: 9 }, message: null }, handledBy: null });
  });

  test('a record whose body did not parse and whose key is null', () => {
    const view = describeCause({ id: 'y', record: { topic: 't', partition: 0, offset: 0, key: null, event: undefined } });
    expect([view.eventType, view.eventTime, view.key, view.at, view.via]).toEqual([null, null, null, { topic: 't', partition: 0, offset: 0 }, null]);
  });
});

test('coordinatesText names topic / partition / offset', () => {
  expect(coordinatesText({ topic: 'transaction_events', partition: 1, offset: 42 })).toBe('transaction_events / 1 / 42');
});

test('scannedText counts records, and says nothing when the answer has no count', () => {
  expect(scannedText(1234)).toBe('read back 1,234 records');
  expect(scannedText(1)).toBe('read back 1 record');
  expect(scannedText(undefined)).toBe('');
});
