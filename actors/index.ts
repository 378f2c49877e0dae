/** Public API of actors/: the pure domain actors, their contract, and the pure test driver. */
export type { ActorAddress, ActorContext, ActorDefinition, ActorInput, ActorType, Effect, Transition } from './actor.ts';
export { unchanged } from './actor.ts';
export { alertId, createAlert, type AlertSpec } from './alerts.ts';
export { availableOf, skuActor, type SkuState } from './sku.ts';
export { DEFAULT_PAYMENT_TIMEOUT_MS, createOrderActor, orderActor, type OrderLine, type OrderState, type OrderStatus } from './order.ts';
export { DEFAULT_FRAUD_RULES, createUserActor, userActor, type FraudRules, type UserState } from './user.ts';
export { createTestDriver, type TestDriver, type TestDriverOptions } from './test-driver.ts';
export { buildActors, type ActorsConfig } from './registry.ts';
