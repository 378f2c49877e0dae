import { Type, type Static } from '@sinclair/typebox';
import type { ActorsConfig } from '../actors/registry.ts';
import type { FraudRuleOverrides } from '../actors/user.ts';

const ms = () => Type.Optional(Type.Integer({ minimum: 1 }));
const count = () => Type.Optional(Type.Integer({ minimum: 1 }));

/**
 * pipeline.yaml `actors.fraud` and `actors.payment_timeout_ms`: the built-in actors' thresholds
 * (defaults and meaning: docs/domain-rules.md). Every key is optional; an absent one keeps its
 * default. Changing them changes what is decided from now on; `actorstream replay --shadow
 * --config <file>` shows first what they would have decided over the log.
 */
export const ActorRulesFile = {
  payment_timeout_ms: ms(),
  fraud: Type.Optional(Type.Object({
    velocity: Type.Optional(Type.Object({ attempts: count(), window_ms: ms() }, { additionalProperties: false })),
    card_testing: Type.Optional(Type.Object({ declines: count(), distinct_cards: count(), window_ms: ms() }, { additionalProperties: false })),
    amount_anomaly: Type.Optional(Type.Object({ factor: Type.Optional(Type.Number({ exclusiveMinimum: 0 })), min_amount: Type.Optional(Type.Number({ minimum: 0 })) }, { additionalProperties: false })),
    impossible_travel: Type.Optional(Type.Object({ window_ms: ms() }, { additionalProperties: false })),
    account_takeover: Type.Optional(Type.Object({ failures: count(), window_ms: ms() }, { additionalProperties: false })),
  }, { additionalProperties: false })),
};

type RulesFile = { [K in keyof typeof ActorRulesFile]?: Static<(typeof ActorRulesFile)[K]> };

/** The ActorsConfig part the file sets (absent keys stay absent, so the actors' defaults apply). */
export function actorRules(file: RulesFile | undefined): Pick<ActorsConfig, 'fraud' | 'paymentTimeoutMs'> {
  const out: Pick<ActorsConfig, 'fraud' | 'paymentTimeoutMs'> = {};
  if (file?.payment_timeout_ms !== undefined) out.paymentTimeoutMs = file.payment_timeout_ms;
  const f = file?.fraud;
  if (!f) return out;
  const fraud: FraudRuleOverrides = {};
  // Only the fields the file names: the others keep their defaults (createUserActor merges per field).
  const rule = <T>(o: Record<string, number | undefined>): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  if (f.velocity) fraud.velocity = rule({ attempts: f.velocity.attempts, windowMs: f.velocity.window_ms });
  if (f.card_testing) fraud.cardTesting = rule({ declines: f.card_testing.declines, distinctCards: f.card_testing.distinct_cards, windowMs: f.card_testing.window_ms });
  if (f.amount_anomaly) fraud.amountAnomaly = rule({ factor: f.amount_anomaly.factor, minAmount: f.amount_anomaly.min_amount });
  if (f.impossible_travel) fraud.impossibleTravel = rule({ windowMs: f.impossible_travel.window_ms });
  if (f.account_takeover) fraud.accountTakeover = rule({ failures: f.account_takeover.failures, windowMs: f.account_takeover.window_ms });
  out.fraud = fraud;
  return out;
}
