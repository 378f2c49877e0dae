import type { IntakeDeps } from './intake.ts';
import type { Owned } from './owned-shard.ts';

/**
 * A shard that merges in event time (engine/shard/merged-inputs.ts) holds its source events until
 * every origin has passed them; while an origin lags far behind (a slow partition, a catch-up of
 * the senders), that is most of the stream. Beyond MAX_HELD_SOURCES (ProcessorOptions.eventTimeMaxHeldSources) its source partition is
 * paused — only the source: the clock records that release what is held arrive on its inbox,
 * which keeps flowing — and resumed once fewer than half wait. So the memory of a merge is bounded
 * by the bound and by what the origins' messages hold, not by the backlog. 5,000 rather than
 * 50,000: side by side it was faster too (bench/README.md "Event-time merge": 30,902 against
 * 26,284 events/s, peak RSS 705 against 845 MB, medians of 3) — less to collect.
 */
export const MAX_HELD_SOURCES = 5_000;

type PauseDeps = Pick<IntakeDeps, 'source' | 'topicsOf' | 'maxHeldSources'>;

/** Pauses or resumes `o`'s source partition after an apply that left `heldSources` source events held. */
export function boundHeldSources(deps: PauseDeps, o: Owned, heldSources: number | undefined): void {
  if (heldSources === undefined) return;
  const max = deps.maxHeldSources ?? MAX_HELD_SOURCES;
  const tp = { topic: deps.topicsOf(o)[0]!, partition: o.partition }; // [source, inbox]
  if (!o.mergePaused && heldSources > max) {
    o.mergePaused = true;
    deps.source.pause([tp]);
  } else if (o.mergePaused && heldSources < max / 2) {
    o.mergePaused = false;
    deps.source.resume([tp]);
  }
}
