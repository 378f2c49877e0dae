import type { IntakeDeps } from './intake.ts';
import type { Owned } from './owned-shard.ts';

type BackpressureDeps = Pick<IntakeDeps, 'source' | 'topicsOf' | 'checkpoint' | 'maxUncommitted' | 'log'>;

/** Pauses fetching for a shard whose uncommitted records exceed the bound, and asks for a checkpoint now. */
export function pauseWhenOverBound(deps: BackpressureDeps, o: Owned): void {
  if (o.uncommitted <= deps.maxUncommitted || o.paused) return;
  // Memory held for the next checkpoint is bounded; fetching resumes after it commits.
  o.paused = true;
  deps.source.pause(deps.topicsOf(o).map((topic) => ({ topic, partition: o.partition })));
  void deps.checkpoint().catch((e) => deps.log(`checkpoint error: ${e}`));
}

/** Lets a shard paused by backpressure fetch again (`stopped`: the intake applies no more batches). */
export function resumeFetching(deps: BackpressureDeps, o: Owned, stopped: boolean): void {
  o.paused = false;
  // Both partitions resume: a merge pause (engine/intake-merge-pause.ts) is taken again by the next apply if still due.
  o.mergePaused = false;
  if (stopped) return; // the consumer is stopping or stopped: it would refuse, and fetches no more anyway
  deps.source.resume(deps.topicsOf(o).map((topic) => ({ topic, partition: o.partition })));
}
