import type { TopicAdmin } from './topic-admin.ts';
import { tpKey } from './topic-partition.ts';

/**
 * Offsets the intake expected but Kafka no longer has: retention deleted them, so the gap is
 * accepted instead of seeking back forever.
 */
export class RetentionGaps {
  /** The offset last sought to, per `topic:partition`. */
  private readonly soughtTo = new Map<string, number>();

  constructor(
    private readonly admin: Pick<TopicAdmin, 'offsets'>,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * True when the records from `expected` on were deleted by retention (the log now starts later):
   * then the gap is accepted instead of seeking back forever. Asked of the broker only after a
   * seek to the same offset already happened once, so a stale in-flight batch costs no round trip.
   */
  async goneFromKafka(topic: string, partition: number, expected: number): Promise<boolean> {
    const tp = tpKey(topic, partition);
    if (this.soughtTo.get(tp) !== expected) {
      this.soughtTo.set(tp, expected);
      return false;
    }
    const low = (await this.admin.offsets(topic)).find((o) => o.partition === partition)?.low ?? 0;
    if (low <= expected) return false;
    this.log(`${tp}: offsets ${expected}..${low - 1} are no longer in Kafka (retention); continuing from ${low}`);
    return true;
  }
}
