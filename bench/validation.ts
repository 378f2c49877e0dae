/**
 * Validation rate of the event contract: how many small events per second one core checks.
 * Target (issue 2): ≥ 500k events/s for validation alone. Run: `bun bench/validation.ts`.
 * Measures decodeEvent on parsed objects (validation alone) and parseEvent on JSON strings
 * (JSON.parse + validation, what the runtime does per Kafka record), over a mix of all types.
 */
import { EVENT_TYPES, decodeEvent, parseEvent } from '../schemas/index.ts';
import { validEnvelope } from '../schemas/fixtures.ts';
import { runtimeName } from './runtime-info.ts';

const ROUNDS = 5;
const PER_ROUND = 1_000_000;

const objects = EVENT_TYPES.map((t, i) => validEnvelope(t, { id: `e-${i}` }));
const strings = objects.map((o) => JSON.stringify(o));

console.log(`runtime: ${runtimeName()}; ${objects.length} event types; ${ROUNDS} rounds × ${PER_ROUND} events`);
report('decodeEvent (validation alone)', () => {
  let ok = 0;
  for (let i = 0; i < PER_ROUND; i++) if (decodeEvent(objects[i % objects.length]).ok) ok++;
  return ok;
});
report('parseEvent (JSON.parse + validation)', () => {
  let ok = 0;
  for (let i = 0; i < PER_ROUND; i++) if (parseEvent(strings[i % strings.length]!).ok) ok++;
  return ok;
});

function report(name: string, round: () => number): void {
  round(); // warm-up: let the JIT compile the checkers
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    const ok = round();
    const seconds = (performance.now() - t0) / 1000;
    if (ok !== PER_ROUND) throw new Error(`${name}: only ${ok} of ${PER_ROUND} events were valid`);
    rates.push(PER_ROUND / seconds);
  }
  rates.sort((a, b) => a - b);
  const fmt = (n: number) => `${(n / 1e6).toFixed(2)}M/s`;
  console.log(`${name.padEnd(40)} median ${fmt(rates[rates.length >> 1]!)}  min ${fmt(rates[0]!)}  max ${fmt(rates[rates.length - 1]!)}`);
}
