import { Kafka, logLevel, type Admin, type Consumer, type ConsumerConfig, type Producer, type ProducerConfig } from 'kafkajs';

/**
 * The slice of the kafkajs client the runtime, the relay, the HTTP ingest and the generator use.
 * A real `new Kafka(...)` satisfies it; so does the embedded in-process log (adapters/embedded/),
 * which is why the processor never names kafkajs's `Kafka` class directly. Keep this list short:
 * every method here must be implemented faithfully by every adapter.
 */
export type AdminPort = Pick<
  Admin,
  'connect' | 'disconnect' | 'listTopics' | 'createTopics' | 'fetchTopicMetadata' | 'fetchTopicOffsets' | 'describeCluster'
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

/**
 * The kafkajs client a processor instance uses against a real cluster: errors only in the log
 * (the runtime reports what matters itself), and enough retries to ride out a broker restart.
 */
export function createKafkaClient(clientId: string, brokers: string[]): KafkaPort {
  return new Kafka({ clientId, brokers, logLevel: logLevel.ERROR, retry: { retries: 8 } });
}
