/**
 * What placing a key on its partition costs (issue 19): kafkajs's DefaultPartitioner, which emulates
 * 64-bit longs, against `partitionOf` (adapters/kafkajs/partitioner.ts), on keys shaped like the
 * generator's (SKUs, users, orders). Local delivery places every outbox row this way, the embedded
 * log every record.
 *   bun bench/partition-cost.ts [keys=100000] [rounds=5]
 * Prints ns per key, median (range) of the rounds, for each, interleaved.
 */
import { Partitioners } from 'kafkajs';
import { partitionOf } from '../adapters/kafkajs/partitioner.ts';

const keys = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 5);
const sample = Array.from({ length: keys }, (_, i) => (i % 3 === 0 ? `sku-${String(i % 1000).padStart(4, '0')}` : i % 3 === 1 ? `u-${String(i).padStart(6, '0')}` : `o-${i % 6}-${String(i).padStart(7, '0')}`));
const metadata = Array.from({ length: 6 }, (_, partitionId) => ({ partitionId, leader: 0 }));
const kafkajs = Partitioners.DefaultPartitioner();
const contenders: Record<string, (key: string) => number> = {
  'kafkajs DefaultPartitioner': (key) => kafkajs({ topic: 't', partitionMetadata: metadata as never, message: { key, value: null } }),
  partitionOf: (key) => partitionOf(key, 6),
};
const results: Record<string, number[]> = {};
let check = 0;
for (let r = 0; r < rounds; r++) {
  for (const [name, place] of Object.entries(contenders)) {
    const started = performance.now();
    for (const key of sample) check += place(key);
    (results[name] ??= []).push(((performance.now() - started) * 1e6) / keys);
  }
}
for (const [name, ns] of Object.entries(results)) {
  const sorted = [...ns].sort((a, b) => a - b);
  console.log(`${name}: ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ns per key (${sorted[0]!.toFixed(0)}–${sorted.at(-1)!.toFixed(0)})`);
}
if (check < 0) console.log(check); // keeps the loops from being optimised away
