/**
 * The reading half of `actorstream ingest`: NDJSON lines from a file or stdin, each validated
 * exactly as POST /v1/events validates a body item (schemas/ parseEvent), turned into the record
 * the HTTP ingest would produce: the envelope as the client wrote it (the processor upcasts),
 * keyed by its entity key, to the topic of its type. Kept apart from Kafka so it can be used (and
 * read) on its own, e.g. by `--dry-run`.
 */
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { sourceTopicName, type TopicNames } from '../../engine/topic-names.ts';
import { keyOf, parseEvent, topicOf } from '../../schemas/index.ts';
import { UsageError } from './command-support.ts';

/** One non-blank input line: a record to produce, or why it was refused. */
export type IngestLine =
  | { ok: true; line: number; bytesRead: number; record: { topic: string; key: string; value: string } }
  | { ok: false; line: number; bytesRead: number; code: string; message: string };

export interface NdjsonSource {
  /** Where the lines come from, for messages: the path or 'stdin'. */
  name: string;
  /** Total bytes when known (a regular file), for a progress bar with an end. */
  totalBytes?: number;
  lines: AsyncIterable<IngestLine>;
}

/**
 * Opens `file` (`-` or undefined: stdin). A path that cannot be read is a UsageError (exit 2):
 * it is a wrong argument, and nothing has been produced yet.
 *
 * @example for await (const l of openNdjson('events.ndjson', topicNames()).lines) if (!l.ok) console.error(l.line, l.message);
 */
export function openNdjson(file: string | undefined, topics: TopicNames): NdjsonSource {
  if (file === undefined || file === '-') return { name: 'stdin', lines: validate(process.stdin, topics) };
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  return { name: file, totalBytes: size, lines: validate(createReadStream(file), topics) };
}

async function* validate(input: Readable, topics: TopicNames): AsyncGenerator<IngestLine> {
  const rl = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  let bytesRead = 0;
  for await (const raw of rl) {
    line++;
    // Byte count for the progress bar only: UTF-16 length is close enough and costs nothing.
    bytesRead += raw.length + 1;
    const text = (line === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
    if (text === '') continue; // blank lines (a trailing newline, spacing) are not events
    const decoded = parseEvent(text);
    if (!decoded.ok) {
      yield { ok: false, line, bytesRead, code: decoded.error.code, message: decoded.error.message };
      continue;
    }
    const event = decoded.event;
    yield { ok: true, line, bytesRead, record: { topic: sourceTopicName(topics, topicOf(event.type)), key: keyOf(event), value: text } };
  }
}
