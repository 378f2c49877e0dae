package dev.actorstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The order saga, simplified (bench/README.md "Kafka Streams peer"): every reservation is taken as
 * granted at once, so `placed` here is actorstream's `reserved`. Keyed by orderId on
 * transaction_events. Emits SKU commands ("S|r|qty" reserve, "S|l|qty" release, "S|c|qty" commit)
 * keyed by sku and payment attempts ("P|ts|a|amount|card", a = authorized, d = declined) keyed by userId,
 * which the topology repartitions to the SKU and user processors.
 *
 * Payment timeout: 15 minutes of event time after order_placed, kept in a second store ordered by
 * due time; like actorstream's timers it fires before the first record of the task whose event time
 * is later than the due time.
 */
final class OrderProcessor implements Processor<String, String, String, String> {
  static final long PAYMENT_TIMEOUT_MS = 15 * 60_000L;
  private ProcessorContext<String, String> ctx;
  private KeyValueStore<String, String> orders;
  private KeyValueStore<String, String> expiries;
  /** Earliest due time in `expiries` (Long.MIN_VALUE: not known yet, scan). */
  private long nextDue = Long.MIN_VALUE;

  @Override
  public void init(ProcessorContext<String, String> context) {
    ctx = context;
    orders = context.getStateStore("orders");
    expiries = context.getStateStore("order-expiries");
  }

  @Override
  public void process(Record<String, String> r) {
    Meter.applied(r.timestamp());
    JsonNode e = Json.parse(r.value());
    if (e == null) return;
    long ts = e.path("ts").asLong();
    fireDue(ts, r);
    JsonNode d = e.path("data");
    String orderId = d.path("orderId").asText();
    String type = e.path("type").asText();
    String current = orders.get(orderId);
    String status = current == null ? "new" : current.substring(0, current.indexOf('|'));
    switch (type) {
      case "order_placed" -> {
        if (!status.equals("new")) return;
        StringBuilder lines = new StringBuilder();
        for (JsonNode item : d.path("items")) {
          String sku = item.path("sku").asText();
          long qty = item.path("qty").asLong();
          if (lines.length() > 0) lines.append(',');
          lines.append(sku).append(':').append(qty);
          forwardSku(r, sku, 'r', qty);
        }
        orders.put(orderId, "placed|" + ts + "|" + lines);
        long due = ts + PAYMENT_TIMEOUT_MS;
        expiries.put(String.format("%015d:%s", due, orderId), "");
        if (nextDue != Long.MIN_VALUE) nextDue = Math.min(nextDue, due);
      }
      case "payment_authorized", "payment_declined" -> {
        // Every attempt reaches the user's fraud rules, valid transition or not (as in actorstream).
        // The card goes last: a fingerprint may contain '|', and the user splits into 5 fields.
        String outcome = type.equals("payment_authorized") ? "a" : "d";
        String payment = "P|" + ts + "|" + outcome + "|" + d.path("amount").asDouble() + "|" + d.path("cardFingerprint").asText();
        ctx.forward(r.withKey(d.path("userId").asText()).withValue(payment));
        Meter.paymentsForwarded.increment();
        if (type.equals("payment_authorized") && status.equals("placed")) orders.put(orderId, "paid" + current.substring(6));
      }
      case "order_shipped" -> {
        if (!status.equals("paid")) return;
        orders.put(orderId, "shipped" + current.substring(4));
        for (String[] line : linesOf(current)) forwardSku(r, line[0], 'c', Long.parseLong(line[1]));
      }
      case "order_delivered" -> {
        if (status.equals("shipped")) orders.put(orderId, "delivered" + current.substring(7));
      }
      case "order_cancelled" -> {
        if (!status.equals("placed") && !status.equals("paid")) return;
        orders.put(orderId, "cancelled" + current.substring(status.length()));
        for (String[] line : linesOf(current)) forwardSku(r, line[0], 'l', Long.parseLong(line[1]));
      }
      default -> {
        // refund_issued: recorded on the order in actorstream; nothing the SKU or velocity state depends on.
      }
    }
  }

  /** Expires, in due order, every unpaid order whose timeout is earlier than `ts`. */
  private void fireDue(long ts, Record<String, String> r) {
    if (nextDue != Long.MIN_VALUE && nextDue >= ts) return;
    List<String> keys = new ArrayList<>();
    nextDue = Long.MAX_VALUE;
    try (KeyValueIterator<String, String> it = expiries.all()) {
      while (it.hasNext()) {
        KeyValue<String, String> kv = it.next();
        long due = Long.parseLong(kv.key.substring(0, 15));
        if (due >= ts) {
          nextDue = due;
          break;
        }
        keys.add(kv.key);
      }
    }
    for (String key : keys) {
      expiries.delete(key);
      String orderId = key.substring(16);
      String current = orders.get(orderId);
      if (current == null || !current.startsWith("placed|")) continue;
      orders.put(orderId, "expired" + current.substring(6));
      Meter.expiredOrders.increment();
      for (String[] line : linesOf(current)) forwardSku(r, line[0], 'l', Long.parseLong(line[1]));
    }
  }

  private void forwardSku(Record<String, String> r, String sku, char command, long qty) {
    ctx.forward(r.withKey(sku).withValue("S|" + command + "|" + qty));
    Meter.skuCommandsForwarded.increment();
  }

  private static List<String[]> linesOf(String order) {
    String lines = order.substring(order.indexOf('|', order.indexOf('|') + 1) + 1);
    List<String[]> out = new ArrayList<>();
    if (lines.isEmpty()) return out;
    for (String l : lines.split(",")) out.add(l.split(":"));
    return out;
  }
}
