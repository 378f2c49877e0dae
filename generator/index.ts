/** Public API of generator/: seeded e-commerce traffic with injected fraud and its ground truth. */
export type { EventGenerator } from './generator.ts';
export { createGenerator, generateEvents } from './generator.ts';
export type { ExpectedAlert, FraudPattern } from './ground-truth.ts';
export { FRAUD_PATTERNS, expectedAlertId } from './ground-truth.ts';
export type { GeneratorOptions, ResolvedOptions } from './options.ts';
export { DEFAULT_OPTIONS, GeneratorOptionsSchema, resolveOptions } from './options.ts';
export type { GeneratorStats } from './stats.ts';
export type { ZipfSampler } from './random.ts';
export { Rng, createZipf } from './random.ts';
export type { PoisonReason, PoisonRecord } from './poison.ts';
export { POISON_CODES, POISON_REASONS, createPoisonRecords, poisonRecord } from './poison.ts';
export type { KafkaRecord } from './records.ts';
export { toKafkaRecord, withPoison } from './records.ts';
export type { WriteOptions, WriteProgress, WriteResult } from './record-writer.ts';
export { writeRecords } from './record-writer.ts';
export { writeNdjson } from './ndjson-writer.ts';
export { formatSummary } from './summary.ts';
