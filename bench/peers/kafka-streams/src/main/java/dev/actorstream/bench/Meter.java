package dev.actorstream.bench;

import org.HdrHistogram.Histogram;

/**
 * What the peer measures, shared by its processors and the producer wrapper. Kafka Streams runs
 * them all on its one stream thread (num.stream.threads=1), so plain fields need no locking; the
 * main thread only reads them (volatile where it polls).
 */
final class Meter {
  /** event→state: wall clock when a processor applied a source record, minus its Kafka timestamp. */
  static final Histogram stateLatency = new Histogram(3_600_000L, 3);
  /** event→durable: wall clock when the transaction holding the record committed, minus its Kafka timestamp. */
  static final Histogram durableLatency = new Histogram(3_600_000L, 3);

  static volatile long sourceRecords;
  static volatile long skuCommandsForwarded;
  static volatile long skuCommandsApplied;
  static volatile long paymentsForwarded;
  static volatile long paymentsApplied;
  static volatile long firstAtMs;
  static long lowStockAlerts;
  static long velocityAlerts;
  static long expiredOrders;
  /** Reserves applied while available < qty (our SKU actor would have refused them; see README). */
  static long reservesOverAvailable;
  static volatile long commits;

  private static long[] pending = new long[1 << 16];
  private static int pendingCount;

  private Meter() {}

  /** A source record went through its processor. */
  static void applied(long appendTs) {
    long now = System.currentTimeMillis();
    if (firstAtMs == 0) firstAtMs = now;
    sourceRecords++;
    stateLatency.recordValue(Math.max(0, Math.min(now - appendTs, 3_600_000L)));
    if (pendingCount == pending.length) pending = java.util.Arrays.copyOf(pending, pending.length * 2);
    pending[pendingCount++] = appendTs;
  }

  /** The stream thread's transaction committed: every record applied since the last commit is durable. */
  static void committed() {
    long now = System.currentTimeMillis();
    for (int i = 0; i < pendingCount; i++) durableLatency.recordValue(Math.max(0, Math.min(now - pending[i], 3_600_000L)));
    pendingCount = 0;
    commits++;
  }

  /** A transaction was aborted: its records will be applied again. */
  static void aborted() {
    pendingCount = 0;
  }

  static String histogramJson(Histogram h) {
    return String.format(
        "{\"count\":%d,\"p50\":%d,\"p99\":%d,\"p999\":%d,\"max\":%d,\"mean\":%.2f}",
        h.getTotalCount(), h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue(), h.getMean());
  }
}
