import type { ShardHostApi, ShardSpec } from './shard-host.ts';
import type { ShardDelta } from './shard-api.ts';
import { ANSWERED_EARLY, ASKED, NONE, TAKEN_EARLY, type EarlyTakeAnswer, type TakeSignal } from './early-take.ts';
import { thrownMessage } from '../../actors/transition-checks.ts';

/** A shard's spec as the processor's thread sends it to a worker: with its take signal (engine/shard/early-take.ts). */
export type SignalledSpec = ShardSpec & { takeSignal?: TakeSignal & { id: string } };

/** What a worker exposes: the host, whose takes may be answered `ANSWERED_EARLY`. */
export type EarlyTakingHost = Omit<ShardHostApi, 'open' | 'takeDelta'> & {
  open: (spec: SignalledSpec, restore: Parameters<ShardHostApi['open']>[1]) => ReturnType<ShardHostApi['open']>;
  takeDelta: (id: string) => ShardDelta | null | typeof ANSWERED_EARLY;
};

/**
 * The worker's half of early takes (engine/shard/early-take.ts): `host` whose shards are registered
 * with their slot as they open, whose applies first answer the takes asked out of turn, and whose
 * takes say when their delta already went. `post` sends an answer to the processor's thread.
 */
export function withEarlyTakes(host: ShardHostApi, post: (answer: EarlyTakeAnswer) => void): EarlyTakingHost {
  let flags: Int32Array | undefined;
  const shardOfSlot = new Map<number, string>();
  const slotOfShard = new Map<string, number>();

  /** Takes and posts the delta of every shard asked out of turn (none asked: one load). */
  function answerAsked(): void {
    if (!flags || Atomics.load(flags, 0) <= 0) return;
    for (const [slot, id] of shardOfSlot) {
      if (Atomics.compareExchange(flags, slot, ASKED, TAKEN_EARLY) !== ASKED) continue;
      Atomics.sub(flags, 0, 1);
      postEarly(slot, id, host, post);
    }
  }

  return {
    ...host,
    async open(spec, restore) {
      const { takeSignal, ...plain } = spec;
      const size = await host.open(plain, restore);
      if (takeSignal) {
        flags = takeSignal.flags;
        shardOfSlot.set(takeSignal.slot, takeSignal.id);
        slotOfShard.set(takeSignal.id, takeSignal.slot);
      }
      return size;
    },
    apply(id, batch, ctx) {
      answerAsked();
      return host.apply(id, batch, ctx);
    },
    takeDelta(id) {
      const slot = slotOfShard.get(id);
      if (flags && slot !== undefined) {
        const was = Atomics.exchange(flags, slot, NONE);
        if (was === TAKEN_EARLY) return ANSWERED_EARLY;
        if (was === ASKED) Atomics.sub(flags, 0, 1);
      }
      return host.takeDelta(id);
    },
    close(id) {
      const slot = slotOfShard.get(id);
      if (slot !== undefined) {
        slotOfShard.delete(id);
        shardOfSlot.delete(slot);
      }
      return host.close(id);
    },
  };
}

/**
 * Takes shard `id`'s delta and posts it as `slot`'s early answer. A take that throws, or a delta the
 * worker cannot post, is answered with the error instead: the processor takes it for a failed take
 * and restores the shard (engine/checkpoint-shard.ts TakeFailed), as it does when a take's message fails.
 */
function postEarly(slot: number, id: string, host: ShardHostApi, post: (answer: EarlyTakeAnswer) => void): void {
  let delta: ShardDelta | null;
  try {
    delta = host.takeDelta(id);
  } catch (e) {
    post({ earlyTake: slot, error: thrownMessage(e) });
    return;
  }
  try {
    post({ earlyTake: slot, delta });
  } catch (e) {
    post({ earlyTake: slot, error: `its delta could not be posted (${thrownMessage(e)})` });
  }
}
