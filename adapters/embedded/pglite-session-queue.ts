import type { PGlite } from '@electric-sql/pglite';

/**
 * Serialises several client connections onto PGlite's ONE backend session, per protocol exchange.
 *
 * pglite-socket 0.2.17's own queue interleaves connections per *message* and pins a connection only
 * while `BEGIN … COMMIT` is open. postgres.js sends every query as Parse/Bind/Execute/Sync on the
 * unnamed portal, so two pooled connections corrupt each other: `portal "" does not exist`, or one
 * connection reading the other's rows (reproduced here with 4 connections; upstream
 * electric-sql/pglite#1046, fix proposed in #977). This queue gives the backend to one connection
 * from its first message until the exchange is over — a Sync, simple Query, FunctionCall, startup
 * or Terminate after which no transaction block is open — and only then to the next connection.
 * A connection that goes away mid-exchange has its half-done work synced and rolled back.
 *
 * The price is real Postgres's concurrency: a transaction holds the whole database until it ends,
 * so code must not wait, inside a transaction, for a query on another connection (it would wait
 * forever; with Postgres it would merely block on locks, if at all).
 *
 * It implements the interface PGLiteSocketHandler calls on its `queryQueue` option (enqueue,
 * clearQueueForHandler, clearTransactionIfNeeded, getQueueLength).
 */
export class PgliteSessionQueue {
  #queue: Pending[] = [];
  /** The handler whose exchange holds the session, or null between exchanges. */
  #owner: number | null = null;
  #draining = false;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ handlerId, message, onData, resolve, reject });
      void this.#drain();
    });
  }

  getQueueLength(): number {
    return this.#queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    const mine = this.#queue.filter((q) => q.handlerId === handlerId);
    this.#queue = this.#queue.filter((q) => q.handlerId !== handlerId);
    for (const q of mine) q.reject(new Error('Handler disconnected'));
  }

  /** A closing connection that holds the session: end its exchange (Sync, then ROLLBACK if in a transaction). */
  clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.#owner !== handlerId) return Promise.resolve();
    return new Promise((resolve) => {
      this.#queue.unshift({ handlerId, message: RESET, onData: () => {}, resolve: () => resolve(), reject: () => resolve() });
      void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (;;) {
        const i = this.#owner === null ? 0 : this.#queue.findIndex((q) => q.handlerId === this.#owner);
        if (i < 0 || i >= this.#queue.length) return; // idle, or the owner has not sent its next message yet
        const q = this.#queue.splice(i, 1)[0]!;
        this.#owner = q.handlerId;
        try {
          if (q.message === RESET) {
            await this.#reset();
            this.#owner = null;
            q.resolve(0);
            continue;
          }
          let bytes = 0;
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(q.message, {
              onRawData: (data) => {
                bytes += data.length;
                q.onData(data);
              },
            }),
          );
          if (endsExchange(q.message) && !this.db.isInTransaction()) this.#owner = null;
          q.resolve(bytes);
        } catch (e) {
          // PGlite itself failed (SQL errors come back as ErrorResponse bytes, not exceptions): free
          // the session rather than wedge every connection behind this one.
          this.#owner = null;
          q.reject(e as Error);
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  async #reset(): Promise<void> {
    const discard = { onRawData: () => {} };
    await this.db.runExclusive(async () => {
      await this.db.execProtocolRawStream(SYNC, discard);
      if (this.db.isInTransaction()) await this.db.execProtocolRawStream(simpleQuery('ROLLBACK'), discard);
    });
  }
}

interface Pending {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: Error) => void;
}

const RESET = new Uint8Array(0);
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);

/**
 * True for the frontend messages the backend answers with ReadyForQuery: Sync ('S'), Query ('Q'),
 * FunctionCall ('F'), Terminate ('X'), and the startup packet (no type byte; its length's first
 * byte is 0 — no typed message starts with 0).
 */
function endsExchange(message: Uint8Array): boolean {
  const type = message[0];
  return type === 0x53 || type === 0x51 || type === 0x46 || type === 0x58 || type === 0x00;
}

/** A simple-protocol Query message ('Q'): one exchange on its own, answered with ReadyForQuery. */
export function simpleQuery(sql: string): Uint8Array {
  const text = new TextEncoder().encode(sql);
  const out = new Uint8Array(1 + 4 + text.length + 1);
  out[0] = 0x51;
  new DataView(out.buffer).setInt32(1, 4 + text.length + 1);
  out.set(text, 5);
  return out;
}
