import * as Comlink from 'comlink';
import type { ActorDefinition } from '../../actors/actor.ts';
import { transferables } from './record-batch.ts';
import { createShardHost, type ShardHostApi } from './shard-host.ts';
import { shardWorkerUrl } from '../../runtime/shard-worker-url.ts';
import { askingEarly, type AnswerSource } from './early-take-asker.ts';

/** A shard host seen from the processor's thread: every call is asynchronous. */
export type AsyncShardHost = {
  [K in keyof ShardHostApi]: (...args: Parameters<ShardHostApi[K]>) => Promise<Awaited<ReturnType<ShardHostApi[K]>>>;
};

/**
 * Where shards run. `hostFor` places a shard on the least loaded host the first time it is asked
 * for, and keeps it there until `release`; all calls for one shard go to one host, in order, so a
 * shard's batches, checkpoints and queries are serialised by that host's message queue.
 */
export interface ShardHostPool {
  readonly kind: 'workers' | 'inline';
  readonly size: number;
  hostFor(shard: string): AsyncShardHost;
  release(shard: string): void;
  terminate(): Promise<void>;
}

/**
 * `count` Web Workers running engine/shard/shard-worker.ts. A worker that dies takes its shards'
 * uncommitted state with it; `onFatal` is told, and the processor exits so a supervisor restarts
 * it from the last checkpoint (crash-only: correctness never depends on a graceful path).
 */
export function createWorkerPool(count: number, onFatal: (error: Error) => void): ShardHostPool {
  const workers: Worker[] = [];
  const hosts: AsyncShardHost[] = [];
  for (let i = 0; i < count; i++) {
    const worker = new Worker(shardWorkerUrl(), { type: 'module' });
    worker.addEventListener('error', (e) => onFatal(new Error(`shard worker ${i} failed: ${(e as ErrorEvent).message ?? e}`)));
    const remote = Comlink.wrap<ShardHostApi>(worker as unknown as Comlink.Endpoint);
    workers.push(worker);
    // Takes are asked out of turn, ahead of the applies queued before them (engine/shard/early-take.ts).
    hosts.push(withTransfer(askingEarly(remote as unknown as AsyncShardHost, worker as unknown as AnswerSource)));
  }
  return placement('workers', hosts, async () => {
    for (const h of hosts) (h as unknown as { [Comlink.releaseProxy]?: () => void })[Comlink.releaseProxy]?.();
    for (const w of workers) w.terminate();
  });
}

/** Shards on the caller's thread: the same host code, for tests, benchmarks and custom actors. */
export function createInlinePool(actors: readonly ActorDefinition<any>[]): ShardHostPool {
  const host = createShardHost((type) => {
    const actor = actors.find((a) => a.type === type);
    if (!actor) throw new Error(`no actor type '${type}' configured`);
    return actor;
  });
  const async = Object.fromEntries(
    Object.entries(host).map(([name, fn]) => [name, (...args: unknown[]) => Promise.resolve().then(() => (fn as Function)(...args))]),
  ) as AsyncShardHost;
  return placement('inline', [async], async () => {});
}

/** A batch's buffers are moved to the worker, not copied. */
function withTransfer(remote: AsyncShardHost): AsyncShardHost {
  return new Proxy(remote, {
    get(target, prop, receiver) {
      if (prop === 'apply') {
        return (id: string, batch: Parameters<ShardHostApi['apply']>[1], ctx: Parameters<ShardHostApi['apply']>[2]) =>
          target.apply(id, Comlink.transfer(batch, transferables(batch)), ctx);
      }
      return Reflect.get(target, prop, receiver);
    },
  });
}

function placement(kind: ShardHostPool['kind'], hosts: AsyncShardHost[], terminate: () => Promise<void>): ShardHostPool {
  const placed = new Map<string, number>();
  const load = hosts.map(() => 0);
  return {
    kind,
    size: hosts.length,
    hostFor(shard) {
      let i = placed.get(shard);
      if (i === undefined) {
        i = load.indexOf(Math.min(...load));
        placed.set(shard, i);
        load[i]!++;
      }
      return hosts[i]!;
    },
    release(shard) {
      const i = placed.get(shard);
      if (i === undefined) return;
      placed.delete(shard);
      load[i]!--;
    },
    terminate,
  };
}
