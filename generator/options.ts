import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ConfigError } from '../schemas/index.ts';

/**
 * Options of the event generator. Every field is optional; `resolveOptions` fills the defaults.
 * Unknown keys are rejected so that a typo (`fraudrate`) fails loudly instead of being ignored.
 */
export const GeneratorOptionsSchema = Type.Object(
  {
    /** Seed of every random choice: same seed and options ⇒ identical stream. */
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffff_ffff })),
    /** Background users (u-000001 …); fraud patterns use fresh users numbered after them. */
    users: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
    /** SKUs in the catalogue (sku-0001 …). */
    skus: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    /** Event time of the first event, epoch ms. */
    startTs: Type.Optional(Type.Integer({ minimum: 0, maximum: 8.64e15 })),
    /** Events per second of event time: how fast the simulated clock runs per emitted event. */
    eventsPerSecond: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e7 })),
    /** Exponent of the Zipf popularity of users and SKUs. */
    zipfExponent: Type.Optional(Type.Number({ minimum: 0, maximum: 10 })),
    /** Fraud patterns injected per 10,000 emitted events, cycling through the five patterns. */
    fraudRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
    /** Inject at least this many of each pattern, starting right after the initial stock load. */
    minPerPattern: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
    /** Fraction of order_placed events emitted in the legacy v1 schema (no currency). */
    legacyOrderRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /**
     * Keep every expected alert for `groundTruth()` (default true). The list grows by one entry per
     * injected pattern for as long as the generator runs, so a generator that runs for days with no
     * one to read it (the embedded default) turns it off; `stats()` counts them either way.
     */
    recordGroundTruth: Type.Optional(Type.Boolean()),
    /** Stop after this many events; unbounded when absent. */
    count: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export type GeneratorOptions = Static<typeof GeneratorOptionsSchema>;
export type ResolvedOptions = Required<Omit<GeneratorOptions, 'count'>> & { count: number };

export const DEFAULT_OPTIONS: Readonly<Required<Omit<GeneratorOptions, 'count'>>> = {
  seed: 1,
  users: 10_000,
  skus: 1_000,
  // 2023-11-14T22:13:20Z: a fixed instant, so that a seed alone reproduces timestamps too.
  startTs: 1_700_000_000_000,
  eventsPerSecond: 50,
  zipfExponent: 1.1,
  fraudRate: 5,
  minPerPattern: 0,
  legacyOrderRate: 0.01,
  recordGroundTruth: true,
};

const check = TypeCompiler.Compile(GeneratorOptionsSchema);

/**
 * Validates options and fills defaults. Throws a `ConfigError` naming every bad field.
 *
 * @example resolveOptions({ seed: 7 }).users // 10000
 */
export function resolveOptions(opts: GeneratorOptions = {}): ResolvedOptions {
  if (!check.Check(opts)) {
    const problems = [...check.Errors(opts)].map((e) => `${e.path || '/'}: ${e.message}`);
    throw new ConfigError(`invalid generator options: ${[...new Set(problems)].join('; ')}`);
  }
  const defined = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  return { ...DEFAULT_OPTIONS, count: Infinity, ...defined } as ResolvedOptions;
}
