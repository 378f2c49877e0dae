import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, spawnInstance, type InstanceProcess } from './support/instance-process.ts';

/**
 * Issue 18, the HTTP edge (findings 2, 4, 6, 7 and the edge half of 5), against an embedded
 * instance (a real `actorstream run` process: in-process log, PGlite) configured with short
 * timeouts so the test stays fast. Each test first states what the finding was, then shows the
 * bounded behaviour. The SSE writer's handling of an alert id with a newline is shown in
 * http/alert-stream.test.ts (ids with control characters can no longer enter through ingest).
 */
const TOKENS = {
  main: 'main-token-0123456789abcdef',
  limited: 'limited-token-0123456789ab',
  slow: 'slow-token-0123456789abcdef',
};
const IDLE_SECONDS = 2;
const BODY_TIMEOUT_MS = 1500;
const MAX_IN_FLIGHT = 6;
const EVENTS_PER_SECOND = 100;

let instance: InstanceProcess;
let port: number;

const auth = (token = TOKENS.main) => ({ authorization: `Bearer ${token}` });
const json = { 'content-type': 'application/json' };
const post = (body: BodyInit, headers: Record<string, string> = { ...json, ...auth() }) => fetch(`${instance.url}/v1/events`, { method: 'POST', body, headers });
const get = (path: string, headers: Record<string, string> = auth()) => fetch(`${instance.url}${path}`, { headers });
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${instance.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
const stock = (id: string, sku: string, qty: number, ts = Date.now()) => ({ id, type: 'stock_received', v: 1, ts, data: { sku, qty } });

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostile-http-'));
  const config = join(dir, 'pipeline.yaml');
  writeFileSync(config, [
    'http:',
    `  idle_timeout_seconds: ${IDLE_SECONDS}`,
    `  body_read_timeout_ms: ${BODY_TIMEOUT_MS}`,
    `  max_in_flight: ${MAX_IN_FLIGHT}`,
    '  rate_limit:',
    `    events_per_second: ${EVENTS_PER_SECOND}`,
    '  tokens:',
    ...Object.entries(TOKENS).map(([name, token]) => `    - { name: ${name}, token: ${token}, scopes: [ingest, read] }`),
    'embedded:',
    '  generator_rate: 0',
  ].join('\n'));
  instance = await spawnInstance({ KAFKA_BROKERS: '', DATABASE_URL: '', PIPELINE_CONFIG: config, OWNER_ID: 'hostile-http' });
  port = Number(new URL(instance.url).port);
}, 120_000);

afterAll(() => instance?.kill('SIGKILL'));

describe('finding 2: one request cannot cost gigabytes', () => {
  test('a 16 MiB [1,1,1,…] body: 413 in well under a second, a tiny answer, RSS flat, /healthz responsive', async () => {
    // Before: 400 with a 1.14 GB rejection list after 38-83 s, RSS +6-8 GB, /healthz stalled 36 s.
    const body = `[${'1,'.repeat(8 * 1024 * 1024 - 2)}1]`;
    const before = rssMb();
    let slowestHealthz = 0;
    let done = false;
    const probe = (async () => {
      while (!done) {
        const t = performance.now();
        await fetch(`${instance.url}/healthz`);
        slowestHealthz = Math.max(slowestHealthz, performance.now() - t);
        await Bun.sleep(20);
      }
    })();
    const t0 = performance.now();
    const res = await post(body);
    const text = await res.text();
    const seconds = (performance.now() - t0) / 1000;
    done = true;
    await probe;
    const grew = rssMb() - before;
    console.log(`[hostile-http] 16 MiB body: ${res.status} in ${seconds.toFixed(2)} s, ${text.length} answer bytes, RSS +${grew.toFixed(0)} MB, slowest /healthz ${slowestHealthz.toFixed(0)} ms`);
    expect(res.status).toBe(413);
    expect(JSON.parse(text).code).toBe('TOO_MANY_ITEMS');
    expect(text.length).toBeLessThan(1000);
    expect(seconds).toBeLessThan(3);
    expect(grew).toBeLessThan(300);
    expect(slowestHealthz).toBeLessThan(1000);
  }, 30_000);

  test('10 000 invalid items: at most 100 listed, the total counted, the answer bounded', async () => {
    const res = await post(`[${'1,'.repeat(9_999)}1]`);
    const text = await res.text();
    const body = JSON.parse(text);
    expect(res.status).toBe(400);
    expect(body.rejected).toHaveLength(100);
    expect(body.rejectedCount).toBe(10_000);
    expect(text.length).toBeLessThan(64 * 1024);
    // Echoed ids are clipped: a 10 KB id comes back 64 characters and an ellipsis.
    const longId = await post(JSON.stringify([stock('x'.repeat(10_000), 'sku-long', 1)]));
    expect(JSON.stringify(await longId.json()).length).toBeLessThan(2000);
  });

  test('only JSON or NDJSON bodies (415 for text/plain and forms), invalid UTF-8 is 400, far-future ts refused', async () => {
    const event = JSON.stringify(stock('ct-1', 'sku-ct', 1));
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      expect({ type, status: (await post(event, { ...auth(), 'content-type': type })).status }).toEqual({ type, status: 415 });
    }
    expect((await post(event, { ...auth(), 'content-type': 'application/json; charset=utf-8' })).status).toBe(202);
    const badUtf8 = new Uint8Array([...new TextEncoder().encode('{"id":"'), 0xc3, 0x28, ...new TextEncoder().encode('"}')]);
    const r = await post(badUtf8);
    expect(r.status).toBe(400);
    expect((await r.json()).code).toBe('INVALID_UTF8');
    const future = await post(JSON.stringify(stock('future-1', 'sku-future', 1, 8.64e15)));
    expect(future.status).toBe(400);
    expect((await future.json()).rejected[0].error.code).toBe('FUTURE_TIMESTAMP');
  });
});

