import type { LogClient } from '../../engine/log-client.ts';
import type { BatchControl, RecordSource, SourceBatch } from '../../engine/record-source.ts';
import { CLOCK_HEADER } from '../../engine/shard/merge-key.ts';

/**
 * A batch on its way from the client to the engine: `deliver` hands it over; not calling it keeps
 * it from the engine (the interceptor then decides what the client does with it, e.g. a seek).
 */
export type BatchInterceptor = (batch: SourceBatch, control: BatchControl, source: RecordSource, deliver: () => Promise<void>) => Promise<void>;

/** The client, with every fetched batch passed through `intercept` before the engine sees it. */
export function intercepted(client: LogClient, intercept: BatchInterceptor): LogClient {
  return {
    ...client,
    partitionOf: client.partitionOf,
    async source(opts) {
      const source = await client.source(opts);
      return {
        ...source,
        run: (handlers, runOpts) => source.run({
          assigned: (tps) => handlers.assigned(tps),
          batch: (batch, control) => intercept(batch, control, source, () => handlers.batch(batch, control)),
        }, runOpts),
        seek: (tp, offset) => source.seek(tp, offset),
        pause: (tps) => source.pause(tps),
        resume: (tps) => source.resume(tps),
        commit: (offsets) => source.commit(offsets),
        stop: () => source.stop(),
        disconnect: () => source.disconnect(),
      };
    },
  };
}

/**
 * The client, with every batch of `topic` (one partition of it, or all) held back before the
 * engine sees it: `delayMs(records)` per batch. That partition is read slowly.
 */
export function throttled(client: LogClient, topic: string, partition: number | 'all', delayMs: (records: number) => number): LogClient {
  return intercepted(client, async (batch, _control, _source, deliver) => {
    if (batch.topic === topic && (partition === 'all' || batch.partition === partition)) await new Promise((r) => setTimeout(r, delayMs(batch.records.length)));
    return deliver();
  });
}

/**
 * The client, with every clock record its producer is given dropped (acknowledged, never written):
 * shards merging in event time then never hear this process's senders, as when a process dies
 * between committing a clock and publishing it.
 */
export function withoutClockRecords(client: LogClient): LogClient {
  return {
    ...client,
    partitionOf: client.partitionOf,
    async sink() {
      const sink = await client.sink();
      return {
        send: (records) => {
          const kept = records.filter((r) => r.headers?.[CLOCK_HEADER] === undefined);
          return kept.length > 0 ? sink.send(kept) : Promise.resolve();
        },
        disconnect: () => sink.disconnect(),
      };
    },
  };
}
