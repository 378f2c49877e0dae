/**
 * The SDK without the built-in actors: what an actor's own code imports (the built-in actors too —
 * they import this, so they cannot depend on themselves through `sdk/index.ts`).
 */
export { defineActor, type ActorDeclaration, type AnyEvent, type Input } from './define-actor.ts';
export { defineEvent, type EventDeclaration, type EventDefinition } from './define-event.ts';
export { alert, schedule, send } from './effects.ts';
export { SdkError } from './sdk-error.ts';
export { unchanged } from '../actors/actor.ts';
export type { ActorAddress, ActorContext, ActorDefinition, ActorInput, ActorType, Effect, Transition } from '../actors/actor.ts';
export { alertCauseOfLine, alertId, createAlert, type AlertSpec } from '../actors/alerts.ts';
export { MINUTE_MS, minorUnits, minuteOf, NO_INCREMENTS, type Aggregate, type AggregateTable, type CellValue, type Column, type Increment, type ReadModel } from '../actors/projection.ts';
export { createTestDriver, type PipedEvent, type TestDriver, type TestDriverOptions } from '../actors/test-driver.ts';
export { Type, type Static } from '@sinclair/typebox';
export * from './contract.ts';
