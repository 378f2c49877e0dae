import { Buffer } from 'node:buffer';
import { dlqTopicOf, type ErrorCode } from '../../schemas/index.ts';
import { DLQ_HEADERS, type SourceRecord } from './records.ts';
import type { ShardDelta } from './shard.ts';

type OutboxRow = ShardDelta['outbox'][number];

/** Dead-letter values are cut to this many characters (the largest valid event is 64 KiB). */
const MAX_DEAD_LETTER_CHARS = 64 * 1024;
/** Reasons are cut to this many characters. */
export const MAX_REASON_CHARS = 2000;
/** A dead letter's key is cut to this many characters (an entity key is at most 128). */
const MAX_KEY_CHARS = 1024;
/** Copied headers: at most this many, names and values cut, so no dead letter outgrows a Kafka request. */
const MAX_HEADERS = 32;
const MAX_HEADER_NAME_CHARS = 256;
const MAX_HEADER_CHARS = 1024;

/**
 * The outbox row that sends `r` to its topic's dead-letter topic with the reason in headers.
 *
 * A dead letter is the one output built from input nobody validated, so it is made storable here:
 * the checkpoint writes it as Postgres text/jsonb, which refuse U+0000 and lone surrogates, and a
 * refused row would fail the shard's checkpoint on every retry. A key or value that Postgres
 * cannot hold (or that was not UTF-8 at all) travels as the base64 of its bytes, marked by a
 * header; header values are cleaned; the reason is cut. Nothing of the original is lost.
 */
export function deadLetterRow(r: SourceRecord, code: ErrorCode, reason: string): OutboxRow {
  const value = encodeField(r, 'value', r.value ?? '');
  const key = encodeField(r, 'key', r.key ?? '');
  const headers: Record<string, string> = {};
  for (const [name, v] of Object.entries(r.headers).slice(0, MAX_HEADERS)) {
    if (isStorable(name) && name.length <= MAX_HEADER_NAME_CHARS) headers[name] = storableClip(v, MAX_HEADER_CHARS);
  }
  Object.assign(headers, {
    [DLQ_HEADERS.originalLength]: String(r.value?.length ?? 0),
    [DLQ_HEADERS.code]: code,
    [DLQ_HEADERS.reason]: storableClip(reason, MAX_REASON_CHARS),
    [DLQ_HEADERS.topic]: r.topic,
    [DLQ_HEADERS.partition]: String(r.partition),
    [DLQ_HEADERS.offset]: String(r.offset),
  });
  if (value.base64) headers[DLQ_HEADERS.valueEncoding] = 'base64';
  if (key.base64) headers[DLQ_HEADERS.keyEncoding] = 'base64';
  if (key.text.length > MAX_KEY_CHARS) headers[DLQ_HEADERS.originalKeyLength] = String(key.text.length);
  // Bounded, so a burst of huge poison records can never make a relay batch exceed the broker's
  // message size and wedge the outbox; the original sizes stay in headers. (Cutting base64 or
  // well-formed text at a character boundary keeps it storable: `storableClip` mends a split pair.)
  return { topic: dlqTopicOf(r.topic), key: storableClip(key.text, MAX_KEY_CHARS), value: storableClip(value.text, MAX_DEAD_LETTER_CHARS), headers };
}

/** True when Postgres text and jsonb can hold `s` as it is. */
export function isStorable(s: string): boolean {
  return !s.includes('\u0000') && s.isWellFormed();
}

/** `s` with what Postgres cannot hold replaced (for reasons and headers: text meant for people). */
function storableText(s: string): string {
  return isStorable(s) ? s : s.replaceAll('\u0000', '\\u0000').toWellFormed();
}

/**
 * True when every string in `v` (a parsed JSON value) is storable; bounded depth, as JSON from our
 * relay is shallow. Every inbox message passes here: loops with no `Object.entries` pairs or
 * closures (those allocations were ~2% of shard apply in a Bun profile).
 */
export function isStorableValue(v: unknown, depth = 0): boolean {
  if (typeof v === 'string') return isStorable(v);
  if (v === null || typeof v !== 'object') return true;
  if (depth > 16) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!isStorableValue(v[i], depth + 1)) return false;
    return true;
  }
  const o = v as Record<string, unknown>;
  for (const k in o) if (Object.hasOwn(o, k) && (!isStorable(k) || !isStorableValue(o[k], depth + 1))) return false;
  return true;
}

/** `s` cut to `max` characters and made storable: a surrogate pair split by the cut becomes U+FFFD. */
export function storableClip(s: string, max: number): string {
  return storableText(s.length > max ? s.slice(0, max) : s);
}

function encodeField(r: SourceRecord, field: 'key' | 'value', text: string): { text: string; base64: boolean } {
  const raw = r.malformed?.[field];
  if (raw !== undefined) return { text: raw, base64: true };
  if (isStorable(text)) return { text, base64: false };
  return { text: Buffer.from(text, 'utf8').toString('base64'), base64: true };
}
