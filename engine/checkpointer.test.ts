import { describe, expect, test } from 'bun:test';
import { skuActor } from '../actors/sku.ts';
import { createCheckpointer, type CheckpointerContext } from './checkpointer.ts';
import { ShardFenced } from '../store/shard-fenced.ts';
import type { Owned } from './owned-shard.ts';
import type { ShardDelta } from './shard/shard.ts';
import type { Checkpoint } from '../store/checkpoint-store.ts';

/** A checkpointer over fakes: every step is written to `steps`, so order is what the tests read. */
function harness(opts: { commitFirst?: CheckpointerContext['commitFirst']; observer?: CheckpointerContext['observer']; parallelism?: number; relay?: (id: string) => Promise<number>; commit?: (cp: Checkpoint) => Promise<void>; commitGroup?: (cps: readonly Checkpoint[]) => Promise<void>; groupCommit?: (offsets: readonly { offset: number }[]) => Promise<void>; unstorable?: { group: { entityKey: string }; error: string }[]; recordsInputs?: boolean } = {}) {
  const steps: string[] = [];
  const shards = new Map<string, Owned>();
  let deltaNo = 0;
  const owned = (id: string, dirty = true): Owned => {
    const o = {
      id, actor: skuActor, partition: 0, epoch: 1, counters: {}, size: 2, appendTimes: [], traced: [], uncommitted: 0, paused: false, next: new Map(),
      recordsInputs: opts.recordsInputs ?? false,
      host: {
        takeDelta: async () => {
          steps.push(`take ${id}`);
          if (!dirty) return null;
          const n = ++deltaNo;
          return { offsets: [{ topic: 't', partition: 0, nextOffset: n }], states: [{ actorType: 'sku', key: `k-${n}`, partition: 0, stateVersion: 2, state: {} }], outbox: [], alerts: [], inboxPositions: [], timersAdded: [], timersRemoved: [] } satisfies ShardDelta;
        },
        passivate: async () => (steps.push(`passivate ${id}`), { size: 0 }),
        inputsOfTakenDelta: async () => [],
      },
    } as unknown as Owned;
    shards.set(id, o);
    return o;
  };
  const ctx: CheckpointerContext = {
    store: {
      commit: opts.commit ?? (async (cp: Checkpoint) => void steps.push(`commit ${cp.shard} ${cp.offsets[0]!.nextOffset}`)),
      findUnstorable: async () => opts.unstorable ?? [],
      ...(opts.commitGroup ? { commitGroup: opts.commitGroup } : {}),
    } as never,
    relay: { flush: opts.relay ?? (async (id: string) => (steps.push(`relay ${id}`), 0)) } as never,
    source: { commit: opts.groupCommit ?? (async () => void steps.push('kafka offsets')) },
    observer: opts.observer ?? {},
    passivation: { idleMs: 1, maxEntities: 1 },
    parallelism: opts.parallelism ?? 2,
    groupCommit: opts.commitGroup !== undefined,
    maxUncommitted: 100,
    log: () => {},
    shards: () => [...shards],
    isCurrent: (id, o) => shards.get(id) === o,
    retire: async (id) => void (steps.push(`retire ${id}`), shards.delete(id)),
    reacquire: async (id) => void steps.push(`reacquire ${id}`),
    resume: (o) => void steps.push(`resume ${o.id}`),
    dropAssignment: (id) => void steps.push(`drop ${id}`),
    recordInputsOf: (id, on) => void steps.push(`record inputs ${id} ${on}`),
    ...(opts.commitFirst ? { commitFirst: opts.commitFirst } : {}),
  };
  return { cp: createCheckpointer(ctx), steps, owned };
}

/** Shards sku/0 and sku/1, whose first relay of sku/0 waits until `release` is called. */
function firstRelayOfSku0Held() {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let held = true;
  const h = harness({ relay: async (id) => {
    h.steps.push(`relay ${id}`);
    if (id === 'sku/0' && held) {
      held = false;
      await gate;
    }
    return 0;
  } });
  h.owned('sku/0');
  h.owned('sku/1');
  return { h, release };
}

