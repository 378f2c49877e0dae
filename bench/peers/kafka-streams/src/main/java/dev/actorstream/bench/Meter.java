package dev.actorstream.bench;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * What the peer measures, shared by its processors and the producer wrapper. With
 * num.stream.threads > 1 every stream thread updates these at once, so counters are LongAdders
 * (a `volatile long` incremented from two threads loses increments, and the main thread then waits
 * forever for its count) and the histograms are concurrent. The main thread only reads them.
 */
final class Meter {
  /** event→state: wall clock when a processor applied a source record, minus its Kafka timestamp. */
  static final Histogram stateLatency = new ConcurrentHistogram(3_600_000L, 3);
  /** event→durable: wall clock when the transaction holding the record committed, minus its Kafka timestamp. */
  static final Histogram durableLatency = new ConcurrentHistogram(3_600_000L, 3);

  static final LongAdder sourceRecords = new LongAdder();
  static final LongAdder skuCommandsForwarded = new LongAdder();
  static final LongAdder skuCommandsApplied = new LongAdder();
  static final LongAdder paymentsForwarded = new LongAdder();
  static final LongAdder paymentsApplied = new LongAdder();
  static final AtomicLong firstAtMs = new AtomicLong();
  static final LongAdder lowStockAlerts = new LongAdder();
  static final LongAdder velocityAlerts = new LongAdder();
  static final LongAdder cardTestingAlerts = new LongAdder();
  static final LongAdder amountAnomalyAlerts = new LongAdder();
  static final LongAdder expiredOrders = new LongAdder();
  /** Reserves applied while available < qty (our SKU actor would have refused them; see README). */
  static final LongAdder reservesOverAvailable = new LongAdder();
  static final LongAdder commits = new LongAdder();

  /**
   * Kafka timestamps of the records applied since the last commit, per stream thread: under
   * exactly_once_v2 each stream thread has its own producer and commits its own transaction, on
   * that same thread, covering only the records that thread applied.
   */
  private static final ThreadLocal<Pending> pending = ThreadLocal.withInitial(Pending::new);

  private Meter() {}

  /** A source record went through its processor. */
  static void applied(long appendTs) {
    long now = System.currentTimeMillis();
    if (firstAtMs.get() == 0) firstAtMs.compareAndSet(0, now);
    sourceRecords.increment();
    stateLatency.recordValue(Math.max(0, Math.min(now - appendTs, 3_600_000L)));
    pending.get().add(appendTs);
  }

  /** This stream thread's transaction committed: every record it applied since its last commit is durable. */
  static void committed() {
    long now = System.currentTimeMillis();
    Pending p = pending.get();
    for (int i = 0; i < p.count; i++) durableLatency.recordValue(Math.max(0, Math.min(now - p.ts[i], 3_600_000L)));
    p.count = 0;
    commits.increment();
  }

  /** This stream thread's transaction was aborted: its records will be applied again. */
  static void aborted() {
    pending.get().count = 0;
  }

  static String histogramJson(Histogram h) {
    return String.format(
        "{\"count\":%d,\"p50\":%d,\"p99\":%d,\"p999\":%d,\"max\":%d,\"mean\":%.2f}",
        h.getTotalCount(), h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue(), h.getMean());
  }

  private static final class Pending {
    long[] ts = new long[1 << 16];
    int count;

    void add(long t) {
      if (count == ts.length) ts = Arrays.copyOf(ts, ts.length * 2);
      ts[count++] = t;
    }
  }
}
