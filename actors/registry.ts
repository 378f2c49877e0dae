import type { ActorDefinition } from './actor.ts';
import { createOrderActor } from './order.ts';
import { skuActor } from './sku.ts';
import { createUserActor, type FraudRuleOverrides } from './user.ts';
import { withAnalytics } from './analytics/built-in.ts';
import { ActorModuleError, loadedModuleActors } from './modules.ts';
import { skuAffinity } from './recommendations/sku-affinity.ts';

/**
 * The actor types of the product, built from plain configuration. Configuration (not functions)
 * is what crosses into a shard worker, so a worker builds exactly the actors the processor was
 * configured with by calling this with the same value.
 */
export interface ActorsConfig {
  /** Fraud thresholds of the user actor (docs/domain-rules.md defaults otherwise). */
  fraud?: FraudRuleOverrides;
  /** The order's payment timeout in event-time milliseconds (default 15 minutes). */
  paymentTimeoutMs?: number;
  /** Read models and per-minute aggregates of the built-in actors (default on; off costs nothing). */
  analytics?: boolean;
  /**
   * Real-time recommendations (docs/recommendations.md; default on): the sku_affinity actor, the
   * order's paid-order messages and the user's viewed/bought lists. Off (env RECOMMENDATIONS=false)
   * none of them runs and page views leave user states untouched.
   */
  recommendations?: boolean;
  /** Absolute paths of actor modules (actors/modules.ts): loaded with loadActorModules before building. */
  modules?: readonly string[];
}

/** @example const [sku, order, user, skuAffinity] = buildActors({ paymentTimeoutMs: 60_000 }); */
export function buildActors(config: ActorsConfig = {}): ActorDefinition<any>[] {
  const recommendations = config.recommendations !== false;
  const builtIn: ActorDefinition<any>[] = [
    skuActor,
    createOrderActor({ paymentTimeoutMs: config.paymentTimeoutMs, recommendations }),
    createUserActor(config.fraud, { recommendations }),
  ];
  const analyzed = config.analytics === false ? builtIn : builtIn.map(withAnalytics);
  // Written on the public SDK like any module, but on by default, so registered here.
  const actors = recommendations ? [...analyzed, skuAffinity] : analyzed;
  return [...actors, ...moduleActors(config.modules ?? [], actors)];
}

/** The modules' actors, refused when a type is taken (by a built-in or an earlier module). */
function moduleActors(files: readonly string[], builtIn: readonly ActorDefinition<any>[]): ActorDefinition<any>[] {
  const taken = new Map<string, string>(builtIn.map((a) => [a.type, 'a built-in actor']));
  const out: ActorDefinition<any>[] = [];
  for (const file of files) {
    for (const actor of loadedModuleActors([file])) {
      const owner = taken.get(actor.type);
      if (owner) throw new ActorModuleError(file, `actor type '${actor.type}' is already defined by ${owner}`);
      taken.set(actor.type, file);
      out.push(actor);
    }
  }
  return out;
}
