import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { Envelope, MAX_EVENT_BYTES, type RawEnvelope } from './envelope.ts';
import { EventRejected, type ErrorCode, type Issue } from './errors.ts';
import type { DomainEvent } from './events.ts';
import { EVENT_SPECS, eventSpecOf, type EventSpec } from './registry.ts';
import './error-messages.ts';
import { shown, thrownMessage } from './thrown.ts';

/** The outcome of decoding one input: the event, upcast to its latest version, or why not. */
export type Decoded = { ok: true; event: DomainEvent } | { ok: false; error: EventRejected };

/** Bounds that depend on when and where an event is checked, not on the event alone. */
export interface DecodeLimits {
  /**
   * Latest accepted `ts` (epoch ms): the checker's reference time plus the allowed clock skew
   * (see DEFAULT_MAX_FUTURE_MS). The HTTP edge uses its clock; the engine a record's Kafka timestamp.
   */
  notAfter?: number;
}

/** At most this many issues are reported per event: enough to fix it, bounded for DLQ headers. */
const MAX_ISSUES = 8;

const envelopeCheck = TypeCompiler.Compile(Envelope);
const dataChecks = compileDataChecks();
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Validates a parsed JSON value as an event of the contract and upcasts it to the latest version
 * of its type. With `expectedKey` (the Kafka key, or the key an HTTP client routed by), the key
 * field of `data` must equal it.
 *
 * @example
 * const r = decodeEvent({ id: 'e1', type: 'stock_received', v: 1, ts: 0, data: { sku: 'A', qty: 3 } });
 * if (r.ok) r.event.type; // 'stock_received'
 */
export function decodeEvent(value: unknown, expectedKey?: string, limits?: DecodeLimits): Decoded {
  return decode(value, expectedKey, limits, false);
}

/** `owned`: `value` was parsed here, so its data may be cleaned in place instead of copied. */
function decode(value: unknown, expectedKey: string | undefined, limits: DecodeLimits | undefined, owned: boolean): Decoded {
  if (!envelopeCheck.Check(value)) return reject('INVALID_ENVELOPE', issuesOf(envelopeCheck, value, ''));
  const raw = value as RawEnvelope;
  const spec = eventSpecOf(raw.type);
  if (!spec) return reject('UNKNOWN_EVENT_TYPE', [{ path: '/type', message: `unknown event type '${raw.type}'` }]);
  const check = checksOf(raw.type, spec).get(raw.v);
  if (!check) {
    const known = Object.keys(spec.schemas).join(', ');
    return reject('UNSUPPORTED_VERSION', [
      { path: '/v', message: `version ${raw.v} of '${raw.type}' is not supported (supported: ${known})` },
    ]);
  }
  if (!check.Check(raw.data)) return reject('INVALID_DATA', issuesOf(check, raw.data, '/data'));
  const key = raw.data[spec.keyField];
  if (expectedKey !== undefined && key !== expectedKey) {
    return reject('KEY_MISMATCH', [
      { path: `/data/${spec.keyField}`, message: `'${String(key)}' does not match the record key '${expectedKey}'` },
    ]);
  }
  if (limits?.notAfter !== undefined && raw.ts > limits.notAfter) {
    return reject('FUTURE_TIMESTAMP', [
      { path: '/ts', message: `${raw.ts} is ${raw.ts - limits.notAfter} ms beyond the latest accepted event time (${limits.notAfter}); ts is epoch milliseconds of when the event happened` },
    ]);
  }
  // Unknown extra fields are tolerated on the wire (a newer producer may send them) but never
  // reach an actor: what an actor keeps (e.g. a deferred event in its state) must be only what the
  // schema vouched for, or an unvalidated string could reach a checkpoint. The caller's object is
  // left as it was sent.
  let data = Value.Clean(spec.schemas[raw.v]!, owned ? raw.data : Value.Clone(raw.data)) as Record<string, unknown>;
  if (raw.v < spec.latest) {
    const upcast = upcasted(raw.type, spec, raw.v, data, key);
    if ('rejected' in upcast) return upcast.rejected;
    data = upcast.data;
  }
  const event = { id: raw.id, type: raw.type, v: spec.latest, ts: raw.ts, data } as DomainEvent;
  return { ok: true, event };
}

/**
 * `data` of version `from` brought to the latest version by the event's upcasters (a user's own,
 * for a module's events), and checked against the latest schema, keyed as it was. An upcaster that
 * throws, returns what the latest schema refuses or changes the key is refused as INVALID_DATA with
 * the reason: it threw out of the shard's batch on every retry (one event stopped its partition),
 * and at the edge made a whole ingest answer 500; a changed key routed the event to a partition
 * whose shard then refused it (found by review).
 */
