import { FormatRegistry } from '@sinclair/typebox';

/**
 * String formats of the edge rules (see docs/domain-rules.md, "Edge rules"). Every string of an
 * event ends up in actor state, alert ids, dead-letter headers or an SSE `id:` line, and Postgres
 * refuses some strings JavaScript accepts (U+0000 in text and jsonb, lone surrogates in jsonb): one
 * such string would fail every checkpoint of its shard. So strings are refused at the edge, by the
 * same compiled schemas for the HTTP API and for records read from Kafka.
 */

/** `identifier`: ids, fingerprints, IP addresses: well-formed Unicode with no control character. */
export const IDENTIFIER_FORMAT = 'identifier';

/** `text`: free text (a reason, a page path): well-formed Unicode, no control character but tab and line breaks. */
export const TEXT_FORMAT = 'text';

// C0, DEL and C1 controls and the Unicode line/paragraph separators, which break line-based
// protocols (SSE, logs) as surely as a newline does.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// Free text may carry tab, LF and CR (a multi-line reason), never NUL or the other controls.
const TEXT_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** True when `s` is acceptable as an identifier (`isWellFormed`: no lone surrogate, so it survives UTF-8 and jsonb). */
export function isIdentifier(s: string): boolean {
  return !CONTROL.test(s) && s.isWellFormed();
}

/** True when `s` is acceptable as free text. */
export function isText(s: string): boolean {
  return !TEXT_CONTROL.test(s) && s.isWellFormed();
}

/** True when `s` is a valid entity key (the `EntityKey` schema: 1–128 printable ASCII characters without spaces). */
export function isEntityKey(s: string): boolean {
  return ENTITY_KEY.test(s);
}

const ENTITY_KEY = /^[\x21-\x7E]{1,128}$/;

FormatRegistry.Set(IDENTIFIER_FORMAT, isIdentifier);
FormatRegistry.Set(TEXT_FORMAT, isText);
