import type { ShardOutboxRow } from './outbox.ts';

/**
 * The contents of outbox rows this process committed, kept by `seq` so that the relay need not
 * read them back (issue #19). The relay still asks Postgres which rows are pending and under which
 * owner epoch (store/outbox.ts `readPendingOutbox`): only a row's topic, key, value and headers come
 * from here. A read of 10,000 pending rows cost 35–53 ms of the processor's CPU and 47–64 ms of the
 * server's with their contents, 6–11 and 3–4 ms as sequence numbers with contents from here
 * (bench/README.md, session 49).
 *
 * Nothing here decides what is sent: `seq` is the outbox's primary key, drawn once from one
 * sequence and never reused, and a committed row never changes, so the contents kept for a seq
 * are that row's for good (headers as a JSON copy: what `jsonb` keeps, though not in its key
 * order, which Kafka headers do not depend on). A seq not found here
 * (committed by an earlier incarnation or another process, or forgotten) is read from Postgres.
 * Forgetting is therefore always safe, and this is bounded by characters kept: past `maxChars` the
 * oldest rows are dropped, and a shard given up here is forgotten.
 */
export class CommittedOutbox {
  readonly #rows = new Map<number, Entry>();
  /** Per shard, its entries in the order they were committed (ascending seq: a shard's commits are serialized by its owner row). */
  readonly #byShard = new Map<string, Entry[]>();
  /** Counts `remember` calls: an entry older than a read's mark was committed before the read began. */
  #marks = 0;
  #chars = 0;

  constructor(private readonly maxChars = DEFAULT_MAX_CHARS) {}

  /**
   * `shard`'s rows just committed, with the seqs their insert drew (ascending, one per row, in the
   * rows' order). A count that does not match keeps nothing: the rows are then read back.
   */
  remember(shard: string, rows: readonly { topic: string; key: string; value: string; headers?: Record<string, string> }[], seqs: readonly number[]): void {
    if (rows.length === 0 || rows.length !== seqs.length) return;
    const mark = ++this.#marks;
    let list = this.#byShard.get(shard);
    if (!list) this.#byShard.set(shard, (list = []));
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const headers = storedHeaders(r.headers);
      const chars = r.topic.length + r.key.length + r.value.length + headersChars(headers) + ROW_OVERHEAD_CHARS;
      const entry: Entry = { mark, chars, row: { shard, seq: seqs[i]!, topic: r.topic, key: r.key, value: r.value, headers } };
      // A seq is drawn once; should one come again, the older entry goes (its list slot is skipped).
      const earlier = this.#rows.get(entry.row.seq);
      if (earlier) this.#drop(earlier);
      this.#rows.set(entry.row.seq, entry);
      this.#chars += chars;
      list.push(entry);
    }
    this.#bound();
  }

  /** The committed row `seq` of `shard`, if this process committed it and still keeps it. */
  get(shard: string, seq: number): ShardOutboxRow | undefined {
    const entry = this.#rows.get(seq);
    return entry?.row.shard === shard ? entry.row : undefined;
  }

  /** A mark to pass to `settle` after a read of pending rows that starts now. */
  mark(): number {
    return this.#marks;
  }

  /**
   * After a read of `shard`'s pending rows that began at `mark`: what cannot be pending any more
   * is dropped. Rows below the first one read were handled (or are behind the read's cursor);
   * with nothing read, every row committed before the read began is.
   */
  settle(shard: string, firstPending: number | undefined, mark: number): void {
    const list = this.#byShard.get(shard);
    if (!list) return;
    let n = 0;
    while (n < list.length && (firstPending !== undefined ? list[n]!.row.seq < firstPending : list[n]!.mark <= mark)) n++;
    this.#dropHead(shard, list, n);
  }

  /** `shard` is no longer held here: its rows go (a later owner's relay reads them from Postgres). */
  forget(shard: string): void {
    const list = this.#byShard.get(shard);
    if (list) this.#dropHead(shard, list, list.length);
  }

  /** How many rows are kept (for tests and gauges). */
  get size(): number {
    return this.#rows.size;
  }

  /** Roughly what the kept rows weigh, in characters (the bound). */
  get chars(): number {
    return this.#chars;
  }

  #bound(): void {
    if (this.#chars <= this.maxChars) return;
    // Map order is insertion order: the first entries are the oldest remembered, and a shard's
    // oldest are the head of its list, so each shard loses a prefix (one splice per shard).
    const dropped = new Map<string, number>();
    for (const entry of this.#rows.values()) {
      if (this.#chars <= this.maxChars) break;
      this.#drop(entry);
      dropped.set(entry.row.shard, (dropped.get(entry.row.shard) ?? 0) + 1);
    }
    for (const [shard, n] of dropped) {
      const list = this.#byShard.get(shard)!;
      list.splice(0, n);
      if (list.length === 0) this.#byShard.delete(shard);
    }
  }

  #dropHead(shard: string, list: Entry[], n: number): void {
    for (const entry of list.splice(0, n)) this.#drop(entry);
    if (list.length === 0) this.#byShard.delete(shard);
  }

  #drop(entry: Entry): void {
    if (this.#rows.get(entry.row.seq) !== entry) return;
    this.#rows.delete(entry.row.seq);
    this.#chars -= entry.chars;
  }
}

interface Entry {
  mark: number;
  chars: number;
  row: ShardOutboxRow;
}

/**
 * The headers as the outbox's `jsonb` column keeps them: what `JSON.stringify` keeps (no
 * undefined values), in a copy of its own. Most rows have none (or a trace parent), so the common
 * case costs nothing.
 */
function storedHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  if (headers === undefined || Object.keys(headers).length === 0) return {};
  return JSON.parse(JSON.stringify(headers)) as Record<string, string>;
}

function headersChars(headers: Record<string, string>): number {
  let n = 0;
  for (const name in headers) n += name.length + String(headers[name]).length;
  return n;
}

/** What a kept row costs beyond its strings: the entry, the row object, map and list slots (in characters, ~2 bytes each). */
const ROW_OVERHEAD_CHARS = 100;
/** ~64 MB at 2 bytes a character: a backlog's pending messages between two relays (~400 characters a row) fit many times over. */
const DEFAULT_MAX_CHARS = 32_000_000;
