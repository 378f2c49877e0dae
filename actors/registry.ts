import type { ActorDefinition } from './actor.ts';
import { createOrderActor } from './order.ts';
import { skuActor } from './sku.ts';
import { createUserActor, type FraudRules } from './user.ts';
import { withAnalytics } from './analytics/built-in.ts';

/**
 * The actor types of the product, built from plain configuration. Configuration (not functions)
 * is what crosses into a shard worker, so a worker builds exactly the actors the processor was
 * configured with by calling this with the same value.
 */
export interface ActorsConfig {
  /** Fraud thresholds of the user actor (docs/domain-rules.md defaults otherwise). */
  fraud?: Partial<FraudRules>;
  /** The order's payment timeout in event-time milliseconds (default 15 minutes). */
  paymentTimeoutMs?: number;
  /** Read models and per-minute aggregates of the built-in actors (default on; off costs nothing). */
  analytics?: boolean;
}

/** @example const [sku, order, user] = buildActors({ paymentTimeoutMs: 60_000 }); */
export function buildActors(config: ActorsConfig = {}): ActorDefinition<any>[] {
  const actors: ActorDefinition<any>[] = [skuActor, createOrderActor({ paymentTimeoutMs: config.paymentTimeoutMs }), createUserActor(config.fraud)];
  return config.analytics === false ? actors : actors.map(withAnalytics);
}
