import type { LogClient, TailRecord } from './log-client.ts';
import type { OutgoingRecord } from './record-sink.ts';
import type { TopicAdmin } from './topic-admin.ts';
import { DLQ_HEADERS } from './shard/records.ts';

/**
 * Dead letters as an operation: read back what the engine wrote to a `<topic>.dlq` (the format is
 * the engine's own, engine/shard/dead-letter.ts) and send chosen ones back to their source topic
 * after a fix. Through the LogClient ports only, so it works on every client and the embedded log.
 */

/** Marks a record sent back from a DLQ: `<dlq topic>:<partition>:<offset>` of the dead letter. */
export const REDRIVE_HEADER = 'x-redrive-of';

export interface DeadLetter {
  /** Where the dead letter itself is. */
  partition: number;
  offset: number;
  code: string;
  reason: string;
  /** The record that was refused. */
  source: { topic: string; partition: number; offset: number };
  key: string;
  /** As stored: the original text, or the base64 of the original bytes (`encoding`). */
  value: string;
  encoding: 'text' | 'base64';
  /** Set when this dead letter cannot be sent back, and why. */
  notRedrivable?: string;
  /** The dead letter this one came from, when it was a redriven record refused again. */
  redriveOf?: string;
}

export interface RedriveResult {
  redriven: { partition: number; offset: number; to: string }[];
  refused: { partition: number; offset: number; why: string }[];
}

/** Longest a read of a DLQ may take to reach the end it saw when it started. */
const READ_TIMEOUT_MS = 15_000;

/** The newest `limit` dead letters of `dlqTopic`, oldest first (across partitions by partition, then offset). */
export async function readDeadLetters(client: LogClient, admin: TopicAdmin, dlqTopic: string, limit: number): Promise<DeadLetter[]> {
  const records = await readToEnd(client, admin, dlqTopic, limit);
  return records.map(toDeadLetter);
}

/**
 * Sends the dead letters at `positions` of `dlqTopic` back to their source topics: original key
 * and value (bytes again when they were stored as base64), original headers, and REDRIVE_HEADER.
 * Refused, with the reason: positions that hold no dead letter, and dead letters that cannot be
 * replayed faithfully (see `whyNotRedrivable`). A source event sent back twice is applied once
 * when its id is still in its entity's dedup window (the last 8 events of that entity).
 */
export async function redriveDeadLetters(client: LogClient, admin: TopicAdmin, dlqTopic: string, positions: readonly { partition: number; offset: number }[]): Promise<RedriveResult> {
  const wanted = new Set(positions.map((p) => `${p.partition}:${p.offset}`));
  const found = new Map<string, TailRecord>();
  for (const r of await readToEnd(client, admin, dlqTopic, Number.POSITIVE_INFINITY, (r) => wanted.has(`${r.partition}:${r.offset}`))) found.set(`${r.partition}:${r.offset}`, r);
  const result: RedriveResult = { redriven: [], refused: [] };
  const out: OutgoingRecord[] = [];
  for (const p of positions) {
    const r = found.get(`${p.partition}:${p.offset}`);
    const d = r && toDeadLetter(r);
    if (!r || !d) result.refused.push({ ...p, why: `no dead letter at ${dlqTopic} partition ${p.partition} offset ${p.offset}` });
    else if (d.notRedrivable) result.refused.push({ ...p, why: d.notRedrivable });
    else {
      out.push({ topic: d.source.topic, key: d.key, value: d.encoding === 'base64' ? Buffer.from(d.value, 'base64') : d.value, headers: redriveHeaders(r, `${dlqTopic}:${p.partition}:${p.offset}`) });
      result.redriven.push({ ...p, to: d.source.topic });
    }
  }
  if (out.length === 0) return result;
  const sink = await client.sink();
  try {
    await sink.send(out); // one batch, in the order asked: acknowledged by the log before this returns
  } finally {
    await sink.disconnect();
  }
  return result;
}

/** Dead letters whose input was also parked with its quarantined entity (engine/shard/parked.ts). */
const PARKED_CODES: ReadonlySet<string> = new Set(['HANDLER_ERROR', 'QUARANTINED', 'UNSTORABLE']);

