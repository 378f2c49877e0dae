/**
 * Wake-ups for the adapters' fetch loops (the in-process log's, and the one built on
 * @platformatic/kafka's fetch). A loop waiting for records must neither spin nor sleep blindly: it
 * waits on the signals that can change what it would fetch (records appended to its partition; a
 * seek, pause, resume, stop or rebalance of its member; a fetch or batch done), with a timeout as a
 * fallback, like a broker holding a fetch request open for a bounded time.
 */
export class Signal {
  #waiters = new Set<() => void>();

  /** Wakes everything waiting now; later waits wait for the next notify. */
  notify(): void {
    const waiters = this.#waiters;
    this.#waiters = new Set();
    for (const wake of waiters) wake();
  }

  /** Resolves at the next notify, or after `ms`. */
  wait(ms: number): Promise<void> {
    return waitForAny([this], ms);
  }

  /** @internal used by `waitForAny` */
  add(wake: () => void): void {
    this.#waiters.add(wake);
  }

  /** @internal used by `waitForAny` */
  remove(wake: () => void): void {
    this.#waiters.delete(wake);
  }
}

/**
 * Resolves at the first notify of any of `signals`, or after `ms`. It unregisters from every
 * signal when it resolves, so a quiet partition's signal does not collect dead waiters.
 */
export function waitForAny(signals: readonly Signal[], ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const s of signals) s.remove(done);
      resolve();
    };
    const timer = setTimeout(done, Math.min(ms, MAX_TIMER_MS));
    for (const s of signals) s.add(done);
  });
}

/** setTimeout's longest delay; longer ones would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A FIFO counting semaphore: at most `size` batches of one source are in its handler at once (the
 * `concurrency` of `run`), granted in request order so a busy partition cannot starve the others.
 */
export class Slots {
  #free: number;
  #queue: (() => void)[] = [];

  constructor(size: number) {
    this.#free = Math.max(1, Math.floor(size));
  }

  acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#queue.push(resolve));
  }

  release(): void {
    const next = this.#queue.shift();
    if (next) next();
    else this.#free++;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Backoff after `failures` failures in a row: 100 ms doubled per failure, at most 5 s. */
export const backoffMs = (failures: number) => Math.min(100 * 2 ** Math.max(0, failures - 1), 5_000);
