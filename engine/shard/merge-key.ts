/**
 * An input's place in the oracle's global order (issue #16, docs/determinism.md). The pure driver
 * applies source events by event time — ties by topic, partition and offset — and finishes each
 * one's cascade before the next. A message inherits the key of the source event at the root of its
 * cascade; `seq` orders the messages of one root (the origin shard's outbox sequence, -1 for the
 * source event itself, which comes before everything it causes).
 *
 * `at` is the event time made monotone per partition (its running maximum): an event late in its own
 * partition keeps its place in the partition, so a shard can promise "nothing I send from now on is
 * keyed below my clock" (see `EventTimeMerge`).
 */
export interface MergeKey {
  at: number;
  topic: string;
  partition: number;
  offset: number;
  seq: number;
}

/** The inbox record header that carries a message's root key. */
export const MERGE_KEY_HEADER = 'x-at';
/** The inbox record header that marks a clock record (no message: an origin's promise). */
export const CLOCK_HEADER = 'x-clock';
/** A clock that promises nothing: the origin is alive (engine/clock-heartbeat.ts), not to be taken as gone. */
export const ALIVE_CLOCK = 'alive';

/**
 * The root "topic" of inputs a timer caused: timers fire before any later event, after every event
 * at their own time (as the driver's clock does), and '~' sorts after every Kafka topic name
 * (letters, digits, '.', '_', '-').
 */
export const TIMER_ROOT = '~timer';

/** Negative when `a` comes before `b` in the global order. */
export function compareKeys(a: MergeKey, b: MergeKey): number {
  if (a.at !== b.at) return a.at - b.at;
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.partition !== b.partition) return a.partition - b.partition;
  if (a.offset !== b.offset) return a.offset - b.offset;
  return a.seq - b.seq;
}

/** `<at>/<partition>/<offset>/<topic>`: the header value of a root key (`seq` travels as `x-seq`). */
export function encodeRootKey(k: MergeKey): string {
  return `${k.at}/${k.partition}/${k.offset}/${k.topic}`;
}

/** The key of a header value and a sequence, or undefined when the value is not one (a forged or foreign header). */
export function decodeRootKey(value: string | undefined, seq: number): MergeKey | undefined {
  if (value === undefined || value.length > 300) return undefined;
  const parts = value.split('/');
  if (parts.length !== 4) return undefined;
  const at = Number(parts[0]);
  const partition = Number(parts[1]);
  const offset = Number(parts[2]);
  const topic = parts[3]!;
  if (!Number.isSafeInteger(at) || !Number.isSafeInteger(partition) || !Number.isSafeInteger(offset) || topic.length === 0) return undefined;
  return { at, topic, partition, offset, seq };
}
