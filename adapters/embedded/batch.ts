import type { Batch, KafkaMessage } from 'kafkajs';

/**
 * A fetched batch of one partition with kafkajs's Batch methods. Offsets are decimal strings and
 * the lags are computed from the high watermark at fetch time, as kafkajs does.
 */
export function createBatch(topic: string, partition: number, messages: KafkaMessage[], highWatermark: number): Batch {
  const first = messages[0]?.offset ?? null;
  const last = messages.length > 0 ? messages[messages.length - 1]!.offset : String(highWatermark - 1);
  return {
    topic,
    partition,
    highWatermark: String(highWatermark),
    messages,
    isEmpty: () => messages.length === 0,
    firstOffset: () => first,
    lastOffset: () => last,
    offsetLag: () => String(highWatermark - 1 - Number(last)),
    offsetLagLow: () => (first === null ? '0' : String(highWatermark - 1 - Number(first))),
  };
}
