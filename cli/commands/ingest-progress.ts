/**
 * Progress of `actorstream ingest`, on stderr (stdout stays free for pipes): a bar on a terminal —
 * by bytes when the input is a file, a running count for stdin — and a line every 5 s otherwise
 * (logs, CI). Same look as `actorstream generate`.
 */
import { Presets, SingleBar } from 'cli-progress';
import { duration, fmt } from '../../generator/summary.ts';

export interface IngestCounts {
  produced: number;
  rejected: number;
  bytesRead: number;
  elapsedMs: number;
}

export interface IngestProgress {
  update(c: IngestCounts): void;
  /** Prints a line above the bar (a rejected input line) without garbling it. */
  note(line: string): void;
  stop(): void;
}

export function createIngestProgress(totalBytes: number | undefined, verb: string): IngestProgress {
  if (process.stderr.isTTY) {
    const format = totalBytes
      ? `{bar} {percentage}% | {events} ${verb}, {rejected} rejected | {speed} ev/s | eta {eta_formatted}`
      : `{events} ${verb}, {rejected} rejected | {speed} ev/s | {elapsed}`;
    const bar = new SingleBar({ format, stream: process.stderr, hideCursor: true, fps: 5 }, Presets.shades_classic);
    bar.start(totalBytes ?? 0, 0, { events: '0', rejected: '0', speed: '0', elapsed: '0s' });
    return {
      update: (c) =>
        bar.update(c.bytesRead, {
          events: fmt(c.produced),
          rejected: fmt(c.rejected),
          speed: fmt(Math.round(c.elapsedMs > 0 ? (c.produced * 1000) / c.elapsedMs : 0)),
          elapsed: duration(c.elapsedMs),
        }),
      // Clear the bar's line, print, and let the next update draw the bar below.
      note: (line) => process.stderr.write(`\r\x1b[K${line}\n`),
      stop: () => bar.stop(),
    };
  }
  let lastLog = 0;
  return {
    update(c) {
      if (c.elapsedMs - lastLog < 5_000) return;
      lastLog = c.elapsedMs;
      const share = totalBytes ? ` (${((100 * c.bytesRead) / totalBytes).toFixed(0)}%)` : '';
      process.stderr.write(`ingest: ${fmt(c.produced)} ${verb}, ${fmt(c.rejected)} rejected${share}\n`);
    },
    note: (line) => process.stderr.write(`${line}\n`),
    stop: () => {},
  };
}
