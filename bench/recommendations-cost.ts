/**
 * What recommendations cost the actors (issue #14): the generator's realistic mix through the pure
 * driver with every built-in actor (analytics off, as the driver has no checkpoint), recommendations
 * on and off, in alternating rounds. Actor CPU only (events/s on one core): no Kafka, no Postgres,
 * no checkpoint writes — the extra dirty user states a product view now makes are not in it.
 *   bun bench/recommendations-cost.ts [events=300000] [rounds=4]
 */
import { buildActors } from '../actors/registry.ts';
import { createTestDriver } from '../actors/test-driver.ts';
import { generateEvents } from '../generator/index.ts';
import { decodeEvent, type DomainEvent } from '../schemas/index.ts';
import { runtimeName } from './runtime-info.ts';

const count = Number(process.argv[2] ?? 300_000);
const rounds = Number(process.argv[3] ?? 4);
const events: DomainEvent[] = generateEvents({ seed: 14, count, users: 20_000, skus: 1_000 }).events.map((e) => {
  const d = decodeEvent(e);
  if (!d.ok) throw d.error;
  return d.event;
});

const rates: Record<'on' | 'off', number[]> = { on: [], off: [] };
const sizes: Record<string, number> = {};
for (let round = 0; round < rounds; round++) {
  for (const mode of round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
    const driver = createTestDriver(buildActors({ analytics: false, recommendations: mode === 'on' }), { recordHistory: false });
    const t0 = performance.now();
    driver.pipe(events);
    rates[mode].push(events.length / ((performance.now() - t0) / 1000));
    if (round === 0) for (const t of ['user', 'sku_affinity']) sizes[`${mode} ${t}`] = mode === 'off' && t === 'sku_affinity' ? 0 : driver.states(t).size;
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`${runtimeName()}; ${count} events, ${rounds} rounds`);
for (const mode of ['off', 'on'] as const) console.log(`recommendations ${mode}: median ${Math.round(median(rates[mode])).toLocaleString('en-US')} events/s (${rates[mode].map((r) => Math.round(r)).join(', ')})`);
console.log(`entities: ${JSON.stringify(sizes)}`);
