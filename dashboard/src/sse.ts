/// <reference lib="dom" />
/**
 * An EventSource that stays connected. The browser retries a dropped connection by itself, but it
 * gives up for good on a non-200 answer or a wrong content type (a proxy error page, an instance
 * restarting), and a half-dead connection behind a proxy can stay "open" without data: both are
 * handled here by reopening with backoff.
 */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting';

export interface LiveStreamOptions {
  url: string;
  /** Handlers by SSE event name. An `error` handler receives only the server's `event: error` messages. */
  events: Record<string, (e: MessageEvent<string>) => void>;
  onState?: (state: ConnectionState) => void;
  /** Called on every successful open; `reopened` is false the first time (a chance to resync after a gap). */
  onOpen?: (reopened: boolean) => void;
  /** Reopen when nothing arrived for this long; for streams that promise regular messages. */
  staleAfterMs?: number;
}

export interface LiveStream {
  close(): void;
  readonly state: ConnectionState;
}

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 10_000;

/**
 * @example
 * openLiveStream({ url: 'v1/dashboard/stream', events: { snapshot: (e) => show(JSON.parse(e.data)) }, staleAfterMs: 5000 });
 */
export function openLiveStream(opts: LiveStreamOptions): LiveStream {
  let source: EventSource | undefined;
  let state: ConnectionState = 'connecting';
  let opens = 0;
  let backoff = MIN_BACKOFF_MS;
  let lastMessageAt = Date.now();
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    opts.onState?.(next);
  };

  const connect = () => {
    retryTimer = undefined;
    lastMessageAt = Date.now();
    const es = new EventSource(opts.url);
    source = es;
    es.addEventListener('open', () => {
      backoff = MIN_BACKOFF_MS;
      lastMessageAt = Date.now();
      setState('open');
      opts.onOpen?.(opens++ > 0);
    });
    for (const [name, handler] of Object.entries(opts.events)) {
      if (name === 'error') continue;
      es.addEventListener(name, (e) => {
        lastMessageAt = Date.now();
        handler(e as MessageEvent<string>);
      });
    }
    es.addEventListener('error', (e) => {
      // The server's own `event: error` arrives as a MessageEvent with data; a failed connection as a plain Event.
      if (e instanceof MessageEvent && typeof e.data === 'string') {
        lastMessageAt = Date.now();
        opts.events.error?.(e as MessageEvent<string>);
        return;
      }
      if (es !== source) return;
      setState('reconnecting');
      if (es.readyState === EventSource.CLOSED) reopen();
    });
  };

  const reopen = () => {
    source?.close();
    source = undefined;
    if (closed || retryTimer !== undefined) return;
    setState('reconnecting');
    retryTimer = setTimeout(connect, backoff);
    backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
  };

  const watchdog = opts.staleAfterMs
    ? setInterval(() => {
        if (source && Date.now() - lastMessageAt > opts.staleAfterMs!) reopen();
      }, Math.max(250, Math.floor(opts.staleAfterMs / 4)))
    : undefined;

  connect();
  return {
    close() {
      closed = true;
      if (watchdog !== undefined) clearInterval(watchdog);
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      source?.close();
    },
    get state() {
      return state;
    },
  };
}
