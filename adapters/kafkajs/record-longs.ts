import Decoder from 'kafkajs/src/protocol/decoder.js';
import Long from 'kafkajs/src/utils/long.js';

/**
 * kafkajs 2.2.4 keeps 64-bit numbers in a BigInt-backed `Long`, and decoding each fetched record
 * builds a dozen of them: its timestamp delta is a varlong read with a Long addition and shift per
 * byte plus a zig-zag of four more, and its offset and timestamp are each the batch's first value
 * parsed from a decimal string again (`Long.fromValue(firstOffset)`) plus the delta. On the
 * processor's consumer thread that was ~14% of its samples in a 300k backlog run (issue #19).
 *
 * Two changes, both exact:
 * - `readVarLong` decodes a varlong of up to 7 bytes (49 bits, exact in a double) with numbers and
 *   builds one Long; a longer one goes the original way.
 * - `Long.fromString` remembers its last two answers: the record decoder asks for the same two
 *   strings (the batch's first offset and first timestamp) for every record of a batch. A Long is
 *   never changed once built (every operation returns a new one), so one can be shared.
 *
 * Idempotent; applied with the other kafkajs fixes (fixes.ts).
 */
export function fastKafkajsRecordLongs(): void {
  const proto = Decoder.prototype as DecoderInternals;
  if (proto[FAST]) return;
  const readVarLong = proto.readVarLong;
  proto.readVarLong = function (this: DecoderInternals) {
    return readShortVarLong(this) ?? readVarLong.call(this);
  };
  Long.fromString = rememberLastTwo(Long.fromString.bind(Long));
  proto[FAST] = true;
}

/** At most this many bytes of a varlong fit a double exactly (7 × 7 = 49 bits). */
const MAX_FAST_BYTES = 7;

/** The zig-zag varlong at the decoder's offset as a Long, advancing past it; undefined (nothing read) when it is longer than 7 bytes or runs past the buffer. */
function readShortVarLong(d: DecoderInternals): LongValue | undefined {
  const buf = d.buffer;
  let at = d.offset;
  let zigzag = 0;
  let scale = 1;
  for (let i = 0; i < MAX_FAST_BYTES; i++) {
    const byte = buf[at++];
    if (byte === undefined) return undefined;
    zigzag += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      d.offset = at;
      return Long.fromNumber(zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2);
    }
    scale *= 128;
  }
  return undefined;
}

function rememberLastTwo(fromString: (s: string) => LongValue): (s: string) => LongValue {
  // Nothing remembered yet: no argument is NONE, not even `undefined`, which kafkajs never passes but
  // which must still reach the original (and fail there).
  let a: string | typeof NONE = NONE;
  let aLong: LongValue | undefined;
  let b: string | typeof NONE = NONE;
  let bLong: LongValue | undefined;
  return (s) => {
    if (s === a) return aLong!;
    if (s === b) return bLong!;
    const long = fromString(s);
    b = a;
    bLong = aLong;
    a = s;
    aLong = long;
    return long;
  };
}

const FAST = Symbol.for('actorstream.kafkajsRecordLongsFast');
const NONE = Symbol('nothing remembered');

type LongValue = InstanceType<typeof Long>;

/** What the change touches of kafkajs's (untyped, internal) Decoder. */
interface DecoderInternals {
  buffer: Uint8Array;
  offset: number;
  readVarLong(): LongValue;
  [FAST]?: true;
}
