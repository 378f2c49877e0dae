/**
 * The public actor SDK (`actorstream/sdk`): everything a module needs to define actor types and
 * event types, build effects, and test its actors with the pure driver — and nothing of the engine.
 * A module exports its definitions; pipeline.yaml `actors.modules` (or ACTOR_MODULES) loads it into
 * every instance and shard worker. See docs/writing-actors.md.
 */
export { defineActor, type ActorDeclaration, type AnyEvent, type Input } from './define-actor.ts';
export { defineEvent, type EventDeclaration, type EventDefinition } from './define-event.ts';
export { alert, schedule, send } from './effects.ts';
export { SdkError } from './sdk-error.ts';
export { unchanged } from '../actors/actor.ts';
export type { ActorAddress, ActorContext, ActorDefinition, ActorInput, Effect, Transition } from '../actors/actor.ts';
export type { AlertSpec } from '../actors/alerts.ts';
export type { Alert, Severity } from '../schemas/index.ts';
export { createTestDriver, type TestDriver, type TestDriverOptions } from '../actors/test-driver.ts';
/** The built-in sku, order and user actors, to test a module's actor with the ones it talks to. */
export { buildActors as builtInActors } from '../actors/registry.ts';
export { Type, type Static } from '@sinclair/typebox';
