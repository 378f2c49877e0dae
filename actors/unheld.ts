import type { ActorDefinition } from './actor.ts';

/**
 * `actor` without `awaiting`: nothing of its entities is held while they wait for answers. For
 * tests that run an actor alone, with no one to answer it (an order shard without SKU shards),
 * and for what the actor itself does with inputs that come before its answers.
 */
export function unheld<S>(actor: ActorDefinition<S>): ActorDefinition<S> {
  const { awaiting: _held, heldInOrder: _inOrder, ...rest } = actor;
  return rest;
}
