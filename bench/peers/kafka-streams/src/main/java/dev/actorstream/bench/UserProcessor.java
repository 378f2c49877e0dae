package dev.actorstream.bench;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The payment rules of actorstream's user actor (actors/user.ts `handlePayment`), keyed by userId,
 * in the same order: every attempt goes through `velocity`; a decline through `card_testing`; an
 * authorized payment expires old declines and goes through `amount_anomaly`. user_events are
 * parsed and counted but feed no rule here: impossible_travel, account_takeover and the
 * recommendations' viewed/bought lists are not implemented in the peer (bench/README.md).
 */
final class UserProcessor implements Processor<String, String, String, String> {
  private ProcessorContext<String, String> ctx;
  private KeyValueStore<String, String> users;

  @Override
  public void init(ProcessorContext<String, String> context) {
    ctx = context;
    users = context.getStateStore("users");
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
    Meter.paymentsApplied.increment();
    // "P|ts|a or d|amount|card" (OrderProcessor); the limit keeps a '|' inside the card.
    String[] p = v.split("\\|", 5);
    long ts = Long.parseLong(p[1]);
    UserState s = UserState.decode(users.get(r.key()));
    if (Velocity.check(s, ts)) alert(r, "velocity", Meter.velocityAlerts);
    long clock = Velocity.clock(s, ts);
    if (p[2].equals("d")) {
      if (CardTesting.onDecline(s, ts, p[4], clock)) alert(r, "card_testing", Meter.cardTestingAlerts);
    } else {
      CardTesting.expire(s, clock);
      if (AmountAnomaly.check(s, Double.parseDouble(p[3]))) alert(r, "amount_anomaly", Meter.amountAnomalyAlerts);
    }
    users.put(r.key(), s.encode());
  }

  private void alert(Record<String, String> r, String type, java.util.concurrent.atomic.LongAdder counter) {
    counter.increment();
    ctx.forward(r.withValue("{\"type\":\"" + type + "\",\"user\":\"" + r.key() + "\"}"));
  }
}
