/**
 * The product's contract as the SDK exposes it (ARCHITECTURE.md): the built-in events and the
 * messages the built-in actors exchange, so a module's actor can handle or send them typed, and the
 * errors an actor may throw for a state it cannot read. Types only, plus the error classes.
 */
export type {
  ActorMessage,
  CommitStock,
  DomainEvent,
  EventData,
  EventOf,
  EventOfType,
  EventType,
  InventoryEvent,
  PaymentAttempted,
  PaymentTimeout,
  ReleaseStock,
  ReservationResult,
  ReserveStock,
  SkuCommand,
  TimerMessage,
  TransactionEvent,
  UserEvent,
  Alert,
  AlertType,
  EntityType,
  Severity,
} from '../schemas/index.ts';
export type * from '../schemas/user-events.ts';
export type * from '../schemas/transaction-events.ts';
export type * from '../schemas/inventory-events.ts';
export { ConfigError, PipelineError } from '../schemas/index.ts';
