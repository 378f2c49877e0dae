import { describe, expect, test } from 'bun:test';
import RequestQueue from 'kafkajs/src/network/requestQueue/index.js';
import { fixKafkajsIdleTimer } from './request-queue-timer.ts';

/** The slice of kafkajs's RequestQueue these tests drive. */
interface Queue {
  push(request: { entry: { correlationId: number; resolve(): void; reject(): void }; expectResponse: boolean; sendRequest(): void }): void;
  fulfillRequest(response: { correlationId: number; payload: unknown; size: number }): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
  pending: unknown[];
  throttleCheckTimeoutId: unknown;
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function queue(maxInFlightRequests: number | null): { q: Queue; sent: number[] } {
  fixKafkajsIdleTimer();
  const q = new RequestQueue({ maxInFlightRequests, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 't', broker: 'b:1', logger: quiet }) as Queue;
  const sent: number[] = [];
  return { q, sent };
}

function push(q: Queue, sent: number[], correlationId: number): void {
  q.push({ entry: { correlationId, resolve() {}, reject() {} }, expectResponse: true, sendRequest: () => sent.push(correlationId) });
}

describe("kafkajs's request queue with the idle-timer fix", () => {
  test('answered with nothing pending, it arms no timer (kafkajs 2.2.4 re-armed a 1 ms one forever)', () => {
    const { q, sent } = queue(null);
    push(q, sent, 1);
    q.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    expect(sent).toEqual([1]);
    expect(q.throttleCheckTimeoutId).toBeNull();
    q.destroy();
  });

  test('a request held by the in-flight limit goes out when the one before it is answered', () => {
    const { q, sent } = queue(1);
    push(q, sent, 1);
    push(q, sent, 2);
    expect(sent).toEqual([1]);
    q.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    expect(sent).toEqual([1, 2]);
    q.fulfillRequest({ correlationId: 2, payload: null, size: 0 });
    expect(q.pending).toEqual([]);
    q.destroy();
  });

  test('a request held by client-side throttling goes out when the throttle ends, with nothing else happening', async () => {
    const { q, sent } = queue(null);
    q.maybeThrottle(40);
    push(q, sent, 1);
    expect(sent).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(sent).toEqual([1]);
    q.destroy();
  });
});
