import type { Alert } from '../schemas/index.ts';
import type { LogClient, TailRecord } from './log-client.ts';
import { readPartitionRange } from './partition-range.ts';
import type { TopicAdmin } from './topic-admin.ts';

/** Records read back per partition at most: the scan is bounded whatever the traffic. */
export const MAX_SCANNED_PER_PARTITION = 50_000;
/**
 * Records read back per partition at most when looking for a reason on every source partition
 * (see findElsewhere): that scan reads many partitions, so each is read less far back.
 */
export const MAX_SCANNED_PER_OTHER_PARTITION = 10_000;
/** Partitions findElsewhere reads at once: memory stays bounded however many partitions a deployment has. */
const OTHER_PARTITIONS_AT_ONCE = 6;
/** How far past an alert's detection (or a message's append) a cause may have been appended. */
const SLACK_MS = 5_000;

/** An event an alert names among its reasons, as the log holds it. */
export interface AlertCause {
  id: string;
  /** Where the event itself is: its source topic record (absent when only the message was found). */
  record?: LogCoordinates & { key: string | null; event: unknown };
  /** The actor → actor message that carried the event's facts to the alerting entity, when it came that way. */
  via?: LogCoordinates & { from: unknown; message: unknown };
  /**
   * The entity whose input the event was (the actor type reading its topic, the record's key), for
   * a cause found on another source partition: its facts reached the alerting entity in a message
   * handed over in memory, which is in no topic, so this is what names where they came from.
   */
  handledBy?: { type: string; key: string };
  /** W3C trace context of the record (the trace the event's ingestion started). */
  traceparent?: string;
}

export interface LogCoordinates {
  topic: string;
  partition: number;
  offset: number;
  /** Kafka timestamp, epoch ms. */
  timestamp?: number;
}

export interface AlertExplanation {
  causes: AlertCause[];
  /** Reasons not found in the scanned ranges (older than the scan, or the log no longer holds them). */
  unresolved: string[];
  /** Records read back to find them. */
  scanned: number;
}

export interface AlertCauseDeps {
  client: LogClient;
  admin: Pick<TopicAdmin, 'offsets' | 'offsetsAt'>;
  /** The source topic and inbox topic of an actor type (undefined: not a type of this deployment). */
  topicsOf(actorType: string): { source: string; inbox: string } | undefined;
  /** The source topic of every actor type of the deployment. */
  sources: readonly { type: string; topic: string }[];
}

/**
 * Finds the events an alert's `reasons` name, in the log itself: nothing is recorded for this on
 * the write path. The alerting entity's inputs are on its shard's two partitions (source topic
 * and inbox, the partition of its key), so the scan reads those backwards from the alert's
 * detection time, at most MAX_SCANNED_PER_PARTITION records each. A reason that reached the entity
 * as a message (its `cause`, e.g. a payment fact sent by an order) is followed one hop to the
 * event on the sender's source partition, scanned back from the time the message was appended.
 * A message handed over in memory (local messages, the default) is in no inbox topic: a reason
 * still not found is looked for on every other source partition (findElsewhere), without its `via`.
 * An alert about an entity of a type the deployment runs no actor for is looked for there at once.
 */
