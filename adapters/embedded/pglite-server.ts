import { createServer, type AddressInfo, type Socket } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler, type PGLiteSocketHandlerOptions } from '@electric-sql/pglite-socket';
import { startPgliteCheckpointer } from './pglite-checkpointer.ts';
import { PgliteSessionQueue } from './pglite-session-queue.ts';

export interface PgliteServer {
  /** An ordinary connection string: `postgres://postgres@127.0.0.1:PORT/postgres`. */
  url: string;
  port: number;
  /** Closes every connection, the listener and the database. */
  close(): Promise<void>;
}

export interface PgliteServerOptions {
  /**
   * Where PGlite keeps its files: a directory (created when missing), or `memory://` (the default),
   * where every page written stays in this process's memory until `close()`. The embedded default
   * passes a scratch directory (scratch-dir.ts) so that memory stays flat as the database grows.
   */
  dataDir?: string;
  /** Postgres's page cache, inside PGlite's WASM memory. Default DEFAULT_SHARED_BUFFERS_MB. */
  sharedBuffersMb?: number;
  /** Default 0: the OS picks a free port (read it from `port` / `url`). */
  port?: number;
  /** Connections accepted at once; more are refused. Default 16. */
  maxConnections?: number;
  /** How often the server checkpoints (see pglite-checkpointer.ts); 0: never. Default DEFAULT_CHECKPOINT_INTERVAL_MS. */
  checkpointIntervalMs?: number;
}

/**
 * Between two checkpoints the WAL keeps every change; at 2,000 events/s the embedded default writes
 * about 0.5 MB of WAL a second, so ~5 MB each, and a CHECKPOINT takes a few ms.
 */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 10_000;

/**
 * Postgres's own default is 128 MB. Buffers are taken from the free list until none is left, so the
 * cache's memory is touched page by page as the database grows (at 2,000 events/s the embedded
 * default writes ~1.3 MB of new pages a minute) and RSS rose with it long after warm-up. 16 MB holds
 * the hot rows (users, SKUs, open orders, the indexes) and is full within minutes; other pages are a
 * read from the data dir away (the OS page cache, when the data dir is on disk). Measured (issue
 * #17, /proc smaps of the embedded default at 2,000 events/s, 9 minutes): in memory with 128 MB, an
 * anonymous mapping of 189 MB was 153 MB resident; on disk with 16 MB the one that replaced it (128
 * MB, where PGlite's WASM memory should live) stayed at 31 MB from the first minute.
 */
export const DEFAULT_SHARED_BUFFERS_MB = 16;

/**
 * WAL segments a checkpoint keeps for reuse: Postgres recycles up to max_wal_size's worth (1 GB by
 * default) as pre-allocated future segments, each 16 MB of memory when the data dir is in memory.
 * These caps keep 2–4 segments; a single-user PGlite never checkpoints on its own, so max_wal_size
 * bounds nothing else here.
 */
const WAL_BOUNDS = ['-c', 'min_wal_size=32MB', '-c', 'max_wal_size=64MB'];

/**
 * The embedded default's Postgres: PGlite (Postgres compiled to WASM, in this process) behind a TCP
 * listener on 127.0.0.1 speaking the wire protocol through pglite-socket's connection handler, so
 * the unchanged postgres.js code (migrations, checkpoint store, relay) connects with a URL.
 *
 * Several connections work, and a postgres.js pool of any size is safe: exchanges of different
 * connections never interleave (see PgliteSessionQueue — pglite-socket's own PGLiteSocketServer
 * mixes them and breaks pooled postgres.js clients). They run one at a time, though: PGlite is one
 * single-user backend, so a pool larger than 1 buys no parallelism, and a transaction holds the
 * whole database until it ends. Use `{ max: 1 }` per client (processor: `postgresPoolSize: 1`).
 *
 * It also checkpoints every `checkpointIntervalMs`, as a Postgres server's checkpointer process
 * would: without that PGlite's WAL, in memory, grows with every write for as long as it runs.
 *
 * @example
 * const pg = await startPgliteServer();
 * const sql = postgres(pg.url, { max: 1 });
 * await migrate(sql);
 * // …
 * await sql.end();
 * await pg.close();
 */
export async function startPgliteServer(opts: PgliteServerOptions = {}): Promise<PgliteServer> {
  const sharedBuffers = ['-c', `shared_buffers=${opts.sharedBuffersMb ?? DEFAULT_SHARED_BUFFERS_MB}MB`];
  const db = await PGlite.create(opts.dataDir ?? 'memory://', { startParams: [...PGlite.defaultStartParams, ...WAL_BOUNDS, ...sharedBuffers] });
  const queue = new PgliteSessionQueue(db);
  const checkpointIntervalMs = opts.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS;
  const checkpointer = checkpointIntervalMs > 0 ? startPgliteCheckpointer(queue, checkpointIntervalMs) : undefined;
  const handlers = new Set<PGLiteSocketHandler>();
  const maxConnections = opts.maxConnections ?? 16;

  const server = createServer((socket: Socket) => {
    if (handlers.size >= maxConnections) {
      socket.destroy();
      return;
    }
    const handler = new PGLiteSocketHandler({
      // The handler's queue option is typed as pglite-socket's internal class; ours has its methods.
      queryQueue: queue as unknown as PGLiteSocketHandlerOptions['queryQueue'],
      closeOnDetach: true,
    });
    handlers.add(handler);
    const forget = () => handlers.delete(handler);
    handler.addEventListener('close', forget);
    handler.addEventListener('error', forget);
    handler.attach(socket).catch(() => {
      forget();
      socket.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    close() {
      closing ??= (async () => {
        await checkpointer?.stop();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await Promise.all([...handlers].map((h) => h.detach(true).catch(() => {})));
        handlers.clear();
        await closed;
        await db.close();
      })();
      return closing;
    },
  };
}
