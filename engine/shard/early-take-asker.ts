import type { AsyncShardHost } from './worker-pool.ts';
import type { ShardDelta } from './shard-api.ts';
import { shardId } from '../shard-id.ts';
import type { SignalledSpec } from './early-take-worker.ts';
import { ANSWERED_EARLY, ASKED, isEarlyTakeAnswer, jumpsOver, NONE, TAKE_SLOTS, type EarlyTakeAnswer } from './early-take.ts';

/** The worker's messages, as the processor's thread listens to them. */
export interface AnswerSource {
  addEventListener(type: 'message', listener: (ev: MessageEvent) => void): void;
}

/**
 * The processor's half of early takes (engine/shard/early-take.ts) for one worker: `remote` (its
 * comlink proxy) whose takes are asked out of turn whenever that is allowed, answered by what the
 * worker posts on `answers`.
 */
export function askingEarly(remote: AsyncShardHost, answers: AnswerSource): AsyncShardHost {
  const flags = new Int32Array(new SharedArrayBuffer(4 * (TAKE_SLOTS + 1)));
  const slots = new Slots(flags);
  /** Per shard: calls posted and not yet answered that a take may not pass, takes in turn among them. */
  const barriers = new Map<string, number>();
  /** Shards with a take asked out of turn whose own message has not been answered yet. */
  const taking = new Set<string>();
  const waiting = new Map<number, (a: EarlyTakeAnswer) => void>();
  answers.addEventListener('message', (ev) => {
    if (isEarlyTakeAnswer(ev.data)) waiting.get(ev.data.earlyTake)?.(ev.data);
  });

  const counted = <T>(id: string, call: () => Promise<T>): Promise<T> => {
    barriers.set(id, (barriers.get(id) ?? 0) + 1);
    const done = () => {
      const n = barriers.get(id)! - 1;
      if (n === 0) barriers.delete(id);
      else barriers.set(id, n);
    };
    try {
      return call().finally(done);
    } catch (e) {
      done();
      return Promise.reject(e);
    }
  };

  /** A take in its turn: no later take passes it (one that did would take the delta this one is owed). */
  const takeInTurn = (id: string): Promise<ShardDelta | null> =>
    counted(id, () => remote.takeDelta(id) as Promise<ShardDelta | null | typeof ANSWERED_EARLY>).then((r) => {
      if (r === ANSWERED_EARLY) throw new Error(`the worker answered a take of ${id} asked in turn as answered early`);
      return r;
    });

  /**
   * Asks the worker for shard `id`'s delta out of turn, through `slot`; its take's message goes too.
   * Until that message is answered no other take of the shard is asked out of turn: the flag and
   * the slot's answer belong to this one.
   */
  const takeEarly = (id: string, slot: number): Promise<ShardDelta | null> =>
    new Promise((resolve, reject) => {
      waiting.set(slot, (a) => {
        waiting.delete(slot);
        if (a.error !== undefined) reject(new Error(a.error));
        else resolve(a.delta ?? null);
      });
      taking.add(id);
      Atomics.store(flags, slot, ASKED);
      Atomics.add(flags, 0, 1);
      /** The take's message is answered (or was never sent): true when its early answer had not come. */
      const settled = () => {
        taking.delete(id);
        return waiting.delete(slot);
      };
      let reply: Promise<ShardDelta | null | typeof ANSWERED_EARLY>;
      try {
        reply = remote.takeDelta(id) as Promise<ShardDelta | null | typeof ANSWERED_EARLY>;
      } catch (e) {
        slots.clearFlag(slot);
        if (settled()) reject(e);
        return;
      }
      reply.then(
        (r) => {
          if (!settled()) return; // answered early
          if (r === ANSWERED_EARLY) reject(new Error(`the worker answered a take of ${id} early, but its answer never came`));
          else resolve(r);
        },
        (e) => {
          if (settled()) reject(e);
        },
      );
    });

  return new Proxy(remote, {
    get(target, prop, receiver) {
      if (prop === 'open') {
        return (spec: SignalledSpec, ...rest: unknown[]) => {
          const id = shardId(spec.actorType, spec.partition);
          const slot = slots.of(id);
          const signalled: SignalledSpec = slot === undefined ? spec : { ...spec, takeSignal: { flags, slot, id } };
          // A shard that did not open never registered its slot in the worker: the slot is free again.
          return counted(id, () => (target.open as (...a: unknown[]) => Promise<number>)(signalled, ...rest)).catch((e) => {
            if (slot !== undefined) slots.free(id, slot);
            throw e;
          });
        };
      }
      if (prop === 'takeDelta') {
        return (id: string) => {
          const slot = slots.existing(id);
          if (slot === undefined || barriers.has(id) || taking.has(id)) return takeInTurn(id);
          return takeEarly(id, slot);
        };
      }
      if (prop === 'close') {
        return (id: string) => {
          const slot = slots.existing(id);
          return counted(id, () => target.close(id)).finally(() => slot !== undefined && slots.free(id, slot));
        };
      }
      const value = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || jumpsOver.has(prop) || typeof value !== 'function') return value;
      return (id: string, ...rest: unknown[]) => counted(id, () => (value as (...a: unknown[]) => Promise<unknown>)(id, ...rest));
    },
  });
}

/** Slot numbers 1…TAKE_SLOTS by shard, reused once a shard is closed (or failed to open). */
class Slots {
  private readonly byShard = new Map<string, number>();
  private readonly released: number[] = [];
  private next = 1;

  constructor(private readonly flags: Int32Array) {}

  /** Shard `id`'s slot, given one if it has none; undefined when every slot is taken. */
  of(id: string): number | undefined {
    let slot = this.byShard.get(id);
    if (slot === undefined) {
      slot = this.released.pop() ?? (this.next <= TAKE_SLOTS ? this.next++ : undefined);
      if (slot !== undefined) this.byShard.set(id, slot);
    }
    return slot;
  }

  existing(id: string): number | undefined {
    return this.byShard.get(id);
  }

  /** Frees `slot` if shard `id` still holds it (a reopen meanwhile keeps its own), with no flag left raised. */
  free(id: string, slot: number): void {
    if (this.byShard.get(id) !== slot) return;
    this.byShard.delete(id);
    this.clearFlag(slot);
    this.released.push(slot);
  }

  /** Lowers `slot`'s flag, and the count of raised ones if it was raised (the worker no longer reads it). */
  clearFlag(slot: number): void {
    if (Atomics.exchange(this.flags, slot, NONE) === ASKED) Atomics.sub(this.flags, 0, 1);
  }
}
