import { keyOf, topicOf, type DomainEvent } from '../schemas/index.ts';
import { poisonRecord, type PoisonReason } from './poison.ts';

/** One record as it goes to Kafka (or one NDJSON line: `value`). */
export interface KafkaRecord {
  topic: string;
  key: string;
  value: string;
  /** Set on deliberately malformed records. */
  poison?: PoisonReason;
}

/** The record of an event: its type's topic, keyed by its entity key, the envelope as JSON. */
export function toKafkaRecord(event: DomainEvent): KafkaRecord {
  return { topic: topicOf(event.type), key: keyOf(event), value: JSON.stringify(event) };
}

/**
 * Records of `events`, with poison records interleaved at `invalidRate` (a fraction of the
 * events, e.g. 0.001), evenly spaced so a run of N events carries about N × rate of them.
 *
 * @example for (const r of withPoison(createGenerator({ count: 1000 }), { seed: 1, invalidRate: 0.01 })) …
 */
export function* withPoison(
  events: Iterable<DomainEvent>,
  opts: { seed: number; invalidRate: number },
): Generator<KafkaRecord> {
  let debt = 0;
  let poisoned = 0;
  for (const event of events) {
    yield toKafkaRecord(event);
    debt += opts.invalidRate;
    while (debt >= 1) {
      debt -= 1;
      const p = poisonRecord(opts.seed, poisoned++);
      yield { topic: p.topic, key: p.key, value: p.value, poison: p.reason };
    }
  }
}

/**
 * The next batch of at most `size` records, and whether the source ran out while taking it: the
 * step both writers (Kafka and NDJSON) repeat, so they batch and stop alike.
 */
export function takeBatch(iterator: Iterator<KafkaRecord>, size: number): { records: KafkaRecord[]; exhausted: boolean } {
  const records: KafkaRecord[] = [];
  while (records.length < size) {
    const r = iterator.next();
    if (r.done) return { records, exhausted: true };
    records.push(r.value);
  }
  return { records, exhausted: false };
}
