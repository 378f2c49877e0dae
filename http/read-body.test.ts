import { describe, expect, test } from 'bun:test';
import { readBodyText } from './read-body.ts';

const post = (body: BodyInit, headers: Record<string, string> = {}) => new Request('http://x/v1/events', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

/** A body that yields `chunks` one by one, `gapMs` apart (a slow client). */
function trickle(chunks: string[], gapMs: number): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    async pull(controller) {
      if (i > 0) await new Promise((r) => setTimeout(r, gapMs));
      if (i === chunks.length) return controller.close();
      controller.enqueue(new TextEncoder().encode(chunks[i++]!));
    },
  });
}

describe('readBodyText', () => {
  test('reads UTF-8 text and its byte size', async () => {
    expect(await readBodyText(post('{"s":"é"}'), { maxBytes: 100, deadlineMs: 1000 })).toEqual({ ok: true, text: '{"s":"é"}', bytes: 10 });
  });

  test('invalid UTF-8 is 400 INVALID_UTF8, never replaced with U+FFFD', async () => {
    const r = await readBodyText(post(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])), { maxBytes: 100, deadlineMs: 1000 });
    expect(r).toMatchObject({ ok: false, status: 400, code: 'INVALID_UTF8' });
  });

  test('over the size limit: 413 from Content-Length without reading, or while reading a stream', async () => {
    expect(await readBodyText(post('x'.repeat(200)), { maxBytes: 100, deadlineMs: 1000 })).toMatchObject({ ok: false, status: 413 });
    const streamed = await readBodyText(post(trickle(['x'.repeat(60), 'x'.repeat(60)], 1)), { maxBytes: 100, deadlineMs: 1000 });
    expect(streamed).toMatchObject({ ok: false, status: 413, code: 'BODY_TOO_LARGE' });
  });

  test('a body that does not arrive within the deadline is 408 (a slow upload is cut)', async () => {
    const t0 = performance.now();
    const r = await readBodyText(post(trickle(['[', '1', ',', '2', ']'], 150)), { maxBytes: 100, deadlineMs: 300 });
    expect(r).toMatchObject({ ok: false, status: 408, code: 'BODY_TIMEOUT' });
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
