import { applyKafkajsFixes } from './fixes.ts';
import { Kafka, logLevel, type Admin, type Consumer, type ConsumerConfig, type Producer, type ProducerConfig } from 'kafkajs';

/**
 * The slice of the kafkajs client this adapter uses, so its pieces can be tested with a fake.
 * Internal to adapters/kafkajs/: the rest of the product sees only the engine's ports.
 */
export type AdminPort = Pick<
  Admin,
  | 'connect'
  | 'disconnect'
  | 'listTopics'
  | 'createTopics'
  | 'deleteTopics'
  | 'fetchTopicMetadata'
  | 'fetchTopicOffsets'
  | 'fetchTopicOffsetsByTimestamp'
  | 'describeCluster'
  | 'describeGroups'
  | 'deleteGroups'
>;
export type ProducerPort = Pick<Producer, 'connect' | 'disconnect' | 'send' | 'sendBatch'>;
export type ConsumerPort = Pick<
  Consumer,
  'connect' | 'disconnect' | 'subscribe' | 'run' | 'stop' | 'seek' | 'commitOffsets' | 'pause' | 'resume' | 'on' | 'events'
>;

export interface KafkaPort {
  admin(): AdminPort;
  producer(config?: ProducerConfig): ProducerPort;
  consumer(config: ConsumerConfig): ConsumerPort;
}

export interface KafkaClientOptions {
  /** Fail fast (start-up checks, operator commands): short connection timeout, two retries, no kafkajs logs. */
  failFast?: boolean;
}

/**
 * A kafkajs client. For a processor: errors only in the log (the engine reports what matters
 * itself), and enough retries to ride out a broker restart. With `failFast`, one clear error
 * instead of a retry storm (the caller says what failed and how to fix it).
 */
export function createKafkaClient(clientId: string, brokers: string[], opts: KafkaClientOptions = {}): KafkaPort {
  applyKafkajsFixes();
  if (opts.failFast) {
    return new Kafka({ clientId, brokers, connectionTimeout: 3_000, retry: { retries: 2, initialRetryTime: 300 }, logLevel: logLevel.NOTHING });
  }
  return new Kafka({ clientId, brokers, logLevel: logLevel.ERROR, retry: { retries: 8 } });
}