describe('finding 5 (edge): a retried ingest is answered as a duplicate and applied once', () => {
  test('the same stock_received five times: accepted once, four duplicates, onHand 7 not 35', async () => {
    const sku = `sku-retry-${Date.now()}`;
    const event = JSON.stringify(stock(`retry-${sku}`, sku, 7));
    const first = await (await post(event)).json();
    expect(first).toMatchObject({ accepted: 1, duplicateCount: 0 });
    for (let i = 0; i < 4; i++) {
      const again = await post(event);
      expect(again.status).toBe(202);
      expect(await again.json()).toEqual({ accepted: 0, rejected: [], rejectedCount: 0, duplicates: [{ index: 0, id: `retry-${sku}` }], duplicateCount: 1 });
    }
    // Within one request too.
    const twice = await (await post(JSON.stringify([stock(`twice-${sku}`, sku, 1), stock(`twice-${sku}`, sku, 1)]))).json();
    expect(twice).toMatchObject({ accepted: 1, duplicates: [{ index: 1, id: `twice-${sku}` }], duplicateCount: 1 });
    const state = await eventually(async () => {
      const q = await get(`/v1/skus/${sku}`);
      const body = q.status === 200 ? await q.json() : undefined;
      return body?.state.onHand === 8 ? body.state : undefined;
    }, 30_000, `${sku} to reach onHand 8`);
    expect(state.onHand).toBe(8);
  }, 40_000);
});

describe('finding 6: timeouts and limits', () => {
  test('idle keep-alive connections are closed after the idle timeout; an SSE stream is not', async () => {
    // Before: idleTimeout 0, 3000 idle keep-alive connections all still open after 60-90 s.
    const sockets = await Promise.all(Array.from({ length: 200 }, () => keptAlive(port)));
    const stream = await fetch(`${instance.url}/v1/alerts/stream?access_token=${TOKENS.main}`);
    const reader = stream.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('event: ready');
    const t0 = performance.now();
    await eventually(async () => (sockets.every((s) => s.closed) ? true : undefined), (IDLE_SECONDS + 8) * 1000, 'idle connections to close');
    const seconds = (performance.now() - t0) / 1000;
    console.log(`[hostile-http] 200 idle keep-alive connections closed within ${seconds.toFixed(1)} s (idle timeout ${IDLE_SECONDS} s)`);
    // The stream outlived the idle timeout: still open (a read is pending, not done).
    const outcome = await Promise.race([reader.read().then((r) => (r.done ? 'closed' : 'data')), Bun.sleep(500).then(() => 'open')]);
    expect(outcome).not.toBe('closed');
    await reader.cancel();
  }, 30_000);

  test('slow uploads are cut with 408; while they hold every slot, new requests get 503 + Retry-After and /healthz still answers', async () => {
    // Before: 200 one-byte-per-5-s uploads all still open after 60-90 s; no concurrency bound.
    const uploads = Array.from({ length: MAX_IN_FLIGHT }, () => slowUpload(port, TOKENS.slow));
    await Bun.sleep(300);
    const busy = await post(JSON.stringify(stock('busy-1', 'sku-busy', 1)));
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('1');
    expect((await fetch(`${instance.url}/healthz`)).status).toBe(200);
    const results = await Promise.all(uploads);
    console.log(`[hostile-http] slow uploads: ${results.map((r) => `${r.status} after ${(r.ms / 1000).toFixed(1)} s`).join(', ')}`);
    for (const r of results) {
      expect(r.status).toBe(408);
      expect(r.ms).toBeLessThan(BODY_TIMEOUT_MS + 3000);
      expect(r.closed).toBe(true);
    }
    expect((await post(JSON.stringify(stock('after-busy-1', 'sku-busy', 1)))).status).toBe(202);
  }, 30_000);

  test('over the per-token events budget: 429 with Retry-After; another token is unaffected', async () => {
    const batch = (p: string) => JSON.stringify(Array.from({ length: 60 }, (_, i) => stock(`${p}-${i}`, 'sku-rate', 1)));
    const limited = { ...json, ...auth(TOKENS.limited) };
    expect((await post(batch(`rl-a-${Date.now()}`), limited)).status).toBe(202);
    const refused = await post(batch(`rl-b-${Date.now()}`), limited);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await refused.json()).code).toBe('RATE_LIMITED');
    expect((await post(batch(`rl-c-${Date.now()}`))).status).toBe(202);
  });
});

