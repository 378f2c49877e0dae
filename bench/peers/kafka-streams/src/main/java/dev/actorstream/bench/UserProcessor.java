package dev.actorstream.bench;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The `velocity` fraud rule of actors/fraud/velocity.ts, keyed by userId: ≥ 5 payment attempts with
 * event time in (now − 10 min, now], once per burst, the window capped at 10 entries and judged at
 * the latest event time it has seen. user_events are parsed and counted but feed no rule here (the
 * other four rules are not implemented in the peer).
 */
final class UserProcessor implements Processor<String, String, String, String> {
  static final int ATTEMPTS = 5;
  static final long WINDOW_MS = 10 * 60_000L;
  static final int CAP = 2 * ATTEMPTS;
  private ProcessorContext<String, String> ctx;
  private KeyValueStore<String, String> windows;

  @Override
  public void init(ProcessorContext<String, String> context) {
    ctx = context;
    windows = context.getStateStore("velocity");
  }

  @Override
  public void process(Record<String, String> r) {
    String v = r.value();
    if (v == null) return;
    if (!v.startsWith("P|")) {
      Meter.applied(r.timestamp());
      Json.parse(v);
      return;
    }
    Meter.paymentsApplied++;
    String[] p = v.split("\\|");
    long ts = Long.parseLong(p[1]);
    List<Long> entries = new ArrayList<>();
    String stored = windows.get(r.key());
    if (stored != null && !stored.isEmpty()) for (String t : stored.split(",")) entries.add(Long.parseLong(t));
    long at = Math.max(ts, entries.isEmpty() ? ts : entries.get(entries.size() - 1));
    entries.removeIf(t -> t <= at - WINDOW_MS);
    int before = entries.size();
    boolean added = false;
    if (ts > at - WINDOW_MS) {
      int pos = entries.size();
      while (pos > 0 && entries.get(pos - 1) > ts) pos--;
      entries.add(pos, ts);
      added = true;
      while (entries.size() > CAP) {
        if (pos == 0) added = false;
        entries.remove(0);
        pos--;
      }
    }
    if (added && before < ATTEMPTS && entries.size() >= ATTEMPTS) {
      Meter.velocityAlerts++;
      ctx.forward(r.withValue("{\"type\":\"velocity\",\"user\":\"" + r.key() + "\",\"count\":" + entries.size() + "}"));
    }
    StringBuilder sb = new StringBuilder();
    for (long t : entries) {
      if (sb.length() > 0) sb.append(',');
      sb.append(t);
    }
    windows.put(r.key(), sb.toString());
  }
}
