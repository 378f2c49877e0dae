package dev.actorstream.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The Kafka Streams peer: the SKU inventory, a simplified order saga and three fraud rules
 * (velocity, card_testing, amount_anomaly) as one exactly-once (v2) topology with RocksDB state
 * stores, on `--threads` stream threads (default 1). It reads `--expect` source records from the
 * prefixed source topics, reports on stdout (one JSON object per line: `ready`, then `done` with
 * timings and latency percentiles), dumps the final SKU states to `--out`, and stays up until
 * SIGTERM so the harness can read its CPU and memory first.
 *
 * java -Xmx512m -cp 'target/classes:target/lib/*' dev.actorstream.bench.StreamsPeer \
 *   --brokers 127.0.0.1:39092 --prefix b1_ --app-id ks-1 --partitions 6 --threads 2 --expect 2000006 --out skus.json
 */
public final class StreamsPeer {
  public static void main(String[] argv) throws Exception {
    Map<String, String> args = parseArgs(argv);
    String brokers = args.getOrDefault("brokers", "127.0.0.1:9092");
    String prefix = args.getOrDefault("prefix", "");
    String appId = args.getOrDefault("app-id", "kstreams-peer");
    int partitions = Integer.parseInt(args.getOrDefault("partitions", "6"));
    int threads = Integer.parseInt(args.getOrDefault("threads", "1"));
    long expect = Long.parseLong(args.getOrDefault("expect", "0"));
    long timeoutMs = Long.parseLong(args.getOrDefault("timeout-ms", "3600000"));
    String out = args.get("out");
    String alerts = appId + "-alerts";
    List<String> sources = List.of(prefix + "user_events", prefix + "transaction_events", prefix + "inventory_events");

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, args.getOrDefault("commit-interval-ms", "200"));
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    // Thread names start with the client id and Linux keeps 15 characters of them: a short one lets
    // the harness's per-thread CPU tell stream threads from the clients' network threads.
    props.put(StreamsConfig.CLIENT_ID_CONFIG, "ks");
    props.put(StreamsConfig.STATE_DIR_CONFIG, args.getOrDefault("state-dir", new File(System.getProperty("java.io.tmpdir"), "ks-peer-" + appId).getPath()));
    props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);

    Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers));
    try {
      admin.createTopics(List.of(new NewTopic(alerts, partitions, (short) 1))).all().get();
    } catch (java.util.concurrent.ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) throw e;
    }

    KafkaStreams streams = new KafkaStreams(topology(prefix, partitions, alerts), props, new CommitHookClientSupplier());
    CountDownLatch closed = new CountDownLatch(1);
    AtomicBoolean ready = new AtomicBoolean(false);
    streams.setStateListener((next, prev) -> {
      if (next == KafkaStreams.State.RUNNING && ready.compareAndSet(false, true)) emit("{\"event\":\"ready\",\"atMs\":" + System.currentTimeMillis() + "}");
      if (next == KafkaStreams.State.ERROR) {
        emit("{\"event\":\"error\",\"message\":\"streams entered ERROR\"}");
        System.exit(1);
      }
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(20));
      closed.countDown();
    }));
    long startedAt = System.currentTimeMillis();
    streams.start();

    // Processed: every source record applied and every command the orders sent consumed.
    // Applied before forwarded is read, so a command forwarded in between keeps the loop waiting.
    while (Meter.sourceRecords.sum() < expect
        || Meter.skuCommandsApplied.sum() < Meter.skuCommandsForwarded.sum()
        || Meter.paymentsApplied.sum() < Meter.paymentsForwarded.sum()) {
      if (System.currentTimeMillis() - startedAt > timeoutMs) fail("timed out: " + Meter.sourceRecords.sum() + "/" + expect + " source records");
      Thread.sleep(10);
    }
    long processedAtMs = System.currentTimeMillis();
    // Durable: the group's committed offsets reached the end of every input. Repartition topics are
    // written transactionally, so their last offset may be a commit marker nobody consumes.
    List<String> repartition = List.of(appId + "-sku-commands-repartition", appId + "-payments-repartition");
    while (!committedToEnd(admin, appId, sources, repartition)) {
      if (System.currentTimeMillis() - startedAt > timeoutMs) fail("timed out waiting for committed offsets");
      Thread.sleep(20);
    }
    long durableAtMs = System.currentTimeMillis();
    // The last transaction has committed by now; give its hook a moment to have run.
    Thread.sleep(50);

    int skuCount = 0;
    if (out != null) {
      ReadOnlyKeyValueStore<String, String> store = streams.store(StoreQueryParameters.fromNameAndType("skus", QueryableStoreTypes.keyValueStore()));
      ObjectNode dump = Json.MAPPER.createObjectNode();
      try (KeyValueIterator<String, String> it = store.all()) {
        while (it.hasNext()) {
          KeyValue<String, String> kv = it.next();
          long[] s = SkuProcessor.decode(kv.value);
          ObjectNode o = dump.putObject(kv.key);
          o.put("onHand", s[0]).put("reserved", s[1]).put("reorderPoint", s[2]).put("lowStock", s[3] == 1);
          skuCount++;
        }
      }
      Json.MAPPER.writeValue(new File(out), dump);
    }
    emit(String.format(
        "{\"event\":\"done\",\"sourceRecords\":%d,\"startedAtMs\":%d,\"firstAtMs\":%d,\"processedAtMs\":%d,\"durableAtMs\":%d,"
            + "\"latency\":{\"state\":%s,\"durable\":%s},\"streamThreads\":%d,\"commits\":%d,\"skuStates\":%d,\"lowStockAlerts\":%d,"
            + "\"fraudAlerts\":{\"velocity\":%d,\"card_testing\":%d,\"amount_anomaly\":%d},"
            + "\"expiredOrders\":%d,\"reservesOverAvailable\":%d,\"skuCommands\":%d,\"payments\":%d}",
        Meter.sourceRecords.sum(), startedAt, Meter.firstAtMs.get(), processedAtMs, durableAtMs,
        Meter.histogramJson(Meter.stateLatency), Meter.histogramJson(Meter.durableLatency), threads, Meter.commits.sum(), skuCount,
        Meter.lowStockAlerts.sum(), Meter.velocityAlerts.sum(), Meter.cardTestingAlerts.sum(), Meter.amountAnomalyAlerts.sum(),
        Meter.expiredOrders.sum(), Meter.reservesOverAvailable.sum(), Meter.skuCommandsApplied.sum(), Meter.paymentsApplied.sum()));
    admin.close();
    closed.await();
  }

  static Topology topology(String prefix, int partitions, String alerts) {
    Serde<String> s = Serdes.String();
    StreamsBuilder b = new StreamsBuilder();
    for (String name : List.of("orders", "order-expiries", "skus", "users")) {
      b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), s, s).withCachingEnabled());
    }
    KStream<String, String> orderOut = b.stream(prefix + "transaction_events", Consumed.with(s, s)).process(OrderProcessor::new, "orders", "order-expiries");
    KStream<String, String> skuCommands = orderOut
        .filter((k, v) -> v.startsWith("S|"))
        .repartition(Repartitioned.<String, String>as("sku-commands").withKeySerde(s).withValueSerde(s).withNumberOfPartitions(partitions));
    KStream<String, String> payments = orderOut
        .filter((k, v) -> v.startsWith("P|"))
        .repartition(Repartitioned.<String, String>as("payments").withKeySerde(s).withValueSerde(s).withNumberOfPartitions(partitions));
    b.stream(prefix + "inventory_events", Consumed.with(s, s)).merge(skuCommands).process(SkuProcessor::new, "skus").to(alerts, Produced.with(s, s));
    b.stream(prefix + "user_events", Consumed.with(s, s)).merge(payments).process(UserProcessor::new, "users").to(alerts, Produced.with(s, s));
    return b.build();
  }

  private static boolean committedToEnd(Admin admin, String group, List<String> sources, List<String> repartition) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
    List<String> all = new ArrayList<>(sources);
    all.addAll(repartition);
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (var d : admin.describeTopics(all).allTopicNames().get().values()) {
      for (var p : d.partitions()) request.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest());
    }
    for (var e : admin.listOffsets(request).all().get().entrySet()) {
      long end = e.getValue().offset();
      OffsetAndMetadata c = committed.get(e.getKey());
      long at = c == null ? 0 : c.offset();
      long slack = repartition.contains(e.getKey().topic()) ? 1 : 0;
      if (end > 0 && at < end - slack) return false;
    }
    return true;
  }

  private static synchronized void emit(String line) {
    System.out.println(line);
    System.out.flush();
  }

  private static void fail(String message) {
    emit("{\"event\":\"error\",\"message\":\"" + message.replace("\"", "'") + "\"}");
    System.exit(1);
  }

  private static Map<String, String> parseArgs(String[] argv) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i + 1 < argv.length; i += 2) out.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
    return out;
  }
}
