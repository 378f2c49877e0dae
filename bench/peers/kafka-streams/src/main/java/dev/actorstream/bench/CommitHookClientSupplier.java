package dev.actorstream.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.streams.processor.internals.DefaultKafkaClientSupplier;

/**
 * The default clients, with the producer wrapped so the peer learns when each exactly-once
 * transaction commits: that instant makes the records applied before it durable, the same
 * event→durable the actorstream observer reports at each Postgres checkpoint.
 */
final class CommitHookClientSupplier extends DefaultKafkaClientSupplier {
  @Override
  public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
    return new HookedProducer(super.getProducer(config));
  }

  private static final class HookedProducer implements Producer<byte[], byte[]> {
    private final Producer<byte[], byte[]> p;

    HookedProducer(Producer<byte[], byte[]> p) {
      this.p = p;
    }

    @Override public void initTransactions() { p.initTransactions(); }
    @Override public void beginTransaction() { p.beginTransaction(); }
    @SuppressWarnings("deprecation")
    @Override public void sendOffsetsToTransaction(Map<TopicPartition, OffsetAndMetadata> offsets, String groupId) { p.sendOffsetsToTransaction(offsets, groupId); }
    @Override public void sendOffsetsToTransaction(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata meta) { p.sendOffsetsToTransaction(offsets, meta); }
    @Override public void commitTransaction() {
      p.commitTransaction();
      Meter.committed();
    }
    @Override public void abortTransaction() {
      p.abortTransaction();
      Meter.aborted();
    }
    @Override public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> r) { return p.send(r); }
    @Override public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> r, Callback cb) { return p.send(r, cb); }
    @Override public void flush() { p.flush(); }
    @Override public List<PartitionInfo> partitionsFor(String topic) { return p.partitionsFor(topic); }
    @Override public Map<MetricName, ? extends Metric> metrics() { return p.metrics(); }
    @Override public Uuid clientInstanceId(Duration timeout) { return p.clientInstanceId(timeout); }
    @Override public void close() { p.close(); }
    @Override public void close(Duration timeout) { p.close(timeout); }
  }
}
