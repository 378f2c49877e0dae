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
  /** Where PGlite keeps its files; default in memory (`memory://`): nothing survives `close()`. */
  dataDir?: string;
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
  const db = await PGlite.create(opts.dataDir ?? 'memory://', { startParams: [...PGlite.defaultStartParams, ...WAL_BOUNDS] });
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
