/**
 * Public API of adapters/embedded/: the infrastructure of the embedded default (no Kafka, no
 * Postgres configured) — an in-process partitioned log that fills the engine's LogClient ports,
 * and PGlite behind a Postgres socket for the unchanged postgres.js code.
 */
export type { InProcessLog, InProcessLogOptions } from './in-process-log.ts';
export { DEFAULT_MAX_RECORDS_PER_PARTITION, createInProcessLog } from './in-process-log.ts';
export { InProcessLogError, type InProcessLogErrorCode } from './errors.ts';
export type { PgliteServer, PgliteServerOptions } from './pglite-server.ts';
export { DEFAULT_SHARED_BUFFERS_MB, startPgliteServer } from './pglite-server.ts';
export { SCRATCH_PREFIX, createScratchDir, removeAbandonedScratchDirs, type ScratchDir } from './scratch-dir.ts';
