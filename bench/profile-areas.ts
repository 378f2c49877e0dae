/**
 * Where a processor's main thread spends its time, by area of the engine (issue 19):
 *   bun bench/profile-areas.ts <file.cpuprofile> [more.cpuprofile …]
 * Reads Bun's `--cpu-prof` output (what `bun bench/run.ts --profile` writes) and puts each sample in
 * the first area, in the order of AREAS, that any frame of its stack belongs to — so kafkajs's
 * encoder called by the relay counts as the relay, postgres.js called by a checkpoint as the
 * checkpoint. Prints each area's share of the samples, largest first.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { areaShares, type CpuProfile } from './profile-area-rules.ts';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: bun bench/profile-areas.ts <file.cpuprofile> [more.cpuprofile …]');
  process.exit(2);
}
for (const file of files) {
  const all = areaShares(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  // Shares of the busy samples, as the README's tables give them; idle time is said apart.
  const busy = all.filter((s) => s.area !== 'idle');
  const total = busy.reduce((n, s) => n + s.samples, 0);
  const idle = all.find((s) => s.area === 'idle')?.samples ?? 0;
  console.log(`${basename(file)}: ${total.toLocaleString('en-US')} busy samples (${idle.toLocaleString('en-US')} idle)`);
  console.log(`  ${busy.map((s) => `${s.area} ${((100 * s.samples) / total).toFixed(1)}%`).join(' · ')}`);
}
