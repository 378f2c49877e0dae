import type { AsyncShardHost } from './worker-pool.ts';
import type { ShardDelta } from './shard-api.ts';
import { shardId } from '../shard-id.ts';
import type { SignalledSpec } from './early-take-worker.ts';
import { ANSWERED_EARLY, ASKED, isEarlyTakeAnswer, jumpsOver, TAKE_SLOTS, type EarlyTakeAnswer } from './early-take.ts';

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
  const slots = new Slots();
  /** Per shard: calls posted and not yet answered that a take may not pass. */
  const barriers = new Map<string, number>();
  const taking = new Set<string>();
  const waiting = new Map<number, (a: EarlyTakeAnswer) => void>();
  answers.addEventListener('message', (ev) => {
    if (isEarlyTakeAnswer(ev.data)) waiting.get(ev.data.earlyTake)?.(ev.data);
  });

  const counted = <T>(id: string, call: () => Promise<T>): Promise<T> => {
    barriers.set(id, (barriers.get(id) ?? 0) + 1);
    return call().finally(() => {
      const n = barriers.get(id)! - 1;
      if (n === 0) barriers.delete(id);
      else barriers.set(id, n);
    });
  };

  /** Asks the worker for shard `id`'s delta out of turn, through `slot`; its take's message goes too. */
  const takeEarly = (id: string, slot: number): Promise<ShardDelta | null> =>
    new Promise((resolve, reject) => {
      taking.add(id);
      waiting.set(slot, (a) => {
        waiting.delete(slot);
        if (a.error !== undefined) reject(new Error(a.error));
        else resolve(a.delta ?? null);
      });
      Atomics.store(flags, slot, ASKED);
      Atomics.add(flags, 0, 1);
      (remote.takeDelta(id) as Promise<ShardDelta | null | typeof ANSWERED_EARLY>).then(
        (r) => {
          taking.delete(id);
          if (r === ANSWERED_EARLY && !waiting.has(slot)) return;
          waiting.delete(slot);
          if (r === ANSWERED_EARLY) reject(new Error('the worker answered a take early, but its answer never came'));
          else resolve(r);
        },
        (e) => {
          taking.delete(id);
          waiting.delete(slot);
          reject(e);
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
          return counted(id, () => (target.open as (...a: unknown[]) => Promise<number>)(signalled, ...rest));
        };
      }
      if (prop === 'takeDelta') {
        return (id: string) => {
          const slot = slots.existing(id);
          if (slot === undefined || barriers.has(id) || taking.has(id)) return target.takeDelta(id);
          return takeEarly(id, slot);
        };
      }
      if (prop === 'close') {
        return (id: string) => counted(id, () => target.close(id)).finally(() => slots.free(id));
      }
      const value = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || jumpsOver.has(prop) || typeof value !== 'function') return value;
      return (id: string, ...rest: unknown[]) => counted(id, () => (value as (...a: unknown[]) => Promise<unknown>)(id, ...rest));
    },
  });
}

/** Slot numbers 1…TAKE_SLOTS by shard, reused once a shard is closed. */
class Slots {
  private readonly byShard = new Map<string, number>();
  private readonly released: number[] = [];
  private next = 1;

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

  free(id: string): void {
    const slot = this.byShard.get(id);
    if (slot === undefined) return;
    this.byShard.delete(id);
    this.released.push(slot);
  }
}
