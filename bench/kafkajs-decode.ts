/**
 * What kafkajs spends decoding fetched records, with and without this project's change to its
 * record longs (adapters/kafkajs/record-longs.ts): a record batch shaped like the bench's
 * (10,000 events, JSON values of ~200 bytes, a timestamp a few ms apart), decoded again and again.
 *   bun bench/kafkajs-decode.ts [fixed|original] [rounds=40]
 *   deno run -A bench/kafkajs-decode.ts [fixed|original]
 * Prints µs per record (median of the rounds after a warm-up). Run both modes in turn, in separate
 * processes (the change cannot be undone in one).
 */
import Decoder from 'kafkajs/src/protocol/decoder.js';
import Long from 'kafkajs/src/utils/long.js';
import RecordBatchCodec from 'kafkajs/src/protocol/recordBatch/v0/index.js';
import Record from 'kafkajs/src/protocol/recordBatch/record/v0/index.js';
import decodeRecordBatch from 'kafkajs/src/protocol/recordBatch/v0/decoder.js';
import { Buffer } from 'node:buffer';
import { fastKafkajsRecordLongs } from '../adapters/kafkajs/record-longs.ts';
import { runtimeName } from './runtime-info.ts';

const mode = process.argv[2] ?? 'fixed';
const rounds = Number(process.argv[3] ?? 40);
if (mode === 'fixed') fastKafkajsRecordLongs();

const N = 10_000;
const first = 1_800_000_000_000;
const records = Array.from({ length: N }, (_, i) => {
  const value = JSON.stringify({ id: `e-${i}`, type: 'page_viewed', v: 1, ts: first + i * 3, data: { userId: `u-${i % 5000}`, path: `/products/sku-${i % 1000}`, referrer: 'https://example.com/search?q=shoes', device: 'mobile' } });
  return Record({ offsetDelta: i, timestampDelta: i * 3, key: Buffer.from(`u-${i % 5000}`), value: Buffer.from(value) });
});
const bytes = (await RecordBatchCodec.RecordBatch({ firstOffset: Long.fromValue('1234567'), firstTimestamp: first, maxTimestamp: first + N * 3, lastOffsetDelta: N - 1, records })).buffer;

const perRecordUs: number[] = [];
for (let r = 0; r < rounds; r++) {
  const t0 = performance.now();
  const batch = await decodeRecordBatch(new Decoder(bytes));
  const dt = performance.now() - t0;
  if (batch.records.length !== N || batch.records[N - 1].offset !== String(1234567 + N - 1)) throw new Error('decoded wrong');
  if (r >= rounds / 4) perRecordUs.push((dt * 1000) / N);
}
perRecordUs.sort((a, b) => a - b);
const med = perRecordUs[perRecordUs.length >> 1]!;
console.log(`${runtimeName()} ${mode}: ${med.toFixed(2)} µs per record (${perRecordUs[0]!.toFixed(2)}–${perRecordUs.at(-1)!.toFixed(2)}), ${N} records × ${perRecordUs.length} rounds`);
