import type { Writable } from 'node:stream';
import type { WriteOptions, WriteResult } from './record-writer.ts';
import { batchSizeFor, createPacer } from './pacer.ts';
import { takeBatch, type KafkaRecord } from './records.ts';

/**
 * Writes record values as NDJSON (one envelope per line) to a stream — a file, or stdout to pipe
 * into `POST /v1/events` — with the same batching, pacing and progress as `writeRecords`.
 * Keys are not written: NDJSON carries values only, so key-mismatch poison becomes a valid line.
 * Waits for 'drain' when the stream is full, so a slow consumer never makes memory grow. A stream
 * error (e.g. EPIPE when the reader of stdout went away) stops the writer and is thrown.
 *
 * @example await writeNdjson(withPoison(gen, { seed: 1, invalidRate: 0 }), process.stdout);
 */
export async function writeNdjson(records: Iterable<KafkaRecord>, out: Writable, opts: WriteOptions = {}): Promise<WriteResult> {
  const batchSize = batchSizeFor(opts.rate ?? 0, opts.batchSize ?? 2_000);
  const pacer = createPacer(opts.rate ?? 0, opts.signal);
  const byTopic: Record<string, number> = {};
  const iterator = records[Symbol.iterator]();
  let sent = 0;
  let poison = 0;
  let exhausted = false;
  let failure: Error | undefined;
  const onError = (e: Error) => void (failure ??= e);
  const progress = () => {
    const elapsedMs = pacer.elapsedMs();
    return { sent, poison, elapsedMs, rate: elapsedMs > 0 ? (sent * 1000) / elapsedMs : 0 };
  };

  out.on('error', onError);
  try {
    while (!exhausted && !opts.signal?.aborted && !failure) {
      const batch = takeBatch(iterator, batchSize);
      exhausted = batch.exhausted;
      const n = batch.records.length;
      let chunk = '';
      for (const record of batch.records) {
        chunk += record.value + '\n';
        byTopic[record.topic] = (byTopic[record.topic] ?? 0) + 1;
        if (record.poison) poison++;
      }
      if (n === 0) break;
      await pacer.wait(sent);
      if (!out.write(chunk)) await drained(out);
      sent += n;
      opts.onProgress?.(progress());
    }
  } finally {
    out.off('error', onError);
  }
  if (failure) throw failure;
  return { ...progress(), byTopic, aborted: !exhausted };
}

/** Resolves once the stream can take more, or has failed or closed (the error listener keeps why). */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done).off('error', done).off('close', done);
      resolve();
    };
    out.once('drain', done).once('error', done).once('close', done);
  });
}