export async function explainAlert(deps: AlertCauseDeps, alert: Alert): Promise<AlertExplanation> {
  const wanted = new Set(alert.reasons);
  const found = new Map<string, AlertCause>();
  const topics = deps.topicsOf(alert.entityType);
  let scanned = 0;
  const until = alert.detectedAt + SLACK_MS;
  if (!topics && wanted.size > 0) {
    // About an entity of a type no actor of this deployment runs (an SDK actor may raise an alert
    // about any entity): it has no partitions of its own, so every source partition is read.
    scanned += await findElsewhere(deps, wanted, undefined, until, found);
  } else if (topics && wanted.size > 0) {
    const partition = await partitionOfKey(deps, topics.source, alert.entityKey);
    const [events, messages] = await Promise.all([
      scanBefore(deps, topics.source, partition, until),
      scanBefore(deps, topics.inbox, partition, until),
    ]);
    scanned += events.length + messages.length;
    noteEvents(events, wanted, found);
    for (const r of messages) {
      const value = parse(r.value) as { from?: unknown; msg?: { cause?: unknown } } | undefined;
      const id = value?.msg?.cause;
      if (typeof id !== 'string' || !wanted.has(id) || found.has(id)) continue;
      found.set(id, { id, via: { ...coordinates(r), from: value!.from, message: value!.msg }, ...trace(r) });
    }
    scanned += await followMessages(deps, [...found.values()].filter((c) => c.via));
    const missing = [...wanted].filter((id) => !found.has(id));
    if (missing.length > 0) scanned += await findElsewhere(deps, new Set(missing), { topic: topics.source, partition }, until, found);
  }
  const causes = alert.reasons.filter((id, i, all) => found.has(id) && all.indexOf(id) === i).map((id) => found.get(id)!);
  return { causes, unresolved: alert.reasons.filter((id) => !found.has(id)), scanned };
}

/**
 * Looks up the event each message was caused by, on its sender's source partition: one scan per
 * partition, back from the latest time one of its messages was appended.
 */
async function followMessages(deps: AlertCauseDeps, viaMessages: AlertCause[]): Promise<number> {
  const byPartition = new Map<string, { topic: string; partition: number; until: number; causes: AlertCause[] }>();
  for (const cause of viaMessages) {
    const from = cause.via!.from as { type?: unknown; key?: unknown } | undefined;
    const topics = typeof from?.type === 'string' ? deps.topicsOf(from.type) : undefined;
    if (!topics || typeof from?.key !== 'string') continue;
    const partition = await partitionOfKey(deps, topics.source, from.key);
    const until = (cause.via!.timestamp ?? Date.now()) + SLACK_MS;
    const at = `${topics.source}:${partition}`;
    const entry = byPartition.get(at) ?? { topic: topics.source, partition, until, causes: [] };
    entry.until = Math.max(entry.until, until);
    entry.causes.push(cause);
    byPartition.set(at, entry);
  }
  let scanned = 0;
  for (const { topic, partition, until, causes } of byPartition.values()) {
    const records = await scanBefore(deps, topic, partition, until);
    scanned += records.length;
    const byId = new Map<string, TailRecord>();
    for (const r of records) {
      const id = eventIdOf(r);
      // The first copy: a retried event's later copies were dropped as duplicates when applied.
      if (id !== undefined && !byId.has(id)) byId.set(id, r);
    }
    for (const cause of causes) {
      const r = byId.get(cause.id);
      if (!r) continue;
      cause.record = eventAt(r);
      cause.traceparent = r.headers.traceparent ?? cause.traceparent;
    }
  }
  return scanned;
}

/**
 * Looks for reasons on every source partition but the one already scanned (if any), each read back from
 * `untilMs` at most MAX_SCANNED_PER_OTHER_PARTITION records, OTHER_PARTITIONS_AT_ONCE at a time,
 * until every reason is found. A message handed over in memory leaves no inbox record naming its
 * sender, so its cause may be on any of them; what is found there carries no `via`, since the
 * message that carried it is not in the log.
 */
