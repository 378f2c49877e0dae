import { describe, expect, test } from 'bun:test';
import { askingEarly } from './early-take-asker.ts';
import { withEarlyTakes, type EarlyTakingHost, type SignalledSpec } from './early-take-worker.ts';
import type { TakeSignal } from './early-take.ts';
import type { ShardHostApi } from './shard-host.ts';
import type { AsyncShardHost } from './worker-pool.ts';
import type { ShardDelta } from './shard-api.ts';

/**
 * A worker simulated in one thread: calls from the processor's side queue up until `step` handles
 * the next one, and what the worker posts (answers to calls, early takes) reaches the processor's
 * side in the order posted, when `deliver` is called — the two message queues of a real worker.
 */
function simulatedWorker(host: ShardHostApi) {
  const inbox: { method: string; args: unknown[]; reply: (r: { value?: unknown; error?: unknown }) => void }[] = [];
  const outbox: (() => void)[] = [];
  const listeners: ((ev: MessageEvent) => void)[] = [];
  let unpostable = false;
  const worker: EarlyTakingHost = withEarlyTakes(host, (answer) => {
    if (unpostable && answer.delta) throw new Error('could not be cloned');
    const copy = structuredClone(answer);
    outbox.push(() => listeners.forEach((l) => l({ data: copy } as MessageEvent)));
  });
  const signals: TakeSignal[] = [];
  const remote = new Proxy({} as AsyncShardHost, {
    get: (_t, method: string) => (...args: unknown[]) =>
      new Promise((resolve, reject) => {
        const signal = method === 'open' ? (args[0] as SignalledSpec).takeSignal : undefined;
        if (signal) signals.push(signal);
        // Posting clones the arguments: a SharedArrayBuffer stays shared.
        inbox.push({ method, args: structuredClone(args), reply: (r) => ('error' in r ? reject(r.error) : resolve(r.value)) });
      }),
  });
  const asker = askingEarly(remote, { addEventListener: (_type, l) => void listeners.push(l) });
  return {
    asker,
    /** The take signals the shards were opened with, in order. */
    signals,
    pending: () => inbox.map((c) => `${c.method} ${c.args[0] && typeof c.args[0] === 'object' ? (c.args[0] as { actorType: string }).actorType : c.args[0]}`),
    /** The worker handles its next message. */
    async step() {
      const call = inbox.shift()!;
      let r: { value?: unknown; error?: unknown };
      try {
        r = { value: await (worker as unknown as Record<string, (...a: unknown[]) => unknown>)[call.method]!(...call.args) };
      } catch (error) {
        r = { error };
      }
      outbox.push(() => call.reply(r));
    },
    /** The worker handles its next `n` messages, and what it posted reaches the processor's side. */
    async handle(n = 1) {
      for (let i = 0; i < n; i++) await this.step();
      await this.deliver();
    },
    /** What the worker posted so far reaches the processor's side. */
    async deliver() {
      while (outbox.length > 0) outbox.shift()!();
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
    set unpostable(v: boolean) {
      unpostable = v;
    },
  };
}

/** A host whose shards count the records applied since their last take; a take answers that count. */
function countingHost(): ShardHostApi & { failTakes: boolean } {
  const applied = new Map<string, number>();
  const host = {
    failTakes: false,
    async open(spec: { actorType: string; partition: number }) {
      if (spec.actorType === 'broken') throw new Error('no such actor');
      applied.set(`${spec.actorType}/${spec.partition}`, 0);
      return 0;
    },
    apply(id: string, batch: { n: number }) {
      applied.set(id, applied.get(id)! + batch.n);
      return { consumed: batch.n, counters: {}, size: 0 };
    },
    takeDelta(id: string) {
      if (host.failTakes) throw new Error('take failed');
      const n = applied.get(id)!;
      applied.set(id, 0);
      return n === 0 ? null : ({ applied: n } as unknown as ShardDelta);
    },
    rehydrate: () => undefined,
    storedKeys: () => undefined,
    close: (id: string) => void applied.delete(id),
    noteSourceEnd: () => undefined,
  };
  return host as unknown as ShardHostApi & { failTakes: boolean };
}

const spec = (actorType: string) => ({ actorType, partition: 0 }) as Parameters<ShardHostApi['open']>[0];
const batch = (n: number) => ({ n }) as unknown as Parameters<ShardHostApi['apply']>[1];
const ctx = { now: 0 };

/** Opens shards `a/0` and `b/0` in a simulated worker. */
async function twoShards() {
  const host = countingHost();
  const w = simulatedWorker(host);
  const opened = [w.asker.open(spec('a'), {} as never), w.asker.open(spec('b'), {} as never)];
  await w.step();
  await w.step();
  await w.deliver();
  await Promise.all(opened);
  return { w, host };
}

describe('early takes', () => {
  test('a take asked while applies are queued is answered at the start of the next one: after the answers before it, before the ones after', async () => {
    const { w } = await twoShards();
    const order: string[] = [];
    void w.asker.apply('a/0', batch(3), ctx).then(() => order.push('apply 3'));
    void w.asker.apply('a/0', batch(5), ctx).then(() => order.push('apply 5'));
    void w.asker.apply('b/0', batch(7), ctx).then(() => order.push('apply 7'));
    await w.step(); // apply 3 is under way when the take is asked
    const taken = w.asker.takeDelta('a/0').then((d) => (order.push('take'), d));
    await w.step(); // apply 5: the take goes first
    await w.deliver();
    expect(order).toEqual(['apply 3', 'take', 'apply 5']);
    expect(await taken).toEqual({ applied: 3 } as never);
    await w.step(); // apply 7
    await w.step(); // the take's own message: answered early already, nothing is taken
    await w.deliver();
    expect(order).toEqual(['apply 3', 'take', 'apply 5', 'apply 7']);
    const next = w.asker.takeDelta('a/0');
    await w.handle();
    expect(await next).toEqual({ applied: 5 } as never);
  });

  test('a take behind a call that changes its shard (a rehydration) is answered in turn; such a call for another shard does not hold it', async () => {
    const { w } = await twoShards();
    void w.asker.apply('b/0', batch(4), ctx);
    void w.asker.apply('a/0', batch(1), ctx);
    void w.asker.rehydrate('a/0', [], [], 0);
    void w.asker.apply('a/0', batch(2), ctx);
    await w.step(); // b's apply
    const inTurn = w.asker.takeDelta('a/0');
    const early = w.asker.takeDelta('b/0');
    void w.asker.apply('b/0', batch(8), ctx);
    let settled = false;
    void inTurn.then(() => (settled = true));
    await w.step(); // a's first apply: b's take goes first, a's waits
    await w.deliver();
    expect(await early).toEqual({ applied: 4 } as never);
    expect(settled).toBe(false);
    await w.step(); // the rehydration
    await w.step(); // a's second apply
    await w.deliver();
    expect(settled).toBe(false);
    await w.step(); // a's take, in turn
    await w.deliver();
    expect(await inTurn).toEqual({ applied: 3 } as never);
    expect(w.pending()).toEqual(['takeDelta b/0', 'apply b/0']);
  });

  test('a take with nothing queued before it is answered by its own message', async () => {
    const { w } = await twoShards();
    void w.asker.apply('a/0', batch(2), ctx);
    await w.handle();
    const taken = w.asker.takeDelta('a/0');
    await w.handle();
    expect(await taken).toEqual({ applied: 2 } as never);
    const clean = w.asker.takeDelta('a/0');
    await w.handle();
    expect(await clean).toBeNull();
  });

  test("a second take while the first one's message is still queued goes in turn, and takes what came after the first", async () => {
    const { w } = await twoShards();
    void w.asker.apply('a/0', batch(1), ctx);
    void w.asker.apply('a/0', batch(2), ctx);
    await w.step();
    const first = w.asker.takeDelta('a/0');
    await w.handle();
    expect(await first).toEqual({ applied: 1 } as never);
    void w.asker.apply('a/0', batch(4), ctx);
    const second = w.asker.takeDelta('a/0');
    expect(w.pending()).toEqual(['takeDelta a/0', 'apply a/0', 'takeDelta a/0']);
    await w.handle(3);
    expect(await second).toEqual({ applied: 6 } as never);
  });

  test('a take that throws early, or whose delta cannot be posted, is a failed take', async () => {
    const { w, host } = await twoShards();
    void w.asker.apply('a/0', batch(1), ctx);
    void w.asker.apply('a/0', batch(2), ctx);
    await w.step();
    host.failTakes = true;
    const thrown = w.asker.takeDelta('a/0');
    await w.handle();
    await expect(thrown).rejects.toThrow('take failed');
    host.failTakes = false;
    await w.step(); // its message: answered early
    await w.deliver();
    void w.asker.apply('b/0', batch(1), ctx);
    void w.asker.apply('b/0', batch(2), ctx);
    await w.step();
    w.unpostable = true;
    const unposted = w.asker.takeDelta('b/0');
    await w.handle();
    await expect(unposted).rejects.toThrow('its delta could not be posted (could not be cloned)');
  });

  test("a closed shard's slot goes to the next shard opened", async () => {
    const { w } = await twoShards();
    const closed = w.asker.close('a/0');
    await w.handle();
    await closed;
    const opened = w.asker.open(spec('c'), {} as never);
    await w.handle();
    await opened;
    void w.asker.apply('c/0', batch(1), ctx);
    void w.asker.apply('c/0', batch(2), ctx);
    await w.step();
    const taken = w.asker.takeDelta('c/0');
    await w.handle();
    expect(await taken).toEqual({ applied: 1 } as never);
  });

  test('a take asked while a take of the same shard waits in turn goes in turn too: neither takes the delta the other is owed', async () => {
    const { w } = await twoShards();
    void w.asker.storedKeys('a/0', ['k']); // a call that changes the shard: the next take goes in turn
    void w.asker.apply('a/0', batch(1), ctx);
    const first = w.asker.takeDelta('a/0');
    void w.asker.apply('a/0', batch(2), ctx);
    await w.step(); // the keys
    await w.deliver();
    const second = w.asker.takeDelta('a/0');
    void w.asker.apply('a/0', batch(4), ctx);
    await w.handle(5);
    expect(await first).toEqual({ applied: 1 } as never);
    expect(await second).toEqual({ applied: 2 } as never);
    const third = w.asker.takeDelta('a/0');
    await w.handle();
    expect(await third).toEqual({ applied: 4 } as never);
  });

  test('every flag raised is lowered again: the count the worker reads before each apply returns to 0', async () => {
    const { w } = await twoShards();
    const flags = w.signals[0]!.flags;
    for (let round = 0; round < 3; round++) {
      void w.asker.apply('a/0', batch(1), ctx);
      void w.asker.apply('b/0', batch(1), ctx);
      void w.asker.apply('a/0', batch(1), ctx);
      await w.step();
      const taken = [w.asker.takeDelta('a/0'), w.asker.takeDelta('b/0')];
      expect(Atomics.load(flags, 0)).toBe(2);
      while (w.pending().length > 0) await w.step();
      await w.deliver();
      await Promise.all(taken);
      expect(Atomics.load(flags, 0)).toBe(0);
      expect([...flags.slice(1, 3)]).toEqual([0, 0]);
    }
  });

  test('a shard that fails to open gives its slot back, with no flag left raised', async () => {
    const { w } = await twoShards();
    const failed = w.asker.open(spec('broken'), {} as never);
    await w.handle();
    await expect(failed).rejects.toThrow('no such actor');
    const opened = w.asker.open(spec('c'), {} as never);
    await w.handle();
    await opened;
    expect(w.signals.map((x) => x.slot)).toEqual([1, 2, 3, 3]);
    expect(Atomics.load(w.signals[0]!.flags, 0)).toBe(0);
  });
});
