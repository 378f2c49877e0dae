/**
 * Public API of adapters/embedded/: the infrastructure of the embedded default (no Kafka, no
 * Postgres configured) — an in-process partitioned log behind the Kafka port, and PGlite behind a
 * Postgres socket for the unchanged postgres.js code.
 */
export type { InProcessLog, InProcessLogOptions } from './in-process-log.ts';
export { createInProcessLog } from './in-process-log.ts';
export type { PgliteServer, PgliteServerOptions } from './pglite-server.ts';
export { startPgliteServer } from './pglite-server.ts';
