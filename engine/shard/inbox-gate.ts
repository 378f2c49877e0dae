/**
 * Event-time gate for inbox records (see `Shard.noteSourceEnd`). A shard reads two partitions whose
 * interleaving Kafka does not define: its source and its inbox. Live, the source is read as soon
 * as it is produced and inbox messages trail it (they need a checkpoint and a relay first). On a
 * catch-up from an old or empty checkpoint both partitions hold a backlog, and the consumer may
 * hand over the whole inbox backlog first: an SKU would then see every `reserve` before the
 * `stock_received` that precedes it in event time, refuse it, and the order would be rejected.
 * So an inbox message waits until the source has moved past its event time (or has nothing more).
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

  constructor(
    /** The shard's next offsets, by `<topic>:<partition>`. */
    private readonly offsets: ReadonlyMap<string, number>,
    /** `<topic>:<partition>` of the shard's source partition. */
    private readonly sourceTp: string,
  ) {}

  /** True when an inbox message of event time `ts` must wait for the source partition. */
  mustWait(ts: unknown): boolean {
    if (this.end === undefined || typeof ts !== 'number') return false;
    if (this.atEnd()) return false; // source caught up: nothing earlier to wait for
    return ts >= this.sourceClock;
  }

  /** The source partition's end as the consumer last saw it (its high watermark); undefined until told. */
  get sourceEnd(): number | undefined {
    return this.end;
  }

  /** True when the source partition was read to the end last seen. */
  atEnd(): boolean {
    return this.end !== undefined && (this.offsets.get(this.sourceTp) ?? 0) >= this.end;
  }

  noteSourceEnd(highWatermark: number): void {
    if (Number.isSafeInteger(highWatermark) && (this.end === undefined || highWatermark > this.end)) this.end = highWatermark;
  }
}
