import type { DomainEvent } from '../schemas/index.ts';
import { fraudPattern } from './fraud.ts';
import { FRAUD_PATTERNS, PATTERN_SEVERITY, expectedAlertId, type ExpectedAlert } from './ground-truth.ts';
import { initialStockLoad } from './inventory.ts';
import { resolveOptions, type GeneratorOptions } from './options.ts';
import { Rng } from './random.ts';
import { Scheduler } from './scheduler.ts';
import { SECOND } from './sim.ts';
import { StatsCounter, type GeneratorStats } from './stats.ts';
import { World } from './world.ts';

/** A deterministic, streaming source of e-commerce events with injected fraud. */
export interface EventGenerator extends Iterable<DomainEvent> {
  /** The next event, or undefined once `count` events have been emitted. */
  next(): DomainEvent | undefined;
  [Symbol.iterator](): Iterator<DomainEvent>;
  /** Alerts the user actor must raise for the patterns whose trigger was emitted so far (none with `recordGroundTruth: false`). */
  groundTruth(): ExpectedAlert[];
  /** Counts of what was emitted so far. */
  stats(): GeneratorStats;
}

/**
 * Creates a generator. Same options ⇒ same events, ids and timestamps. Events come out in
 * non-decreasing `ts` order, one at a time, so a stream of millions never sits in memory.
 *
 * Events are in their wire form: a configured fraction of order_placed is version 1 (no
 * `currency`). Pass events through `decodeEvent` before handing them to actors directly.
 *
 * @example
 * const gen = createGenerator({ seed: 7, count: 100_000, minPerPattern: 1 });
 * for (const event of gen) records.push(toKafkaRecord(event)); // { topic, key, value }
 * gen.groundTruth(); // at least one expected alert per pattern, once the patterns have played out
 */
export function createGenerator(options: GeneratorOptions = {}): EventGenerator {
  const opts = resolveOptions(options);
  const rng = Rng.fromSeed(opts.seed);
  // The world gets its own stream so that changing behaviour code does not reshuffle the catalogue.
  const world = new World(opts, rng.fork());
  const sim = new Scheduler(opts, rng, world);
  const stats = new StatsCounter();
  const truth: ExpectedAlert[] = [];

  sim.onTrigger = (t) => {
    stats.triggered(t.pattern);
    if (!opts.recordGroundTruth) return;
    truth.push({
      pattern: t.pattern,
      type: t.pattern,
      severity: PATTERN_SEVERITY[t.pattern],
      entityType: 'user',
      entityKey: t.userKey,
      triggerEventId: t.event.id,
      expectedAlertId: expectedAlertId(t.userKey, t.pattern, t.event.id),
      fromTs: t.fromTs,
      toTs: t.event.ts,
    });
  };

  sim.spawn(initialStockLoad(sim), opts.startTs);
  // Forced patterns start right after the opening stock count, a few seconds apart.
  let forced = 0;
  for (let k = 0; k < opts.minPerPattern; k++) {
    for (const pattern of FRAUD_PATTERNS) {
      sim.spawn(fraudPattern(sim, pattern), opts.startTs + SECOND + forced * 5 * SECOND);
      stats.injected(pattern);
      forced++;
    }
  }

  // Rate-driven injection: one pattern every 10,000 / fraudRate events, cycling through the five.
  const interval = opts.fraudRate > 0 ? 10_000 / opts.fraudRate : Infinity;
  let nextInjection = interval;
  let injections = 0;

  const next = (): DomainEvent | undefined => {
    if (stats.events >= opts.count) return undefined;
    while (stats.events >= nextInjection) {
      const pattern = FRAUD_PATTERNS[injections++ % FRAUD_PATTERNS.length]!;
      sim.spawn(fraudPattern(sim, pattern), sim.clockTs);
      stats.injected(pattern);
      nextInjection += interval;
    }
    const event = sim.next();
    stats.add(event);
    return event;
  };

  return {
    next,
    [Symbol.iterator]: () => ({
      next: () => {
        const value = next();
        return value === undefined ? { done: true, value: undefined } : { done: false, value };
      },
    }),
    groundTruth: () => truth.slice(),
    stats: () => stats.snapshot({ fraudUsers: world.freshUserCount, orders: sim.orderCount, filler: sim.fillerCount }),
  };
}

/**
 * Generates `count` events into memory with their ground truth: for tests and small samples.
 * @example const { events, groundTruth } = generateEvents({ seed: 1, count: 10_000 });
 */
export function generateEvents(options: GeneratorOptions & { count: number }): {
  events: DomainEvent[];
  groundTruth: ExpectedAlert[];
} {
  const gen = createGenerator(options);
  const events: DomainEvent[] = [];
  for (let e = gen.next(); e !== undefined; e = gen.next()) events.push(e);
  return { events, groundTruth: gen.groundTruth() };
}
