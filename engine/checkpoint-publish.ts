import type { Checkpoint } from '../store/index.ts';
import type { ProcessorObserver, TracedRecord } from './observer.ts';
import type { OutboxRelay } from './outbox-relay.ts';
import type { GroupOffset, Owned } from './owned-shard.ts';
import type { RecordSource } from './record-source.ts';
import { tpKey } from './topic-partition.ts';

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
 * Owes the consumer group a shard's checkpointed offsets, for lag tools and autoscalers only
 * (Postgres keeps the truth); commitOwedGroupOffsets pays them at the end of the pass.
 */
export function oweGroupOffsets(o: Owned, cp: Checkpoint): void {
  const owed = (o.owedGroupOffsets ??= new Map());
  for (const x of cp.offsets) owed.set(tpKey(x.topic, x.partition), { topic: x.topic, partition: x.partition, offset: x.nextOffset });
}

/**
 * Commits what every shard held owes the consumer group in ONE request (a pass used to make one
 * per shard). A commit Kafka refuses (typically during a rebalance) stays owed, not dropped: it is
 * retried after every later pass, dirty or not, until Kafka takes it or the shard is no longer
 * ours — otherwise a partition with no new input would show lag that is not there, for good.
 */
export async function commitOwedGroupOffsets(
  ctx: { source: Pick<RecordSource, 'commit'>; isCurrent(id: string, o: Owned): boolean; log(line: string): void },
  shards: readonly [string, Owned][],
): Promise<void> {
  const sent: [Owned, GroupOffset][] = [];
  for (const [id, o] of shards) {
    if (!o.owedGroupOffsets?.size || !ctx.isCurrent(id, o)) continue;
    for (const x of o.owedGroupOffsets.values()) sent.push([o, x]);
  }
  if (sent.length === 0) return;
  const refused = await commitSettling(ctx, sent);
  if (!refused) return;
  const byShard = new Map<Owned, [Owned, GroupOffset][]>();
  for (const entry of sent) {
    const owed = byShard.get(entry[0]);
    if (owed) owed.push(entry);
    else byShard.set(entry[0], [entry]);
  }
  if (byShard.size === 1) return ctx.log(`group offsets of ${sent[0]![0].id} not committed to Kafka, retried after the next pass: ${refused.message}`);
  // Refused as a whole: shard by shard, so one partition Kafka refuses does not hold back the rest.
  for (const [o, owed] of byShard) {
    const refused = await commitSettling(ctx, owed);
    if (refused) ctx.log(`group offsets of ${o.id} not committed to Kafka, retried after the next pass: ${refused.message}`);
  }
}

/** Commits `sent` and settles it (a newer offset owed meanwhile stays); the error when Kafka refused it. */
async function commitSettling(ctx: { source: Pick<RecordSource, 'commit'> }, sent: readonly [Owned, GroupOffset][]): Promise<Error | undefined> {
  try {
    await ctx.source.commit(sent.map(([, x]) => x));
  } catch (e) {
    return e as Error;
  }
  for (const [o, x] of sent) {
    const tp = tpKey(x.topic, x.partition);
    if (o.owedGroupOffsets!.get(tp) === x) o.owedGroupOffsets!.delete(tp);
  }
  return undefined;
}

/** Tells the observer what a commit made durable: its timings, row counts, dead letters and alerts. */
export function reportCheckpointed(observer: ProcessorObserver, id: string, cp: Checkpoint, started: number, appendTimes: number[], traced: TracedRecord[]): void {
  observer.checkpointed?.({
    shard: id, atMs: Date.now(), durationMs: performance.now() - started, appendTimesMs: appendTimes, traced, deadLetters: cp.deadLetters ?? [],
    rows: { states: cp.states.length, offsets: cp.offsets.length, outbox: cp.outbox.length, alerts: cp.alerts.length, timers: cp.timersAdded.length + cp.timersRemoved.length },
  });
  if (cp.alerts.length > 0) observer.alertsCommitted?.(cp.alerts);
}
