import type { Checkpoint } from '../store/index.ts';
import type { ProcessorObserver, TracedRecord } from './observer.ts';
import type { OutboxRelay } from './outbox-relay.ts';
import type { Owned } from './owned-shard.ts';
import type { RecordSource } from './record-source.ts';

/**
 * Relays a shard's committed outbox to Kafka. Shards whose committed outbox could not be relayed
 * are retried every pass, dirty or not, so a quiet partition's reserves and alerts do not wait for
 * its next input.
 */
export class CommittedOutboxRelay {
  private readonly deferred = new Set<string>();

  constructor(
    private readonly outbox: OutboxRelay,
    private readonly observer: ProcessorObserver,
    private readonly log: (line: string) => void,
  ) {}

  /** Relays what shard `id` committed; a failure defers it to the next pass. */
  async relay(id: string): Promise<void> {
    try {
      const records = await this.outbox.flush(id);
      this.deferred.delete(id);
      if (records > 0) this.observer.relayed?.({ shard: id, records });
    } catch (e) {
      this.deferred.add(id);
      this.log(`relay of ${id} deferred: ${(e as Error).message}`);
    }
  }

  /** Relays shard `id` again if its last relay failed (a pass with nothing new to commit for it). */
  async retryDeferred(id: string): Promise<void> {
    if (this.deferred.has(id)) await this.relay(id);
  }
}

/**
 * Commits a shard's checkpointed offsets to the consumer group, for lag tools and autoscalers only
 * (Postgres keeps the truth). A commit Kafka refuses (typically during a rebalance) is owed, not
 * dropped: it is retried on every later pass, dirty or not, until Kafka takes it or the shard is
 * no longer ours — otherwise a partition with no new input would show lag that is not there, for good.
 */
export async function commitGroupOffsets(
  ctx: { source: Pick<RecordSource, 'commit'>; isCurrent(id: string, o: Owned): boolean; log(line: string): void },
  id: string,
  o: Owned,
  cp?: Checkpoint,
): Promise<void> {
  const owed = (o.owedGroupOffsets ??= new Map());
  for (const x of cp?.offsets ?? []) owed.set(`${x.topic}:${x.partition}`, { topic: x.topic, partition: x.partition, offset: x.nextOffset });
  if (owed.size === 0 || !ctx.isCurrent(id, o)) return;
  const offsets = [...owed.values()];
  try {
    await ctx.source.commit(offsets);
    // Only what was sent is settled: a newer offset owed meanwhile stays.
    for (const x of offsets) if (owed.get(`${x.topic}:${x.partition}`) === x) owed.delete(`${x.topic}:${x.partition}`);
  } catch (e) {
    ctx.log(`group offsets of ${id} not committed to Kafka, retried next pass: ${(e as Error).message}`);
  }
}

/** Tells the observer what a commit made durable: its timings, row counts, dead letters and alerts. */
export function reportCheckpointed(observer: ProcessorObserver, id: string, cp: Checkpoint, started: number, appendTimes: number[], traced: TracedRecord[]): void {
  observer.checkpointed?.({
    shard: id, atMs: Date.now(), durationMs: performance.now() - started, appendTimesMs: appendTimes, traced, deadLetters: cp.deadLetters ?? [],
    rows: { states: cp.states.length, offsets: cp.offsets.length, outbox: cp.outbox.length, alerts: cp.alerts.length, timers: cp.timersAdded.length + cp.timersRemoved.length },
  });
  if (cp.alerts.length > 0) observer.alertsCommitted?.(cp.alerts);
}
