/**
 * Per-label counts in one-second buckets, for rates over the last `windowS` complete seconds.
 *
 * Buckets older than the window are dropped when a count lands in a newer second, not only when a
 * rate is read: the live dashboard is the only reader, and an instance nobody watches (the
 * embedded default left running) would otherwise keep one bucket per label per second forever.
 * (The window is exactly `windowS` seconds: it used to sum one more, overstating rates by 1/windowS.)
 */
export class Rates {
  private readonly buckets = new Map<string, Map<number, number>>();

  constructor(private readonly windowS: number) {}

  add(label: string, second: number, n: number): void {
    if (n === 0) return;
    let b = this.buckets.get(label);
    if (!b) this.buckets.set(label, (b = new Map()));
    if (!b.has(second)) dropBefore(b, second - this.windowS);
    b.set(second, (b.get(second) ?? 0) + n);
  }

  /** Per label, the mean count per second over the `windowS` seconds before `now` (sorted by label). */
  perSecond(now: number): [string, number][] {
    const out: [string, number][] = [];
    for (const [label, b] of this.buckets) {
      dropBefore(b, now - this.windowS);
      let sum = 0;
      for (const [sec, n] of b) if (sec < now) sum += n;
      out.push([label, Math.round((sum / this.windowS) * 10) / 10]);
    }
    return out.sort((a, b) => a[0].localeCompare(b[0]));
  }

  /** Buckets held, all labels together: what memory grows with. */
  get bucketCount(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.size;
    return n;
  }
}

function dropBefore(buckets: Map<number, number>, second: number): void {
  for (const sec of buckets.keys()) if (sec < second) buckets.delete(sec);
}
