/**
 * The public actor SDK (`actorstream/sdk`): everything a module needs to define actor types and
 * event types, build effects, and test its actors with the pure driver — and nothing of the engine.
 * A module exports its definitions; pipeline.yaml `actors.modules` (or ACTOR_MODULES) loads it into
 * every instance and shard worker. See docs/writing-actors.md.
 */
export * from './core.ts';
/** The built-in actors (sku, order, user and the recommendations' sku_affinity), to test a module's actor with the ones it talks to. */
export { buildActors as builtInActors } from '../actors/registry.ts';
