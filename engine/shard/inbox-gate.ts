/**
 * Event-time gate for inbox records (see `Shard.noteSourceEnd`). A shard reads two partitions whose
 * interleaving Kafka does not define: its source and its inbox. Live, the source is read as soon
 * as it is produced and inbox messages trail it (they need a checkpoint and a relay first). On a
 * catch-up from an old or empty checkpoint both partitions hold a backlog, and the consumer may
 * hand over the whole inbox backlog first: an SKU would then see every `reserve` before the
 * `stock_received` that precedes it in event time, refuse it, and the order would be rejected.
 * So an inbox message waits until the source has moved past its event time (or has nothing more).
 *
 * "Nothing more" is only as true as the end it was judged by. The end comes from source batches
 * (their high watermark) and from a measurement when the shard is taken; a source partition with
 * nothing new is not fetched, so its end can be old news. A shard taken while its source was still
 * empty, then handed a reserve before the stock events written just before it were fetched, would
 * apply the reserve first and refuse it (seen in a fail-over test: an order rejected that the
 * driver reserves). So the end counts only when it was learned at or after the moment the message
 * was received; otherwise the message waits by its time as usual, and the shard asks for the end
 * to be measured again (`takeEndWanted`).
 */
export class InboxGate {
  /** The latest event time applied from the source partition by this incarnation of the shard: what the gate waits by. */
  sourceClock = 0;
  /**
   * The running maximum of event time over the source partition as a whole, carried across
   * restarts by the checkpoints: what inputs are keyed by (merge-key.ts). The gate does not use
   * it: after a restore it waits, as before, until the source has applied something past a
   * message, since the partition may hold events late behind this maximum that precede it.
   */
  eventTimeMax = 0;
  private end: number | undefined;
  /** Wall-clock ms at which `end` was last learned: Infinity once noted without a time (it then never goes stale). */
  private endSeenAt = -Infinity;
  /** When the records being applied were received (wall-clock ms); -Infinity when the caller keeps no time. */
  receivedAt = -Infinity;
  private endWanted = false;

  constructor(
    /** The shard's next offsets, by `<topic>:<partition>`. */
    private readonly offsets: ReadonlyMap<string, number>,
    /** `<topic>:<partition>` of the shard's source partition. */
    private readonly sourceTp: string,
  ) {}

  /** True when an inbox message of event time `ts` must wait for the source partition. */
  mustWait(ts: unknown): boolean {
    if (this.end === undefined || typeof ts !== 'number') return false;
    // Past by the source's clock: no need to ask whether it is caught up (and so to measure its end).
    if (ts < this.sourceClock) return false;
    return !this.caughtUp(); // caught up: nothing earlier to wait for
  }

  /**
   * True when the source partition was read to its end, and that end was learned at or after the
   * records being applied were received. Read to an end learned earlier, it notes that a fresher
   * end is wanted.
   */
  caughtUp(): boolean {
    return this.atEnd() && this.endFreshFor(this.receivedAt);
  }

  /**
   * True when the end was learned at or after `receivedAt` (wall-clock ms), so that "read to the
   * end" may be said of input received then; otherwise notes that a fresher end is wanted.
   */
  endFreshFor(receivedAt: number): boolean {
    if (this.endSeenAt >= receivedAt) return true;
    this.endWanted = true;
    return false;
  }

  /** Whether an apply since the last call found the end too old to trust (and so a measurement would let records pass). */
  takeEndWanted(): boolean {
    const wanted = this.endWanted;
    this.endWanted = false;
    return wanted;
  }

  /** The source partition's end as the consumer last saw it (its high watermark); undefined until told. */
  get sourceEnd(): number | undefined {
    return this.end;
  }

  /** True when the source partition was read to the end last seen. */
  atEnd(): boolean {
    return this.end !== undefined && (this.offsets.get(this.sourceTp) ?? 0) >= this.end;
  }

  /** `seenAt`: when the end was measured (or the batch carrying it received), wall-clock ms; omitted: never stale. */
  noteSourceEnd(highWatermark: number, seenAt = Infinity): void {
    if (!Number.isSafeInteger(highWatermark)) return;
    if (this.end === undefined || highWatermark > this.end) this.end = highWatermark;
    this.endSeenAt = Math.max(this.endSeenAt, seenAt);
  }
}
