import type { LogClient } from '../../engine/log-client.ts';

/**
 * The client, with every batch of `topic` (one partition of it, or all) held back before the
 * engine sees it: `delayMs(records)` per batch. That partition is read slowly, or late.
 */
export function throttled(client: LogClient, topic: string, partition: number | 'all', delayMs: (records: number) => number): LogClient {
  return {
    ...client,
    partitionOf: client.partitionOf,
    async source(opts) {
      const source = await client.source(opts);
      return {
        ...source,
        run: (handlers, runOpts) => source.run({
          assigned: (tps) => handlers.assigned(tps),
          async batch(batch, control) {
            if (batch.topic === topic && (partition === 'all' || batch.partition === partition)) await new Promise((r) => setTimeout(r, delayMs(batch.records.length)));
            return handlers.batch(batch, control);
          },
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
