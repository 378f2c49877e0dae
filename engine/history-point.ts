import type { LogClient } from './log-client.ts';
import { readPartitionRange } from './partition-range.ts';
import type { SourceRecord } from './shard/records.ts';
import type { TopicAdmin } from './topic-admin.ts';

/**
 * Where in an entity's past to look (issue #16, `?at=<time|offset>`): an event time, or a source
 * record of the entity's partition — "the state right after offset N was applied".
 *
 * A record is a point in the order the rebuild applies inputs in (entity-history.ts
 * eventTimeOrder): event time, then source events before inbox messages, then offset. The state
 * "through" source offset N of time t holds every input before t, and the source events of time t
 * up to N; messages stamped t come after every source event of t, so none of them.
 */
export type HistoryPoint = { at: number } | { offset: number };

/** A point resolved to its event time, with the record it ends at when asked by offset. */
export interface ResolvedPoint {
  at: number;
  through?: { topic: string; partition: number; offset: number };
}

export type PointError =
  /** No record at that offset: beyond the partition's end, or a gap (a compacted or transactional log). */
  | { kind: 'no-record'; topic: string; partition: number; offset: number; high: number }
  /** Older than the partition's start: retention removed it (`asked`: the offset asked for). */
  | { kind: 'log-gone'; topic: string; partition: number; needed: number; low: number; snapshotAt: null; asked: number }
  /** The record holds no readable event time (the shard dead-lettered it). */
  | { kind: 'not-an-event'; topic: string; partition: number; offset: number; reason: string };

export interface PointDeps {
  client: LogClient;
  admin: Pick<TopicAdmin, 'offsets'>;
}

/**
 * The event time of source offset `offset` in the partition `key` lives in.
 *
 * @example
 * const p = await resolveOffset(deps, 'inventory_events', 'SKU-000042', 1234);
 * if (!('kind' in p)) console.log(new Date(p.at), p.through);
 */
export async function resolveOffset(deps: PointDeps, sourceTopic: string, key: string, offset: number): Promise<ResolvedPoint | PointError> {
  const bounds = await deps.admin.offsets(sourceTopic);
  const partition = deps.client.partitionOf(key, bounds.length);
  const { low = 0, high = 0 } = bounds.find((b) => b.partition === partition) ?? {};
  const where = { topic: sourceTopic, partition };
  if (offset < low) return { kind: 'log-gone', ...where, needed: offset, low, snapshotAt: null, asked: offset };
  if (offset >= high) return { kind: 'no-record', ...where, offset, high };
  const [record] = (await readPartitionRange(deps.client, sourceTopic, partition, offset, offset + 1)).filter((r) => Number(r.offset) === offset);
  if (!record) return { kind: 'no-record', ...where, offset, high };
  const at = eventTimeOf(record.value);
  if (typeof at === 'string') return { kind: 'not-an-event', ...where, offset, reason: at };
  return { at, through: { ...where, offset } };
}

/** An event's `ts`, or why the value has none. */
function eventTimeOf(value: string | null): number | string {
  try {
    const ts = (JSON.parse(value ?? '') as { ts?: unknown })?.ts;
    return typeof ts === 'number' && Number.isSafeInteger(ts) ? ts : 'its value has no event time (ts)';
  } catch (e) {
    return `its value is not JSON (${(e as Error).message})`;
  }
}

/**
 * Whether an input (already known to be of time `point.at` or before) is at or before the point:
 * by offset, every input earlier in time, and the source events of that time up to the record.
 */
export function isThroughPoint(point: ResolvedPoint, ts: number, r: SourceRecord, sourceTopic: string): boolean {
  if (!point.through || ts < point.at) return true;
  return r.topic === sourceTopic && r.offset <= point.through.offset;
}

/** For the error messages of the route and the CLI. */
export function pointErrorReason(e: Exclude<PointError, { kind: 'log-gone' }>): string {
  const where = `${e.topic} partition ${e.partition}`;
  if (e.kind === 'no-record') return `no record at offset ${e.offset} of ${where} (it ends before offset ${e.high}, or the offset is a gap)`;
  return `offset ${e.offset} of ${where} is not an event: ${e.reason}`;
}
