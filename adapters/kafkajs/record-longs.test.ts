import { describe, expect, test } from 'bun:test';
import Decoder from 'kafkajs/src/protocol/decoder.js';
import Encoder from 'kafkajs/src/protocol/encoder.js';
import Long from 'kafkajs/src/utils/long.js';
import RecordBatchCodec from 'kafkajs/src/protocol/recordBatch/v0/index.js';
import Record from 'kafkajs/src/protocol/recordBatch/record/v0/index.js';
import decodeRecordBatch from 'kafkajs/src/protocol/recordBatch/v0/decoder.js';
import { createRequire } from 'node:module';
import { fastKafkajsRecordLongs } from './record-longs.ts';

fastKafkajsRecordLongs();

/** Values around every length a zig-zag varlong can have, both signs, and the int64 extremes. */
function interesting(): bigint[] {
  const out = new Set<bigint>([0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n)]);
  for (let bits = 1n; bits <= 63n; bits++) {
    for (const d of [-1n, 0n, 1n]) {
      const v = 2n ** bits + d;
      if (v < 2n ** 63n) out.add(v);
      if (-v >= -(2n ** 63n)) out.add(-v);
    }
  }
  let seed = 7n;
  for (let i = 0; i < 2000; i++) {
    seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
    out.add(BigInt.asIntN(64, seed) >> BigInt(i % 64));
  }
  return [...out];
}

describe("kafkajs's record longs, decoded with numbers", () => {
  test('every varlong reads back as the value written, and the next field is where it should be', () => {
    for (const v of interesting()) {
      const encoded = new Encoder().writeVarLong(new Long(v)).writeInt32(12345).buffer;
      const d = new Decoder(encoded) as unknown as { readVarLong(): { toString(): string }; readInt32(): number };
      expect(d.readVarLong().toString()).toBe(v.toString());
      expect(d.readInt32()).toBe(12345);
    }
  });

  test("a batch's records decode to the offsets and timestamps they were written with", async () => {
    const firstTimestamp = 1_800_000_000_000;
    const deltas = [0, 1, 127, 128, 60_000, 2 ** 40, -5, -(2 ** 30)];
    const records = deltas.map((delta, i) => Record({ offsetDelta: i, timestampDelta: delta, key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) }));
    const bytes = (await RecordBatchCodec.RecordBatch({ firstOffset: Long.fromValue('9007199254740000'), firstTimestamp, maxTimestamp: firstTimestamp, lastOffsetDelta: deltas.length - 1, records })).buffer;
    const batch = await decodeRecordBatch(new Decoder(bytes));
    expect(batch.records.map((r: { offset: string }) => r.offset)).toEqual(deltas.map((_, i) => String(9007199254740000n + BigInt(i))));
    expect(batch.records.map((r: { timestamp: string }) => r.timestamp)).toEqual(deltas.map((d) => String(firstTimestamp + d)));
    expect(batch.records.map((r: { value: Buffer }) => r.value.toString())).toEqual(deltas.map((_, i) => `v${i}`));
  });

  test('Long.fromString answers the same two strings asked in turn from memory, and a third as before', () => {
    const a = Long.fromString('1800000000000');
    const b = Long.fromString('42');
    expect(Long.fromString('1800000000000')).toBe(a);
    expect(Long.fromString('42')).toBe(b);
    const c = Long.fromValue('-9223372036854775808');
    expect(c.toString()).toBe('-9223372036854775808');
    expect(Long.fromString('42')).toBe(b);
    expect(() => Long.fromString('')).toThrow();
    expect(Long.fromString('NaN').toString()).toBe('0');
  });

  test('a varlong cut off by the end of the buffer reads as it did before the change', () => {
    // kafkajs reads past the end as zero bits; the fast path leaves such a read to the original.
    const full = new Encoder().writeVarLong(new Long(-123456789012n)).buffer;
    const cut = full.subarray(0, 3);
    const d = new Decoder(cut) as unknown as { readVarLong(): { toString(): string }; offset: number };
    const v = d.readVarLong().toString();
    let expected = 0n;
    for (let i = 0; i < 4; i++) expected |= BigInt((cut[i] ?? 0) & 0x7f) << BigInt(7 * i);
    expect(v).toBe(String((expected >> 1n) ^ -(expected & 1n)));
    expect(d.offset).toBe(4);
  });

  test("kafkajs's own modules get the changed classes (one copy of each is loaded)", () => {
    const fromRecordDecoder = createRequire(require.resolve('kafkajs/src/protocol/recordBatch/record/v0/decoder.js'));
    expect(fromRecordDecoder('../../../../utils/long')).toBe(Long);
    expect(fromRecordDecoder('../../../decoder')).toBe(Decoder);
  });

  test('Long.fromString of something not a string still fails as before, even first', () => {
    expect(() => (Long.fromString as (s: unknown) => unknown)(undefined)).toThrow();
  });

  test('applying it twice changes nothing', () => {
    const read = (Decoder.prototype as { readVarLong: unknown }).readVarLong;
    const fromString = Long.fromString;
    fastKafkajsRecordLongs();
    expect((Decoder.prototype as { readVarLong: unknown }).readVarLong).toBe(read);
    expect(Long.fromString).toBe(fromString);
  });
});
