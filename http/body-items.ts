/**
 * The items of an ingest body: one JSON envelope, a JSON array of them, or NDJSON (one per line).
 * A body that is one JSON document is taken as such; otherwise it is read line by line, so a
 * malformed line fails alone (with its index) instead of failing the whole request.
 *
 * The item count is bounded BEFORE anything is parsed: a 16 MiB `[1,1,1,…]` holds eight million
 * items, and parsing them (let alone answering for each) costs gigabytes. A cheap scan counts the
 * top-level items and stops at `maxItems + 1`.
 */
export type BodyItem = { index: number; value: unknown; bytes: number } | { index: number; error: string };
export type BodyItems = { items: BodyItem[] } | { tooMany: true; maxItems: number };

export function bodyItems(text: string, ndjson: boolean, maxItems = Infinity): BodyItems {
  if (!ndjson) {
    const first = firstNonSpace(text);
    if (text[first] === '[' && countArrayItems(text, first, maxItems) > maxItems) return { tooMany: true, maxItems };
    try {
      const doc = JSON.parse(text) as unknown;
      if (Array.isArray(doc)) return { items: doc.map((value, index) => ({ index, value, bytes: jsonBytes(value) })) };
      return { items: [{ index: 0, value: doc, bytes: byteLength(text) }] };
    } catch (e) {
      // Not one JSON document: NDJSON when it has several lines, else plainly malformed.
      if (!text.includes('\n')) return { items: [{ index: 0, error: `malformed JSON: ${(e as Error).message}` }] };
    }
  }
  if (countLines(text, maxItems) > maxItems) return { tooMany: true, maxItems };
  const items: BodyItem[] = [];
  let index = 0;
  for (const line of lines(text)) {
    try {
      items.push({ index, value: JSON.parse(line), bytes: byteLength(line) });
    } catch (e) {
      items.push({ index, error: `malformed JSON on line ${index + 1}: ${(e as Error).message}` });
    }
    index++;
  }
  return { items };
}

/**
 * Top-level elements of the JSON array opening at `start`, counted up to `stop + 1`. Tracks only
 * nesting depth and string state (with escapes); a malformed body is counted as best it can and
 * then fails in JSON.parse as before.
 */
export function countArrayItems(text: string, start: number, stop = Infinity): number {
  let depth = 0;
  let inString = false;
  let count = 0;
  let pending = false; // a value has started since the last top-level comma
  for (let i = start; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c /* \ */) i++;
      else if (ch === 0x22 /* " */) inString = false;
      continue;
    }
    if (ch === 0x22) {
      inString = true;
      if (depth === 1) pending = true;
    } else if (ch === 0x5b /* [ */ || ch === 0x7b /* { */) {
      if (depth === 1) pending = true;
      depth++;
    } else if (ch === 0x5d /* ] */ || ch === 0x7d /* } */) {
      depth--;
      if (depth === 0) return count + (pending ? 1 : 0);
    } else if (depth === 1) {
      if (ch === 0x2c /* , */) {
        count++;
        pending = false;
        if (count > stop) return count;
      } else if (ch > 0x20) pending = true;
    }
  }
  return count + (pending ? 1 : 0);
}

/** Non-blank lines, counted up to `stop + 1` without splitting the text. */
function countLines(text: string, stop: number): number {
  let n = 0;
  for (const _ of lines(text)) if (++n > stop) break;
  return n;
}

function* lines(text: string): Generator<string> {
  let from = 0;
  while (from <= text.length) {
    let to = text.indexOf('\n', from);
    if (to < 0) to = text.length;
    const trimmed = text.slice(from, to).trim();
    if (trimmed !== '') yield trimmed;
    from = to + 1;
  }
}

function firstNonSpace(text: string): number {
  let i = 0;
  while (i < text.length && text.charCodeAt(i) <= 0x20) i++;
  return i;
}

const encoder = new TextEncoder();
const byteLength = (s: string) => encoder.encode(s).byteLength;
const jsonBytes = (v: unknown) => byteLength(JSON.stringify(v) ?? '');
