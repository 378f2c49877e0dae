package dev.actorstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The SKU inventory of docs/domain-rules.md, keyed by sku: inventory_events merged with the order
 * processor's commands. State "onHand|reserved|reorderPoint|lowStock(0/1)"; available = onHand −
 * reserved. low_stock is edge-triggered exactly as actors/sku.ts. Simplification: a reserve is
 * always applied (the order side cannot hear a refusal); one that actorstream would have refused is
 * counted in Meter.reservesOverAvailable, so a difference can be explained.
 */
final class SkuProcessor implements Processor<String, String, String, String> {
  private ProcessorContext<String, String> ctx;
  private KeyValueStore<String, String> skus;

  @Override
  public void init(ProcessorContext<String, String> context) {
    ctx = context;
    skus = context.getStateStore("skus");
  }

  @Override
  public void process(Record<String, String> r) {
    String v = r.value();
    if (v == null) return;
    long[] s = decode(skus.get(r.key()));
    if (v.startsWith("S|")) {
      Meter.skuCommandsApplied.increment();
      char command = v.charAt(2);
      long qty = Long.parseLong(v.substring(4));
      switch (command) {
        case 'r' -> {
          if (s[0] - s[1] < qty) Meter.reservesOverAvailable.increment();
          s[1] += qty;
        }
        case 'l' -> s[1] = Math.max(0, s[1] - qty);
        default -> {
          s[1] = Math.max(0, s[1] - qty);
          s[0] -= qty;
        }
      }
    } else {
      Meter.applied(r.timestamp());
      JsonNode e = Json.parse(v);
      if (e == null) return;
      JsonNode d = e.path("data");
      switch (e.path("type").asText()) {
        case "stock_received" -> s[0] += d.path("qty").asLong();
        case "stock_adjusted" -> s[0] += d.path("delta").asLong();
        case "reorder_point_set" -> s[2] = d.path("reorderPoint").asLong();
        default -> {
          return;
        }
      }
    }
    boolean low = s[2] > 0 && s[0] - s[1] < s[2];
    if (low && s[3] == 0) {
      Meter.lowStockAlerts.increment();
      ctx.forward(r.withValue("{\"type\":\"low_stock\",\"sku\":\"" + r.key() + "\",\"available\":" + (s[0] - s[1]) + "}"));
    }
    s[3] = low ? 1 : 0;
    skus.put(r.key(), s[0] + "|" + s[1] + "|" + s[2] + "|" + s[3]);
  }

  static long[] decode(String state) {
    long[] s = new long[4];
    if (state == null) return s;
    String[] parts = state.split("\\|");
    for (int i = 0; i < 4; i++) s[i] = Long.parseLong(parts[i]);
    return s;
  }
}