describe('finding 7: malformed queries are 400s, never 500s or stack traces', () => {
  test('alert filters, cursors, resume ids, entity keys, query tokens', async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const bad = [
      '/v1/alerts?type=%00',
      '/v1/alerts?entity=user:%00',
      '/v1/alerts?since=99999999999999999999',
      '/v1/alerts?since=1e400',
      `/v1/alerts?cursor=${b64([1e300, 'a'])}`,
      `/v1/alerts?cursor=${b64([1, 2])}`,
      `/v1/alerts?cursor=${Buffer.from('[NaN,"a"]').toString('base64url')}`,
      '/v1/alerts/stream?lastEventId=%00',
      `/v1/alerts/stream?lastEventId=${'x'.repeat(10_000)}`,
      '/v1/users/%00',
    ];
    for (const path of bad) {
      const r = await get(path);
      const text = await r.text();
      expect({ path: path.slice(0, 60), status: r.status }).toEqual({ path: path.slice(0, 60), status: 400 });
      expect(text.length).toBeLessThan(400);
    }
    const notFound = await get(`/v1/users/${'u'.repeat(10_000)}`);
    expect(notFound.status).toBe(404);
    expect((await notFound.text()).length).toBeLessThan(300);
    // The query token only on the exact SSE routes.
    expect((await fetch(`${instance.url}/v1/users/stream?access_token=${TOKENS.main}`)).status).toBe(401);
    expect(instance.output.join('')).not.toMatch(/\n\s+at /);
  });
});

/** A connection that made one keep-alive request and then idles; `closed` turns true when the server closes it. */
async function keptAlive(p: number): Promise<{ closed: boolean }> {
  const state = { closed: false };
  const socket: Socket = connect(p, '127.0.0.1');
  socket.on('close', () => (state.closed = true));
  socket.on('error', () => (state.closed = true));
  await new Promise<void>((resolve) => {
    socket.once('connect', () => socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`));
    socket.once('data', () => resolve());
  });
  return state;
}

/** A POST that declares 1000 bytes and sends one every 400 ms: its status, when it came, and whether the server closed the socket. */
function slowUpload(p: number, token: string): Promise<{ status: number; ms: number; closed: boolean }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const socket = connect(p, '127.0.0.1');
    let timer: ReturnType<typeof setInterval> | undefined;
    let status = 0;
    let ms = 0;
    const finish = (closed: boolean) => {
      clearInterval(timer);
      socket.destroy();
      resolve({ status, ms, closed });
    };
    socket.once('connect', () => {
      socket.write(`POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[`);
      timer = setInterval(() => socket.write('1'), 400);
    });
    socket.on('data', (d) => {
      status ||= Number(/^HTTP\/1\.1 (\d+)/.exec(d.toString())?.[1] ?? 0);
      ms ||= performance.now() - t0;
      // The server should close the connection after a 408; give it a moment.
      setTimeout(() => finish(socket.destroyed || socket.readyState === 'closed'), 1000);
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
  });
}