async function findElsewhere(deps: AlertCauseDeps, wanted: ReadonlySet<string>, scannedAlready: { topic: string; partition: number } | undefined, untilMs: number, found: Map<string, AlertCause>): Promise<number> {
  // Each topic's ranges are measured once, not once per partition.
  const ranges = (await Promise.all([...new Set(deps.sources.map((s) => s.topic))].map(async (topic) => (await rangesBefore(deps, topic, untilMs, MAX_SCANNED_PER_OTHER_PARTITION)).map((r) => ({ topic, ...r })))))
    .flat()
    .filter((r) => !scannedAlready || r.topic !== scannedAlready.topic || r.partition !== scannedAlready.partition);
  let scanned = 0;
  const someMissing = () => [...wanted].some((id) => !found.has(id));
  for (let at = 0; at < ranges.length && someMissing(); at += OTHER_PARTITIONS_AT_ONCE) {
    const read = await Promise.all(ranges.slice(at, at + OTHER_PARTITIONS_AT_ONCE).map((r) => readPartitionRange(deps.client, r.topic, r.partition, r.start, r.end)));
    for (const records of read) {
      scanned += records.length;
      noteEvents(records, wanted, found, (r) => handlerOf(deps.sources, r));
    }
  }
  return scanned;
}

/** The entity a source record was an input of; undefined when no single actor type reads its topic, or it has no key. */
function handlerOf(sources: AlertCauseDeps['sources'], r: TailRecord): AlertCause['handledBy'] {
  const types = new Set(sources.filter((s) => s.topic === r.topic).map((s) => s.type));
  return types.size === 1 && r.key !== null ? { type: [...types][0]!, key: r.key } : undefined;
}

/** The newest `max` records of a partition appended before `untilMs`. */
async function scanBefore(deps: AlertCauseDeps, topic: string, partition: number, untilMs: number, max = MAX_SCANNED_PER_PARTITION): Promise<TailRecord[]> {
  const range = (await rangesBefore(deps, topic, untilMs, max)).find((r) => r.partition === partition);
  return range ? readPartitionRange(deps.client, topic, partition, range.start, range.end) : [];
}

/** Per partition of `topic`, the offsets [start, end) of its newest `max` records appended before `untilMs`. */
async function rangesBefore(deps: AlertCauseDeps, topic: string, untilMs: number, max: number): Promise<{ partition: number; start: number; end: number }[]> {
  const [bounds, until] = await Promise.all([deps.admin.offsets(topic), deps.admin.offsetsAt(topic, untilMs)]);
  return bounds.map((b) => {
    const end = Math.min(b.high, until.find((x) => x.partition === b.partition)?.offset ?? b.high);
    return { partition: b.partition, start: Math.max(b.low, end - max), end };
  });
}

/**
 * Notes each wanted event of `records` not found yet, as its record. The first copy: a retried
 * event's later copies were dropped as duplicates when applied.
 */
function noteEvents(records: readonly TailRecord[], wanted: ReadonlySet<string>, found: Map<string, AlertCause>, handler?: (r: TailRecord) => AlertCause['handledBy']): void {
  for (const r of records) {
    const id = eventIdOf(r);
    if (id === undefined || !wanted.has(id) || found.has(id)) continue;
    const handledBy = handler?.(r);
    found.set(id, { id, record: eventAt(r), ...(handledBy ? { handledBy } : {}), ...trace(r) });
  }
}

/** The `id` of the event a record holds, if it holds one. */
function eventIdOf(r: TailRecord): string | undefined {
  const id = (parse(r.value) as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}

async function partitionOfKey(deps: AlertCauseDeps, topic: string, key: string): Promise<number> {
  const count = (await deps.admin.offsets(topic)).length;
  return deps.client.partitionOf(key, count);
}

function coordinates(r: TailRecord): LogCoordinates {
  const c: LogCoordinates = { topic: r.topic, partition: r.partition, offset: Number(r.offset) };
  if (r.timestamp !== undefined) c.timestamp = r.timestamp;
  return c;
}

function eventAt(r: TailRecord): NonNullable<AlertCause['record']> {
  return { ...coordinates(r), key: r.key, event: parse(r.value) };
}

function trace(r: TailRecord): { traceparent?: string } {
  return r.headers.traceparent ? { traceparent: r.headers.traceparent } : {};
}

function parse(value: string | null): unknown {
  try {
    return value === null ? undefined : JSON.parse(value);
  } catch {
    return undefined;
  }
}
