import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Instance } from '../instance/start-instance.ts';
import type { AlertCause } from '../engine/alert-causes.ts';
import type { Alert } from '../schemas/index.ts';
import { startEmbeddedInstance } from './support/embedded-instance.ts';
import { eventually } from './support/instance-process.ts';

/**
 * An alert's "why" end to end on the embedded default: five payment attempts by one user, each on
 * its own order (orders spread over two partitions), raise a velocity alert at the user; its
 * `GET /v1/alerts/:id` names the five payment events with their bodies and log coordinates on
 * transaction_events. With messages through Kafka it also names the user-inbox messages that
 * carried them; handed over in memory (local messages, the default) those are in no topic.
 */
for (const localMessages of [true, false]) describe(`GET /v1/alerts/:id on the embedded default, ${localMessages ? 'messages handed over in memory' : 'messages through the inbox topics'}`, () => {
  const app = localMessages ? 'why' : 'whyk';
  let instance: Instance;
  beforeAll(async () => {
    instance = await startEmbeddedInstance(app, { processor: { partitions: 2, checkpointIntervalMs: 100, localMessages } });
  }, 60_000);
  afterAll(async () => {
    await instance?.stop();
  });

  const post = async (events: unknown[]) => {
    const res = await fetch(`${instance.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
    expect(res.status).toBe(202);
  };

  test(`a velocity alert resolves to the five payment events and their coordinates${localMessages ? '' : ', and the messages that carried them'}`, async () => {
    const t0 = Date.now() - 60_000;
    const payments = [0, 1, 2, 3, 4].map((i) => ({
      id: `${app}-pay-${i}`, type: 'payment_declined', v: 1, ts: t0 + i * 1000,
      data: { orderId: `${app}-o-${i}`, userId: `${app}-u`, amount: 20, cardFingerprint: `fp-${app}`, reason: 'insufficient_funds' },
    }));
    await post(payments);
    const alert = await eventually(async () => {
      const res = (await (await fetch(`${instance.url}/v1/alerts?entity=user:${app}-u&type=velocity`)).json()) as { alerts: Alert[] };
      return res.alerts[0];
    }, 15_000, 'the velocity alert');
    expect(alert.reasons).toEqual(payments.map((p) => p.id));

    const res = await fetch(`${instance.url}/v1/alerts/${encodeURIComponent(alert.id)}`);
    expect(res.status).toBe(200);
    const why = (await res.json()) as { alert: Alert; causes: AlertCause[]; unresolved: string[]; scanned: number };
    expect(why.alert).toEqual(alert);
    expect(why.unresolved).toEqual([]);
    expect(why.causes.map((c) => c.id)).toEqual(payments.map((p) => p.id));
    for (const [i, cause] of why.causes.entries()) {
      expect(cause.record).toMatchObject({ topic: 'transaction_events', key: `${app}-o-${i}`, event: payments[i] });
      expect(Number.isInteger(cause.record!.offset) && Number.isInteger(cause.record!.partition)).toBe(true);
      if (localMessages) expect([cause.via, cause.handledBy]).toEqual([undefined, { type: 'order', key: `${app}-o-${i}` }]);
      else expect(cause.via).toMatchObject({ topic: `${app}.user.inbox`, from: { type: 'order', key: `${app}-o-${i}` }, message: { type: 'payment_attempted', cause: payments[i]!.id } });
    }
    // Both order partitions were read: the orders are spread over them.
    expect(new Set(why.causes.map((c) => c.record!.partition)).size).toBe(2);
  }, 30_000);

  test('an unknown id is a 404, a malformed one a 400', async () => {
    expect((await fetch(`${instance.url}/v1/alerts/no-such-alert`)).status).toBe(404);
    expect((await fetch(`${instance.url}/v1/alerts/${encodeURIComponent('bad\u0001id')}`)).status).toBe(400);
  });
});