describe('checkpointer', () => {
  test('per shard: take the delta, commit it, and only then relay and passivate; offsets go to Kafka after the pass', async () => {
    const h = harness();
    h.owned('sku/0');
    await h.cp.checkpointAll();
    expect(h.steps).toEqual(['take sku/0', 'commit sku/0 1', 'relay sku/0', 'passivate sku/0', 'kafka offsets']);
  });

  test('shards whose clocks merging shards wait for commit and relay first in a pass; the rest keep their order', async () => {
    const h = harness({ parallelism: 1, commitFirst: (o) => o.id.startsWith('order/') });
    for (const id of ['sku/0', 'order/0', 'user/0', 'order/1']) h.owned(id);
    await h.cp.checkpointAll();
    expect(h.steps.filter((s) => s.startsWith('commit') || s.startsWith('relay')).map((s) => s.split(' ').slice(0, 2).join(' '))).toEqual([
      'commit order/0', 'relay order/0', 'commit order/1', 'relay order/1', 'commit sku/0', 'relay sku/0', 'commit user/0', 'relay user/0',
    ]);
  });

  test("one Kafka offset commit per pass, holding every shard's checkpointed offsets", async () => {
    const sent: number[][] = [];
    const h = harness({ groupCommit: async (offsets) => void sent.push(offsets.map((o) => o.offset)) });
    h.owned('sku/0');
    h.owned('sku/1');
    h.owned('sku/2', false);
    await h.cp.checkpointAll();
    expect(sent).toEqual([[1, 2]]);
    await h.cp.checkpointAll();
    expect(sent).toEqual([[1, 2], [3, 4]]);
  });

  test("a lane commits its next shard without waiting for the last one's relay; the pass ends once both are published", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // One lane: sku/1 can only commit early if the lane does not wait for sku/0's relay.
    const h = harness({ parallelism: 1, relay: async (id) => {
      h.steps.push(`relay ${id}`);
      if (id === 'sku/0') await gate;
      return 0;
    } });
    h.owned('sku/0');
    h.owned('sku/1');
    let passDone = false;
    const pass = h.cp.checkpointAll().then(() => (passDone = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(h.steps).toContain('commit sku/1 2');
    expect(h.steps).not.toContain('passivate sku/0');
    expect(passDone).toBe(false);
    release();
    await pass;
    expect(h.steps.indexOf('passivate sku/0')).toBeGreaterThan(h.steps.indexOf('relay sku/0'));
  });

  test('commitAll resolves once the pass is committed; a shard still publishing is taken in the next pass once published, after the others', async () => {
    const { h, release } = firstRelayOfSku0Held();
    await h.cp.commitAll(); // resolves although sku/0's relay is held
    expect(h.steps).toContain('commit sku/0 1');
    expect(h.steps).not.toContain('passivate sku/0');
    await new Promise((r) => setTimeout(r, 1)); // sku/1's publishing ends
    h.steps.length = 0;
    let secondDone = false;
    const second = h.cp.commitAll().then(() => (secondDone = true));
    await new Promise((r) => setTimeout(r, 5));
    // sku/0 is still publishing: its relay, passivation or restore must see no newer delta.
    expect(h.steps.filter((s) => s.startsWith('take') || s.startsWith('commit'))).toEqual(['take sku/1', 'commit sku/1 3']);
    expect(secondDone).toBe(false);
    release();
    await second;
    expect(h.steps.indexOf('take sku/0')).toBeGreaterThan(h.steps.indexOf('passivate sku/0'));
    expect(h.steps).toContain('commit sku/0 4');
  });

  test('checkpointAll (a stop, a rebalance) waits for the publishing under way, and for the commit of a shard that was publishing', async () => {
    const { h, release } = firstRelayOfSku0Held();
    await h.cp.commitAll();
    await new Promise((r) => setTimeout(r, 1)); // sku/1's publishing ends; sku/0's is held
    let done = false;
    const all = h.cp.checkpointAll().then(() => (done = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(done).toBe(false);
    release();
    await all;
    // sku/0's second delta is taken once its first is published, after sku/1's; Kafka offsets last.
    expect(h.steps.filter((s) => s.startsWith('commit'))).toEqual(['commit sku/0 1', 'commit sku/1 2', 'commit sku/1 3', 'commit sku/0 4']);
    expect(h.steps.lastIndexOf('kafka offsets')).toBeGreaterThan(h.steps.indexOf('commit sku/0 4'));
  });

  test("a pass asks for every shard's delta before its first commit; records applied after a take count toward the next checkpoint", async () => {
    const reported: number[][] = [];
    const h = harness({
      parallelism: 1,
      observer: { checkpointed: (e) => void reported.push([...e.appendTimesMs]) },
      commit: async (cp) => {
        h.steps.push(`commit ${cp.shard} ${cp.offsets[0]!.nextOffset}`);
        await new Promise((r) => setTimeout(r, 5)); // long enough for sku/1's next apply to be answered
      },
    });
    const a = h.owned('sku/0');
    const b = h.owned('sku/1');
    a.appendTimes = [1];
    b.appendTimes = [2];
    const takeB = b.host.takeDelta;
    // sku/1's next apply is answered right after its take (the worker's next message), while sku/0 commits.
    b.host.takeDelta = (id) => takeB(id).then((d) => (setTimeout(() => b.appendTimes.push(3), 0), d));
    await h.cp.checkpointAll();
    await new Promise((r) => setTimeout(r, 1));
    expect(h.steps.slice(0, 3)).toEqual(['take sku/0', 'take sku/1', 'commit sku/0 1']);
    expect(reported).toEqual([[1], [2]]);
    expect(b.appendTimes).toEqual([3]);
  });

  test('a holding replaced while its delta waited for a lane is not committed, and its assignment is kept', async () => {
    const h = harness({
      parallelism: 1,
      commit: async (cp) => {
        h.steps.push(`commit ${cp.shard} ${cp.offsets[0]!.nextOffset}`);
        if (cp.shard === 'sku/0') h.owned('sku/1'); // sku/1 re-acquired (a new holding) while sku/0 commits
      },
    });
    h.owned('sku/0');
    h.owned('sku/1');
    await h.cp.checkpointAll();
    expect(h.steps.filter((s) => s.startsWith('commit'))).toEqual(['commit sku/0 1']);
    expect(h.steps).not.toContain('drop sku/1');
    expect(h.steps).not.toContain('retire sku/1');
  });

  test('a shard that went over its bound again while its delta waited stays paused; a later pass resumes it', async () => {
    const h = harness({
      parallelism: 1,
      commit: async (cp) => {
        h.steps.push(`commit ${cp.shard} ${cp.offsets[0]!.nextOffset}`);
        await new Promise((r) => setTimeout(r, 5));
      },
    });
    const o = h.owned('sku/0');
    o.paused = true;
    o.host.takeDelta = ((take) => async (id: string) => {
      const d = await take(id);
      setTimeout(() => (o.uncommitted = 150), 0); // applies answered after the take push it past 100 again
      return d;
    })(o.host.takeDelta);
    await h.cp.checkpointAll();
    expect(h.steps).toContain('commit sku/0 1');
    expect(h.steps).not.toContain('resume sku/0');
    expect(o.paused).toBe(true);
    o.host.takeDelta = async () => (h.steps.push('take sku/0'), null); // the next pass: committed, under the bound
    await h.cp.checkpointAll();
    expect(h.steps).toContain('resume sku/0');
  });

  test("Kafka refusing the pass's offset commit retries it shard by shard: one refused partition does not hold back the rest", async () => {
    const sent: number[][] = [];
    const h = harness({ groupCommit: async (offsets) => {
      sent.push(offsets.map((o) => o.offset));
      if (offsets.some((o) => o.offset === 1)) throw new Error('UNKNOWN_TOPIC_OR_PARTITION');
    } });
    h.owned('sku/0');
    h.owned('sku/1');
    await h.cp.checkpointAll();
    expect(sent).toEqual([[1, 2], [1], [2]]);
    await h.cp.checkpointAll(); // sku/0 now owes offset 3 instead of 1: the whole pass is taken
    expect(sent).toEqual([[1, 2], [1], [2], [3, 4]]);
  });

  test('calls during a pass queue one more pass, which takes deltas only after the first pass committed', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const h = harness({ commit: async (cp) => {
      h.steps.push(`commit ${cp.shard} ${cp.offsets[0]!.nextOffset}`);
      if (cp.offsets[0]!.nextOffset === 1) await gate;
    } });
    h.owned('sku/0');
    const first = h.cp.checkpointAll();
    const second = h.cp.checkpointAll();
    const third = h.cp.checkpointAll();
    await new Promise((r) => setTimeout(r, 5));
    expect(h.steps).toEqual(['take sku/0', 'commit sku/0 1']); // nothing overlaps the commit in flight
    release();
    await Promise.all([first, second, third]);
    expect(h.steps.filter((s) => s.startsWith('take'))).toHaveLength(2); // one queued pass, not one per call
    expect(h.steps.indexOf('take sku/0', 1)).toBeGreaterThan(h.steps.indexOf('passivate sku/0'));
  });

  test('a shard that cannot have anything to evict (by its last apply: within maxEntities, nothing idle) is not asked to passivate', async () => {
    const h = harness();
    Object.assign(h.owned('sku/0'), { size: 1, oldestUseAt: Date.now() + 60_000 });
    Object.assign(h.owned('sku/1'), { size: 1, oldestUseAt: Date.now() - 60_000 }); // idle: asked
    await h.cp.checkpointAll();
    expect(h.steps.filter((s) => s.startsWith('passivate'))).toEqual(['passivate sku/1']);
  });

  test('what a passivation leaves in memory is what the next publish goes by', async () => {
    const h = harness();
    const o = Object.assign(h.owned('sku/0'), { size: 5, oldestUseAt: Date.now() + 60_000 });
    const left = [{ size: 1, oldestUseAt: Date.now() + 60_000 }];
    (o.host as { passivate: unknown }).passivate = async () => (h.steps.push('passivate sku/0'), left.shift());
    await h.cp.checkpointAll(); // 5 > maxEntities: asked, and 1 is left, used just now
    await h.cp.checkpointAll();
    expect(h.steps.filter((s) => s.startsWith('passivate'))).toEqual(['passivate sku/0']);
    expect([o.size, o.oldestUseAt]).toEqual([1, expect.any(Number)]);
  });

  test('a failed commit retires the shard (its memory no longer matches Postgres): nothing is relayed or passivated', async () => {
    const h = harness({ commit: async () => { throw new Error('connection lost'); } });
    h.owned('sku/0');
    await h.cp.checkpointAll();
    expect(h.steps).toEqual(['take sku/0', 'retire sku/0']);
  });

  test('a delta the host took but could not hand over restores the shard: never clean, nothing committed past it', async () => {
    const h = harness();
    const o = h.owned('sku/0');
    o.host.takeDelta = async () => {
      h.steps.push('take sku/0');
      throw new Error('Unserializable return value');
    };
    h.owned('sku/1');
    await h.cp.checkpointAll();
    expect(h.steps).toContain('retire sku/0');
    expect(h.steps.filter((s) => s.endsWith('sku/0'))).toEqual(['take sku/0', 'retire sku/0']);
    expect(h.steps).toContain('commit sku/1 1');
  });

  test('with group commit too: the others commit together, the shard whose take failed is restored', async () => {
    const h = harness({ commitGroup: async (cps) => void h.steps.push(`group ${cps.map((c) => c.shard).join(' ')}`) });
    const o = h.owned('sku/0');
    o.host.takeDelta = async () => {
      h.steps.push('take sku/0');
      throw new Error('Unserializable return value');
    };
    h.owned('sku/1');
    h.owned('sku/2');
    await h.cp.checkpointAll();
    expect(h.steps).toContain('group sku/1 sku/2');
    expect(h.steps).toContain('retire sku/0');
    expect(h.steps.some((s) => s.startsWith('group') && s.includes('sku/0'))).toBe(false);
  });

  test('a take refused because the shard was retired meanwhile is not a failure of its successor', async () => {
    const h = harness();
    const o = h.owned('sku/0');
    o.host.takeDelta = async () => {
      h.steps.push('take sku/0');
      h.owned('sku/0'); // replaced while the take was in flight
      throw new Error('shard sku/0 is not open in this host');
    };
    await h.cp.checkpointAll();
    expect(h.steps).toEqual(['take sku/0']);
  });

  test('a fenced commit retires the shard and forgets it until the next rebalance', async () => {
    const h = harness({ commit: async () => { throw new ShardFenced('sku/0', 1, 2); } });
    h.owned('sku/0');
    await h.cp.checkpointAll();
    expect(h.steps).toEqual(['take sku/0', 'retire sku/0', 'drop sku/0']);
  });

  test('a first data error restores the shard recording its inputs: its replay fails again, with the inputs at hand', async () => {
    const h = harness({ commit: async () => { throw Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' }); } });
    h.owned('sku/0');
    await h.cp.checkpointAll();
    expect(h.steps).toEqual(['take sku/0', 'record inputs sku/0 true', 'retire sku/0', 'reacquire sku/0']);
  });

  test('a data error of a shard recording its inputs commits without the refused entity, then restores the shard from Postgres', async () => {
    const commits: Checkpoint[] = [];
    const h = harness({
      recordsInputs: true,
      commit: async (cp) => {
        commits.push(cp);
        if (!cp.quarantines) throw Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' });
        h.steps.push('commit isolated');
      },
      unstorable: [{ group: { entityKey: 'k-1' }, error: '22P05 unsupported Unicode escape sequence' }],
    });
    h.owned('sku/0');
    await h.cp.checkpointAll();
    // The restored shard owes the group its offsets from Postgres (shard-lifecycle.ts); the retired one owes nothing.
    expect(h.steps).toEqual(['take sku/0', 'commit isolated', 'record inputs sku/0 false', 'relay sku/0', 'retire sku/0', 'reacquire sku/0']);
    expect(commits[1]!.states).toEqual([]);
    expect(commits[1]!.quarantines!.map((q) => q.key)).toEqual(['k-1']);
    expect(commits[1]!.offsets).toEqual(commits[0]!.offsets);
  });

  test('a clean shard paused by backpressure is resumed', async () => {
    const h = harness();
    const o = h.owned('sku/0', false);
    o.paused = true;
    o.uncommitted = 7;
    await h.cp.checkpointAll();
    expect(h.steps).toEqual(['take sku/0', 'resume sku/0']);
    expect(o.uncommitted).toBe(0);
  });

  test('group offsets Kafka refused are owed: a later pass with nothing new commits them, once', async () => {
    const sent: number[][] = [];
    let refuse = true;
    const h = harness({ groupCommit: async (offsets) => {
      sent.push(offsets.map((o) => o.offset));
      if (refuse) throw new Error('REBALANCE_IN_PROGRESS');
    } });
    const o = h.owned('sku/0');
    await h.cp.checkpointAll(); // commits offset 1 to Postgres; Kafka refuses the group commit
    refuse = false;
    o.host.takeDelta = async () => null; // the partition goes quiet
    await h.cp.checkpointAll();
    await h.cp.checkpointAll();
    expect(sent).toEqual([[1], [1]]);
  });
});

describe('checkpointer: group commit', () => {
  const grouped = (steps: string[]) => async (cps: readonly Checkpoint[]) => void steps.push(`group ${cps.map((cp) => `${cp.shard} ${cp.offsets[0]!.nextOffset}`).join(', ')}`);

  test("a pass's dirty shards commit in one group; each is then relayed and passivated as after its own commit", async () => {
    const steps: string[] = [];
    const h = harness({ commitGroup: grouped(steps), parallelism: 1 });
    h.owned('sku/0');
    h.owned('sku/1');
    h.owned('sku/2', false);
    await h.cp.checkpointAll();
    const all = [...steps, ...h.steps];
    expect(steps).toEqual(['group sku/0 1, sku/1 2']);
    expect(h.steps.filter((s) => s.startsWith('commit'))).toEqual([]);
    for (const id of ['sku/0', 'sku/1']) expect(all).toEqual(expect.arrayContaining([`relay ${id}`, `passivate ${id}`]));
    expect(h.steps.at(-1)).toBe('kafka offsets');
  });

  test('a group refused for a stale epoch: nothing of it landed, so each shard commits on its own and only the fenced one is dropped', async () => {
    let h!: ReturnType<typeof harness>;
    h = harness({
      commitGroup: async () => {
        throw new ShardFenced('sku/1', 1, 2);
      },
      commit: async (cp) => {
        if (cp.shard === 'sku/1') throw new ShardFenced('sku/1', 1, 2);
        h.steps.push(`commit ${cp.shard} ${cp.offsets[0]!.nextOffset}`);
      },
    });
    h.owned('sku/0');
    h.owned('sku/1');
    await h.cp.checkpointAll();
    expect(h.steps).toContain('commit sku/0 1');
    expect(h.steps).toEqual(expect.arrayContaining(['retire sku/1', 'drop sku/1', 'relay sku/0']));
    expect(h.steps).not.toContain('relay sku/1');
  });

  test('a group whose outcome is unknown (connection lost) is never committed again: every shard of it is restored from Postgres', async () => {
    let h!: ReturnType<typeof harness>;
    h = harness({
      commitGroup: async () => {
        throw new Error('write CONNECTION_CLOSED');
      },
      commit: async (cp) => void h.steps.push(`commit ${cp.shard}`),
    });
    h.owned('sku/0');
    h.owned('sku/1');
    await h.cp.checkpointAll();
    expect(h.steps.filter((s) => s.startsWith('commit'))).toEqual([]);
    expect(h.steps).toEqual(expect.arrayContaining(['retire sku/0', 'retire sku/1']));
    expect(h.steps.filter((s) => s.startsWith('relay') || s.startsWith('passivate'))).toEqual([]);
  });

  test('a shard restored to isolate refused rows commits on its own; the others still commit together', async () => {
    const steps: string[] = [];
    const h = harness({ commitGroup: grouped(steps) });
    h.owned('sku/0');
    h.owned('sku/1');
    h.owned('sku/2').recordsInputs = true;
    await h.cp.checkpointAll();
    expect(steps).toEqual(['group sku/0 1, sku/1 2']);
    expect(h.steps).toContain('commit sku/2 3');
  });

  test('groups commit side by side and end on their own: a refused group falls back to per-shard commits, the other stays committed', async () => {
    const groups: string[][] = [];
    const h = harness({
      parallelism: 2,
      commitGroup: async (cps) => {
        groups.push(cps.map((cp) => cp.shard));
        if (cps.some((cp) => cp.shard === 'sku/3')) throw new ShardFenced('sku/3', 1, 2);
      },
    });
    for (let i = 0; i < 16; i++) h.owned(`sku/${i}`);
    await h.cp.checkpointAll();
    expect(groups.map((g) => g.length)).toEqual([8, 8]);
    const perShard = h.steps.filter((s) => s.startsWith('commit')).map((s) => s.split(' ')[1]);
    // The fake store's own commit does not fence: every shard of the refused group commits alone.
    expect(perShard.sort()).toEqual([...groups.find((g) => g.includes('sku/3'))!].sort());
  });
});
