import type { Alert } from '../schemas/index.ts';
import type { AlertFeed } from '../sinks/alert-feed.ts';
import { clip } from './clip.ts';

/**
 * The loop behind GET /v1/alerts/stream, written so that one alert can never end a stream: an
 * alert whose id cannot be an SSE `id:` line (CR, LF or NUL in it, or absurdly long) is sent
 * without one, and an alert that cannot be written at all is skipped and logged once, without a
 * stack. Before this, Hono's writeSSE threw on a newline in an id, and since every subscriber
 * receives every alert, one such alert disconnected them all, again on every reconnect.
 */

/** The part of Hono's SSEStreamingApi the loop uses (a fake in tests). */
export interface SseSink {
  writeSSE(message: { event?: string; id?: string; data: string; retry?: number }): Promise<void>;
  write(text: string): Promise<unknown>;
  readonly aborted: boolean;
  onAbort(listener: () => void): void;
}

export interface AlertStreamOptions {
  /** The client's Last-Event-ID, already validated (resumeId). */
  lastId?: string;
  /** Alerts after `id` from the store, oldest first; undefined when the store does not know `id`. */
  missedFromStore(id: string): Promise<Alert[] | undefined>;
  keepAliveMs?: number;
  log?: (line: string) => void;
}

const MAX_SSE_ID_CHARS = 512;
/**
 * Alerts waiting for a subscriber that does not read: beyond this the stream ends with a `lagged`
 * event, and the client resumes with Last-Event-ID, so one stalled client cannot grow memory.
 */
const MAX_QUEUED_ALERTS = 10_000;

export async function streamAlerts(stream: SseSink, feed: AlertFeed, opts: AlertStreamOptions): Promise<void> {
  const log = opts.log ?? (() => {});
  const queue: Alert[] = [];
  let wake: (() => void) | undefined;
  let lagged = false;
  const unsubscribe = feed.subscribe((a) => {
    if (queue.length >= MAX_QUEUED_ALERTS) lagged = true;
    else queue.push(a);
    wake?.();
  });
  stream.onAbort(() => {
    unsubscribe();
    wake?.();
  });
  try {
    const seen = new Set<string>();
    // Unknown to the feed and the store (pushed out, or never ours): the client is told it did
    // not resume, so it can reload the list, instead of waiting forever for what it missed.
    let resumed: boolean | undefined;
    if (opts.lastId !== undefined) {
      const missed = feed.since(opts.lastId) ?? (await opts.missedFromStore(opts.lastId));
      resumed = missed !== undefined;
      for (const a of missed ?? []) {
        seen.add(a.id);
        if (!(await writeAlert(stream, a, log))) return;
      }
    }
    await stream.writeSSE({ event: 'ready', data: JSON.stringify({ live: true, ...(resumed === undefined ? {} : { resumed }) }) });
    while (!stream.aborted) {
      if (lagged) {
        await stream.writeSSE({ event: 'lagged', data: JSON.stringify({ queued: MAX_QUEUED_ALERTS, resume: 'reconnect with Last-Event-ID' }) });
        return;
      }
      while (queue.length > 0) {
        const a = queue.shift()!;
        if (seen.delete(a.id)) continue;
        if (!(await writeAlert(stream, a, log))) return;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, opts.keepAliveMs ?? 15_000);
      });
      clearTimeout(timer);
      wake = undefined;
      if (queue.length === 0 && !stream.aborted) await stream.write(': keep-alive\n\n');
    }
  } finally {
    unsubscribe();
  }
}

/** Writes one alert; false only when the stream itself is gone (the loop ends). */
export async function writeAlert(stream: SseSink, alert: Alert, log: (line: string) => void): Promise<boolean> {
  let data: string;
  try {
    data = JSON.stringify(alert);
  } catch (e) {
    log(`[sse] skipped alert ${clip(String(alert?.id))}: not serializable (${(e as Error).message})`);
    return true;
  }
  const id = sseId(alert.id);
  try {
    await stream.writeSSE(id === undefined ? { event: 'alert', data } : { event: 'alert', id, data });
    return true;
  } catch (e) {
    if (stream.aborted) return false;
    log(`[sse] skipped alert ${clip(JSON.stringify(alert.id) ?? '')}: ${(e as Error).message}`);
    return true;
  }
}

/** The alert id as an SSE `id:` value, or undefined when it cannot be one (the event goes without). */
export function sseId(id: unknown): string | undefined {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_SSE_ID_CHARS || /[\r\n\u0000]/.test(id)) return undefined;
  return id;
}
