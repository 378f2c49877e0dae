/** Kafka topic names of the public contract (ARCHITECTURE.md). */

export const SOURCE_TOPICS = ['user_events', 'transaction_events', 'inventory_events'] as const;
export type SourceTopic = (typeof SOURCE_TOPICS)[number];

/** Topic that the outbox relay publishes alerts to. */
export const ALERTS_TOPIC = 'alerts';

/** Dead-letter topic of a topic: bad input goes here with the reason in headers. */
export function dlqTopicOf(topic: string): string {
  return `${topic}.dlq`;
}

/** Inbox topic of an actor type, for actor → actor messages: `<app>.<actor>.inbox`. */
export function inboxTopicOf(app: string, actorType: string): string {
  return `${app}.${actorType}.inbox`;
}

/**
 * Topic configuration of every input topic (sources and inboxes) this project creates: the broker
 * refuses a record stamped more than `maxFutureMs` ahead of its clock (Kafka 3.6+). The engine
 * bounds an event's time by its record's Kafka timestamp, so this bounds that timestamp too, even
 * for a producer that sets it itself.
 */
export function inputTopicConfig(maxFutureMs: number): { name: string; value: string }[] {
  return [{ name: 'message.timestamp.after.max.ms', value: String(maxFutureMs) }];
}
