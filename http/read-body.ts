/**
 * Reads a request body as UTF-8 text within a size limit and a deadline. Hono's bodyLimit bounds
 * the size only; a client sending one byte every few seconds stays under any size limit and holds
 * a connection (and an in-flight slot) for as long as it likes, so the whole body must arrive
 * within `deadlineMs`. Invalid UTF-8 is refused, never replaced with U+FFFD: a replaced id would
 * be a different id than the client sent, and a retry could then never be recognised.
 */
export type BodyText =
  | { ok: true; text: string; bytes: number }
  | { ok: false; status: 400 | 408 | 413; code: 'INVALID_UTF8' | 'BODY_TIMEOUT' | 'BODY_TOO_LARGE'; message: string };

export async function readBodyText(req: Request, opts: { maxBytes: number; deadlineMs: number }): Promise<BodyText> {
  const tooLarge = { ok: false, status: 413, code: 'BODY_TOO_LARGE', message: `request body exceeds ${opts.maxBytes} bytes; send smaller batches` } as const;
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (declared > opts.maxBytes) return tooLarge;
  if (!req.body) return { ok: true, text: '', bytes: 0 };

  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), opts.deadlineMs)));
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), deadline]);
      if (next === 'timeout') {
        reader.cancel().catch(() => {});
        return { ok: false, status: 408, code: 'BODY_TIMEOUT', message: `the request body did not arrive within ${opts.deadlineMs} ms` };
      }
      if (next.done) break;
      size += next.value.byteLength;
      if (size > opts.maxBytes) {
        reader.cancel().catch(() => {});
        return tooLarge;
      }
      chunks.push(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  const bytes = concat(chunks, size);
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), bytes: size };
  } catch {
    return { ok: false, status: 400, code: 'INVALID_UTF8', message: 'the request body is not valid UTF-8; send JSON encoded as UTF-8' };
  }
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

