import { Partitioners, type IHeaders, type Message, type ProducerBatch, type ProducerConfig, type RecordMetadata } from 'kafkajs';
import type { ProducerPort } from '../kafkajs/port.ts';
import { partitionOf } from '../kafkajs/partitioner.ts';
import { invalidArgument, producerDisconnected, unknownPartition } from './kafka-errors.ts';
import type { LogStorage, NewRecord } from './log-storage.ts';

/**
 * A producer onto the in-process log with kafkajs's contract: `send`/`sendBatch` validate like
 * kafkajs, place each message where Kafka's default partitioner would (an explicit `partition`
 * wins; a string key goes through `partitionOf`, the murmur2 placement every component shares;
 * Buffer and null keys through kafkajs's own default partitioner, which round-robins null keys),
 * append each partition's messages in order and answer one RecordMetadata per topic partition.
 * A whole `sendBatch` becomes visible to consumers at once (it is appended synchronously).
 */
export function createProducer(storage: LogStorage, config: ProducerConfig = {}): ProducerPort {
  let connected = false;
  const idempotent = config.idempotent ?? false;
  const partitioner = Partitioners.DefaultPartitioner();

  function partitionFor(topic: string, message: Message): number {
    const count = storage.partitionCount(topic);
    if (message.partition !== undefined && message.partition !== null) {
      if (message.partition < 0 || message.partition >= count) throw unknownPartition(topic, message.partition);
      return message.partition;
    }
    if (typeof message.key === 'string') return partitionOf(message.key, count);
    return partitioner({ topic, partitionMetadata: storage.partitionMetadata(topic), message });
  }

  async function sendBatch({ acks = -1, topicMessages = [] }: ProducerBatch): Promise<RecordMetadata[]> {
    if (topicMessages.some(({ topic }) => !topic)) throw invalidArgument('Invalid topic');
    if (idempotent && acks !== -1) {
      throw invalidArgument("Not requiring ack for all messages invalidates the idempotent producer's EoS guarantees");
    }
    for (const { topic, messages } of topicMessages) {
      if (!messages) throw invalidArgument(`Invalid messages array [${messages}] for topic "${topic}"`);
      const missing = messages.find((m) => m.value === undefined);
      if (missing) throw invalidArgument(`Invalid message without value for topic "${topic}": ${JSON.stringify(missing)}`);
    }
    if (!connected) throw producerDisconnected();

    // Place every message before appending any, so an unknown topic fails the whole call.
    const groups = new Map<string, Map<number, NewRecord[]>>();
    for (const { topic, messages } of topicMessages) {
      let byPartition = groups.get(topic);
      if (!byPartition) groups.set(topic, (byPartition = new Map()));
      for (const m of messages) {
        const p = partitionFor(topic, m);
        let list = byPartition.get(p);
        if (!list) byPartition.set(p, (list = []));
        list.push(toRecord(m));
      }
    }
    const out: RecordMetadata[] = [];
    for (const [topic, byPartition] of groups) {
      for (const [partition, records] of [...byPartition].sort(([a], [b]) => a - b)) {
        const base = storage.append(topic, partition, records);
        out.push({ topicName: topic, partition, errorCode: 0, baseOffset: String(base), logAppendTime: '-1', logStartOffset: '0' });
      }
    }
    return out;
  }

  return {
    async connect() {
      connected = true;
    },
    async disconnect() {
      connected = false;
    },
    send: ({ topic, messages, acks, timeout, compression }) => sendBatch({ acks, timeout, compression, topicMessages: [{ topic, messages }] }),
    sendBatch,
  };
}

function toRecord(m: Message): NewRecord {
  return {
    key: m.key === undefined || m.key === null ? null : toBuffer(m.key),
    value: m.value === null ? null : toBuffer(m.value),
    timestamp: m.timestamp ?? String(Date.now()),
    headers: bufferHeaders(m.headers),
  };
}

/** A consumer receives header values as Buffers whatever the producer passed (kafkajs encodes them). */
function bufferHeaders(headers: IHeaders | undefined): IHeaders {
  const out: IHeaders = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map(toBuffer) : toBuffer(v);
  }
  return out;
}

/** Always a copy: the log must not change when the caller reuses its Buffer after the send. */
function toBuffer(v: Buffer | string): Buffer {
  return typeof v === 'string' ? Buffer.from(v) : Buffer.from(v);
}
