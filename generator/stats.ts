import { EVENT_TYPES, SOURCE_TOPICS, topicOf, type DomainEvent, type EventType, type SourceTopic } from '../schemas/index.ts';
import { FRAUD_PATTERNS, type FraudPattern } from './ground-truth.ts';

/** What a generator has emitted so far. */
export interface GeneratorStats {
  events: number;
  byType: Record<EventType, number>;
  byTopic: Record<SourceTopic, number>;
  /** order_placed events emitted in the legacy v1 schema. */
  legacyOrderPlaced: number;
  /** Fraud patterns started (a pattern cut off by the end of the stream still counts here). */
  patternsInjected: Record<FraudPattern, number>;
  /** Patterns whose trigger event was emitted: the size of the ground truth per pattern. */
  expectedAlerts: Record<FraudPattern, number>;
  /** Users that fraud patterns created beyond the background population. */
  fraudUsers: number;
  orders: number;
  /** Page views emitted because every user tried was mid-visit. A large share means the event-time
   * rate needs more users (roughly users ≥ 60 × eventsPerSecond). */
  fillerPageViews: number;
  firstTs: number | undefined;
  lastTs: number | undefined;
}

/** Incremental counters, cheap enough to update per event. */
export class StatsCounter {
  events = 0;
  private readonly byType = zeros(EVENT_TYPES);
  private readonly patterns = zeros(FRAUD_PATTERNS);
  private readonly expected = zeros(FRAUD_PATTERNS);
  private legacy = 0;
  private firstTs: number | undefined;
  private lastTs: number | undefined;

  add(event: DomainEvent): void {
    this.events++;
    this.byType[event.type]++;
    if (event.v === 1 && event.type === 'order_placed') this.legacy++;
    this.firstTs ??= event.ts;
    this.lastTs = event.ts;
  }

  injected(pattern: FraudPattern): void {
    this.patterns[pattern]++;
  }

  /** A pattern's trigger was emitted: one more expected alert. */
  triggered(pattern: FraudPattern): void {
    this.expected[pattern]++;
  }

  snapshot(sim: { fraudUsers: number; orders: number; filler: number }): GeneratorStats {
    const byTopic = zeros(SOURCE_TOPICS);
    for (const type of EVENT_TYPES) byTopic[topicOf(type)] += this.byType[type];
    return {
      events: this.events,
      byType: { ...this.byType },
      byTopic,
      legacyOrderPlaced: this.legacy,
      patternsInjected: { ...this.patterns },
      expectedAlerts: { ...this.expected },
      fraudUsers: sim.fraudUsers,
      orders: sim.orders,
      fillerPageViews: sim.filler,
      firstTs: this.firstTs,
      lastTs: this.lastTs,
    };
  }
}

function zeros<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}
