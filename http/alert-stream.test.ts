import { describe, expect, test } from 'bun:test';
import { streamSSE } from 'hono/streaming';
import { Hono } from 'hono';
import type { Alert } from '../schemas/index.ts';
import type { AlertFeed } from '../sinks/alert-feed.ts';
import { sseId, streamAlerts, writeAlert, type SseSink } from './alert-stream.ts';

const alert = (id: string, extra: Partial<Alert> = {}): Alert =>
  ({ id, type: 'low_stock', entityType: 'sku', entityKey: 'sku-1', severity: 'low', ts: 1, detectedAt: 2, reasons: ['e-1'], details: {}, ...extra }) as unknown as Alert;

/** A feed whose alerts the test pushes; `since` knows what it was given. */
function fakeFeed(buffer: Alert[] = []) {
  const listeners = new Set<(a: Alert) => void>();
  const feed: AlertFeed = {
    subscribe: (l) => (listeners.add(l), () => listeners.delete(l)),
    since: (id) => {
      const i = buffer.findIndex((a) => a.id === id);
      return i < 0 ? undefined : buffer.slice(i + 1);
    },
    stop: async () => {},
  };
  return { feed, push: (a: Alert) => listeners.forEach((l) => l(a)), subscribers: () => listeners.size };
}

/** Serves streamAlerts through Hono's real SSE writer, like the route. */
function server(feed: AlertFeed, lastId?: string, missed: Alert[] | undefined = undefined, log: string[] = []) {
  const app = new Hono();
  app.get('/s', (c) => streamSSE(c, (s) => streamAlerts(s, feed, { lastId, missedFromStore: async () => missed, keepAliveMs: 50, log: (l) => log.push(l) })));
  return app;
}

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, acc: { text: string }, pattern: RegExp) {
  while (!pattern.test(acc.text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended: ${acc.text}`);
    acc.text += new TextDecoder().decode(value);
  }
}

describe('SSE alert stream', () => {
  test('sseId: ids with CR, LF or NUL, empty or huge, go without an id line', () => {
    expect(sseId('al-1')).toBe('al-1');
    for (const bad of ['a\nb', 'a\rb', 'a\u0000b', '', 'x'.repeat(600), 42]) expect(sseId(bad)).toBeUndefined();
  });

  test('an alert whose id holds a newline is delivered without id, and every subscriber stays connected', async () => {
    const { feed, push, subscribers } = fakeFeed();
    const app = server(feed);
    const clients = await Promise.all([1, 2, 3].map(async () => {
      const res = await app.request('/s');
      return { reader: res.body!.getReader(), acc: { text: '' } };
    }));
    for (const c of clients) await readUntil(c.reader, c.acc, /event: ready/);
    expect(subscribers()).toBe(3);
    push(alert('evil\nid: forged\n\ndata: x'));
    push(alert('al-after'));
    for (const c of clients) {
      await readUntil(c.reader, c.acc, /id: al-after/);
      expect(c.acc.text).not.toMatch(/^id: forged/m);
      expect(c.acc.text).toContain('"id":"evil\\nid: forged\\n\\ndata: x"');
      // The bad alert's event has no id line: a reconnect resumes from the last good id.
      expect(c.acc.text).toMatch(/event: alert\ndata: \{"id":"evil[^\n]*\n\n/);
      await c.reader.cancel();
    }
  });

  test('an alert that cannot be written at all is skipped and logged without a stack; the stream goes on', async () => {
    const writes: string[] = [];
    const log: string[] = [];
    const sink: SseSink = {
      async writeSSE(m) {
        if (m.data.includes('boom')) throw new Error('writer failed');
        writes.push(m.id ?? '(no id)');
      },
      write: async () => {},
      aborted: false,
      onAbort: () => {},
    };
    expect(await writeAlert(sink, alert('boom'), (l) => log.push(l))).toBe(true);
    expect(await writeAlert(sink, alert('ok-1'), (l) => log.push(l))).toBe(true);
    const circular = alert('circ', { details: { summary: 'loop' } });
    (circular.details as Record<string, unknown>).self = circular;
    expect(await writeAlert(sink, circular, (l) => log.push(l))).toBe(true);
    expect(writes).toEqual(['ok-1']);
    expect(log).toHaveLength(2);
    expect(log.join('\n')).not.toContain('    at ');
  });

  test('resume: from the feed, then the store; an id neither knows says resumed: false (not a silent empty stream)', async () => {
    const buffered = [alert('a-1'), alert('a-2'), alert('a-3')];
    const { feed } = fakeFeed(buffered);
    const read = async (lastId: string, missed?: Alert[]) => {
      const res = await server(feed, lastId, missed).request('/s');
      const r = res.body!.getReader();
      const acc = { text: '' };
      await readUntil(r, acc, /event: ready\ndata: .*\n/);
      await r.cancel();
      return acc.text;
    };
    const fromFeed = await read('a-1');
    expect([...fromFeed.matchAll(/id: (\S+)/g)].map((m) => m[1])).toEqual(['a-2', 'a-3']);
    expect(fromFeed).toContain('"resumed":true');
    const fromStore = await read('old', [alert('s-1')]);
    expect([...fromStore.matchAll(/id: (\S+)/g)].map((m) => m[1])).toEqual(['s-1']);
    expect(await read('unknown')).toContain('"resumed":false');
  });
});
