/**
 * The product's contract as the SDK exposes it (ARCHITECTURE.md): the built-in events and the
 * messages the built-in actors exchange, so a module's actor can handle or send them typed, and the
 * errors an actor may throw for a state it cannot read. Types only, plus the error classes.
 */
export type * from '../schemas/events.ts';
export type * from '../schemas/messages.ts';
export type { Alert, AlertType, EntityType, Severity } from '../schemas/alert.ts';
export type * from '../schemas/user-events.ts';
export type * from '../schemas/transaction-events.ts';
export type * from '../schemas/inventory-events.ts';
export { ConfigError, PipelineError } from '../schemas/index.ts';