function upcasted(type: string, spec: EventSpec, from: number, data: Record<string, unknown>, key: unknown): { data: Record<string, unknown> } | { rejected: Decoded } {
  let v = from;
  try {
    for (; v < spec.latest; v++) data = spec.upcasters[v]!(data);
  } catch (e) {
    return { rejected: reject('INVALID_DATA', [{ path: '/v', message: `upcasting ${type} v${v} to v${v + 1} failed: ${thrownMessage(e)}` }]) };
  }
  const latest = checksOf(type, spec).get(spec.latest);
  if (latest && !latest.Check(data)) {
    return { rejected: reject('INVALID_DATA', issuesOf(latest, data, '/data').map((i) => ({ ...i, message: `${i.message} (after upcasting to v${spec.latest})` }))) };
  }
  if (data[spec.keyField] !== key) {
    return { rejected: reject('INVALID_DATA', [{ path: `/data/${spec.keyField}`, message: `upcasting to v${spec.latest} changed the key from '${String(key)}' to ${shown(data[spec.keyField])}` }]) };
  }
  // What the newest schema does not name never reaches an actor, as for events sent at the newest version.
  return { data: Value.Clean(spec.schemas[spec.latest]!, data) as Record<string, unknown> };
}

/**
 * Parses and decodes one serialized event (a Kafka value or one NDJSON line).
 * Oversize input and invalid UTF-8 or JSON are rejected with their own codes.
 */
export function parseEvent(input: string | Uint8Array, expectedKey?: string, limits?: DecodeLimits): Decoded {
  const size = typeof input === 'string' ? utf8ByteLength(input) : input.byteLength;
  if (size > MAX_EVENT_BYTES) {
    return reject('OVERSIZE', [{ path: '', message: `event is ${size} bytes; the limit is ${MAX_EVENT_BYTES}` }]);
  }
  let value: unknown;
  try {
    value = JSON.parse(typeof input === 'string' ? input : utf8.decode(input));
  } catch (e) {
    return reject('INVALID_JSON', [{ path: '', message: `not valid UTF-8 JSON: ${(e as Error).message}` }]);
  }
  return decode(value, expectedKey, limits, true);
}

/** The entity key of a decoded event (its Kafka key). */
export function keyOf(event: Pick<DomainEvent, 'data'> & { type: string }): string {
  return (event.data as unknown as Record<string, string>)[eventSpecOf(event.type)!.keyField]!;
}

function compileDataChecks(): Map<string, Map<number, TypeCheck<TSchema>>> {
  const checks = new Map<string, Map<number, TypeCheck<TSchema>>>();
  for (const [type, spec] of Object.entries(EVENT_SPECS)) checks.set(type, compileSpec(spec));
  return checks;
}

/** The compiled checks of a type's versions; a module's type is compiled on first use. */
function checksOf(type: string, spec: EventSpec): Map<number, TypeCheck<TSchema>> {
  let byVersion = dataChecks.get(type);
  if (!byVersion) dataChecks.set(type, (byVersion = compileSpec(spec)));
  return byVersion;
}

function compileSpec(spec: EventSpec): Map<number, TypeCheck<TSchema>> {
  const byVersion = new Map<number, TypeCheck<TSchema>>();
  for (const [v, schema] of Object.entries(spec.schemas)) byVersion.set(Number(v), TypeCompiler.Compile(schema));
  return byVersion;
}

function issuesOf(check: TypeCheck<TSchema>, value: unknown, prefix: string): Issue[] {
  const issues: Issue[] = [];
  const seen = new Set<string>();
  for (const error of check.Errors(value)) {
    // TypeBox reports both "is required" and "expected string" for one missing field; keep the first.
    if (seen.has(error.path)) continue;
    seen.add(error.path);
    issues.push({ path: prefix + error.path, message: error.message });
    if (issues.length === MAX_ISSUES) break;
  }
  return issues;
}

function reject(code: ErrorCode, issues: Issue[]): Decoded {
  return { ok: false, error: new EventRejected(code, issues) };
}

function utf8ByteLength(s: string): number {
  // Cheap upper bound first: most events are far below the limit, so skip the exact count.
  if (s.length * 3 <= MAX_EVENT_BYTES) return s.length;
  return new TextEncoder().encode(s).byteLength;
}
