/**
 * The items of an ingest body: one JSON envelope, a JSON array of them, or NDJSON (one per line).
 * A body that is one JSON document is taken as such; otherwise it is read line by line, so a
 * malformed line fails alone (with its index) instead of failing the whole request.
 */
export type BodyItem = { index: number; value: unknown; bytes: number } | { index: number; error: string };

export function bodyItems(text: string, contentType: string | undefined): BodyItem[] {
  const ndjson = /ndjson|jsonlines|x-jsonl/i.test(contentType ?? '');
  if (!ndjson) {
    try {
      const doc = JSON.parse(text) as unknown;
      if (Array.isArray(doc)) return doc.map((value, index) => ({ index, value, bytes: jsonBytes(value) }));
      return [{ index: 0, value: doc, bytes: byteLength(text) }];
    } catch (e) {
      // Not one JSON document: NDJSON when it has several lines, else plainly malformed.
      if (!text.includes('\n')) return [{ index: 0, error: `malformed JSON: ${(e as Error).message}` }];
    }
  }
  const items: BodyItem[] = [];
  let index = 0;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    try {
      items.push({ index, value: JSON.parse(trimmed), bytes: byteLength(trimmed) });
    } catch (e) {
      items.push({ index, error: `malformed JSON on line ${index + 1}: ${(e as Error).message}` });
    }
    index++;
  }
  return items;
}

const encoder = new TextEncoder();
const byteLength = (s: string) => encoder.encode(s).byteLength;
const jsonBytes = (v: unknown) => byteLength(JSON.stringify(v) ?? '');
