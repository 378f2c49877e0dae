/** Public API of schemas/: the event contract, its validation and its version registry. */
export type { Alert, AlertType, EntityType, Severity } from './alert.ts';
export { FRAUD_ALERT_TYPES } from './alert.ts';
export type { RawEnvelope } from './envelope.ts';
export { Envelope, MAX_EVENT_BYTES } from './envelope.ts';
export type { ErrorCode, Issue } from './errors.ts';
export { ConfigError, EventRejected, InfrastructureError, PipelineError } from './errors.ts';
export type {
  DomainEvent,
  EventData,
  EventOf,
  EventOfType,
  EventType,
  InventoryEvent,
  TransactionEvent,
  UserEvent,
} from './events.ts';
export type { EventSpec } from './registry.ts';
export { DEFAULT_CURRENCY, EVENT_SPECS, EVENT_TYPES, eventSpecOf, isEventType, moduleEventTypes, registerEventSpec, topicOf } from './registry.ts';
export type { SourceTopic } from './topics.ts';
export { ALERTS_TOPIC, SOURCE_TOPICS, dlqTopicOf, inboxTopicOf, inputTopicConfig } from './topics.ts';
export type { Decoded, DecodeLimits } from './validate.ts';
export { DEFAULT_MAX_FUTURE_MS } from './primitives.ts';
export { isEntityKey, isIdentifier, isText } from './edge-formats.ts';
export { decodeEvent, keyOf, parseEvent } from './validate.ts';
export type * from './user-events.ts';
export type * from './transaction-events.ts';
export type * from './inventory-events.ts';
export type {
  ActorMessage,
  CommitStock,
  PaymentAttempted,
  PaymentTimeout,
  ReleaseStock,
  ReservationResult,
  ReserveStock,
  SkuCommand,
  TimerMessage,
} from './messages.ts';
