import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { ActorContext, ActorInput } from '../actors/actor.ts';
import { buildActors } from '../actors/registry.ts';
import type { Instance } from '../instance/start-instance.ts';
import { startEmbeddedInstance } from './support/embedded-instance.ts';
import { eventually } from './support/instance-process.ts';

/**
 * An actor whose output cannot be written as JSON — a state holding a BigInt or a cycle, a timer
 * message with a BigInt — is a bug in that actor, like a throw: its entity is quarantined with a
 * reason that says so, its inputs are kept for the release, and the partition keeps flowing.
 * Before, the checkpoint failed with a TypeError on every retry and the shard was restored again
 * and again: one event stopped its partition.
 */
describe('an actor output that cannot be encoded as JSON', () => {
  let instance: Instance;
  const lines: string[] = [];
  const bug = { on: true };
  beforeAll(async () => {
    const actors = buildActors().map((a) =>
      a.type !== 'sku' ? a : {
        ...a,
        handle(state: unknown, input: ActorInput, ctx: ActorContext) {
          const t = a.handle(state, input, ctx);
          const qty = input.kind === 'event' ? (input.event.data as { qty?: number }).qty : undefined;
          if (!bug.on || qty !== 7) return t;
          if (ctx.key === 'sku-bigint') return { ...t, state: { ...(t.state as object), counted: 7n } };
          if (ctx.key === 'sku-cycle') {
            const s: Record<string, unknown> = { ...(t.state as object) };
            s.self = s;
            return { ...t, state: s };
          }
          if (ctx.key === 'sku-send') return { ...t, effects: [...t.effects, { kind: 'send' as const, to: { type: 'order', key: 'o-big' }, msg: { type: 'reservation_result', ts: ctx.now, big: 7n } as never }] };
          if (ctx.key === 'sku-alert') {
            const alert = { id: `sku/${ctx.key}/odd/${ctx.now}`, type: 'odd', entityType: 'sku', entityKey: ctx.key, severity: 'info', ts: ctx.now, reasons: [], details: { summary: 'odd', big: 7n } };
            return { ...t, effects: [...t.effects, { kind: 'alert' as const, alert: alert as never }] };
          }
          if (ctx.key === 'sku-timer') return { ...t, effects: [...t.effects, { kind: 'schedule' as const, at: ctx.now + 60_000, timer: { type: 'recount', big: 7n } as never }] };
          return t;
        },
      });
    instance = await startEmbeddedInstance('unencodable', { processor: { actors }, log: (line) => void lines.push(line) });
  }, 60_000);
  afterAll(async () => {
    if (process.env.SHOW_LOG) console.log(lines.slice(0, 12).join('\n'), '\n…\n', lines.slice(-8).join('\n'), lines.length);
    await instance?.stop();
  });

  const api = (path: string) => fetch(`${instance.url}${path}`);
  type Listed = { entities: { type: string; key: string; error: string; parked: number }[] };

  test('quarantines the entity with a reason naming JSON; the other SKUs of the partition land', async () => {
    const sink = await instance.client.sink();
    const t = Date.now() - 60_000;
    const stock = (sku: string, id: string, qty: number, ts: number) => ({ topic: 'inventory_events', key: sku, value: JSON.stringify({ id, type: 'stock_received', v: 1, ts, data: { sku, qty } }) });
    await sink.send([
      stock('sku-bigint', 'u-1', 7, t), stock('sku-cycle', 'u-2', 7, t + 1), stock('sku-timer', 'u-3', 7, t + 2),
      stock('sku-send', 'u-6', 7, t + 3), stock('sku-alert', 'u-7', 7, t + 3),
      stock('sku-fine', 'u-4', 3, t + 3), stock('sku-bigint', 'u-5', 2, t + 4),
    ]);
    await sink.disconnect();
    const listed = await eventually(async () => {
      const l = (await (await api('/v1/admin/quarantine?type=sku')).json()) as Listed;
      return l.entities.length === 5 ? l : undefined;
    }, 20_000, 'the five SKUs to be quarantined');
    const byKey = Object.fromEntries(listed.entities.map((e) => [e.key, e]));
    expect(byKey['sku-bigint']!.error).toContain('cannot be encoded as JSON');
    expect(byKey['sku-bigint']!.error).toContain('BigInt');
    expect(byKey['sku-cycle']!.error).toContain('cannot be encoded as JSON');
    expect(byKey['sku-timer']!.error).toContain('cannot be encoded as JSON');
    expect(byKey['sku-send']!.error).toContain('cannot be encoded as JSON');
    expect(byKey['sku-alert']!.error).toContain('cannot be encoded as JSON');
    // Nothing is lost: every input of the quarantined SKUs since their last commit is parked for the release.
    expect(byKey['sku-bigint']!.parked).toBe(2);
    const fine = (await (await api('/v1/skus/sku-fine')).json()) as { state: { onHand: number } };
    expect(fine.state.onHand).toBe(3);

    bug.on = false; // the fix
    for (const key of ['sku-bigint', 'sku-cycle', 'sku-timer', 'sku-send', 'sku-alert']) {
      // A 503 says "ask again" (the shard was being restored, or could not commit first): as a client would.
      const answer = await eventually(async () => {
        const res = await fetch(`${instance.url}/v1/admin/quarantine/release`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'sku', key }) });
        return res.status === 503 ? undefined : await res.json();
      }, 20_000, `the release of ${key} to be answered other than "ask again"`);
      expect(answer).toMatchObject({ released: true, quarantine: null });
    }
    const bigint = (await (await api('/v1/skus/sku-bigint')).json()) as { state: { onHand: number }; quarantine: string | null };
    expect({ onHand: bigint.state.onHand, quarantine: bigint.quarantine }).toEqual({ onHand: 9, quarantine: null });
  }, 60_000);
});