/** The dead letter's reason it cannot be sent back as the original record, if any. */
export function whyNotRedrivable(h: Record<string, string>, value: string): string | undefined {
  const source = h[DLQ_HEADERS.topic] ?? '';
  if (source === '') return 'it names no source topic (not a dead letter this engine wrote)';
  // An inbox record's origin sequence was passed when it was refused: sent again it would be
  // dropped as a duplicate, or applied out of its origin's order.
  if (source.endsWith('.inbox')) return 'an actor message (inbox record) cannot be replayed: its origin sequence has been passed';
  // Kept here for the record only: the input is parked with its quarantined entity, and applied
  // (once) when the entity is released; sent back too it would be parked twice.
  if (PARKED_CODES.has(h[DLQ_HEADERS.code] ?? '')) return 'it is parked with its quarantined entity: release the entity instead (POST /v1/admin/quarantine/release, actorstream quarantine release)';
  if (h[DLQ_HEADERS.keyEncoding] === 'base64' || h[DLQ_HEADERS.originalKeyLength] !== undefined) return 'its key was not kept as it was (not UTF-8, or cut)';
  const length = Number(h[DLQ_HEADERS.originalLength] ?? value.length);
  if (h[DLQ_HEADERS.valueEncoding] !== 'base64' && length > value.length) return `its value was cut to ${value.length} of ${length} characters`;
  return undefined;
}

function toDeadLetter(r: TailRecord): DeadLetter {
  const h = r.headers;
  const value = r.value ?? '';
  const d: DeadLetter = {
    partition: r.partition,
    offset: Number(r.offset),
    code: h[DLQ_HEADERS.code] ?? '',
    reason: h[DLQ_HEADERS.reason] ?? '',
    source: { topic: h[DLQ_HEADERS.topic] ?? '', partition: Number(h[DLQ_HEADERS.partition] ?? -1), offset: Number(h[DLQ_HEADERS.offset] ?? -1) },
    key: r.key ?? '',
    value,
    encoding: h[DLQ_HEADERS.valueEncoding] === 'base64' ? 'base64' : 'text',
  };
  const why = whyNotRedrivable(h, value);
  if (why) d.notRedrivable = why;
  if (h[REDRIVE_HEADER]) d.redriveOf = h[REDRIVE_HEADER];
  return d;
}

/** The original headers, without the DLQ's own, plus where the record comes back from. */
function redriveHeaders(r: TailRecord, from: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) if (!k.startsWith('x-dlq-') && k !== REDRIVE_HEADER) headers[k] = v;
  headers[REDRIVE_HEADER] = from;
  return headers;
}

/**
 * Reads `topic` from its beginning up to the end offsets it had when the read started, keeping
 * the last `keep` records that pass `accept`. A throwaway tail: no consumer group remembers it.
 */
async function readToEnd(client: LogClient, admin: TopicAdmin, topic: string, keep: number, accept: (r: TailRecord) => boolean = () => true): Promise<TailRecord[]> {
  const ends = (await admin.offsets(topic)).filter((o) => o.high > o.low);
  if (ends.length === 0) return [];
  const remaining = new Map(ends.map((o) => [o.partition, o.high]));
  const kept: TailRecord[] = [];
  let done!: () => void;
  const reached = new Promise<void>((resolve) => (done = resolve));
  const tail = await client.tail(topic, { from: 'beginning' }, (records) => {
    for (const r of records) {
      const end = remaining.get(r.partition);
      if (end === undefined || Number(r.offset) >= end) continue;
      if (accept(r)) {
        kept.push(r);
        if (kept.length > keep) kept.shift();
      }
      if (Number(r.offset) >= end - 1) remaining.delete(r.partition);
    }
    if (remaining.size === 0) done();
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`reading ${topic} did not reach its end within ${READ_TIMEOUT_MS / 1000} s`)), READ_TIMEOUT_MS);
    });
    await Promise.race([reached, timeout]);
  } finally {
    clearTimeout(timer);
    await tail.stop();
  }
  return kept.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}
