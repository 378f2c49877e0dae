import type { OutgoingRecord, RecordSink } from '../../engine/index.ts';
import { partitionOf } from '../kafkajs/partitioner.ts';
import { notRunning, unknownTopic } from './errors.ts';
import type { LogStorage } from './log-storage.ts';
import type { NewRecord } from './partition-log.ts';

/**
 * The RecordSink port on the in-process log. Each record goes to the partition of its key under
 * Kafka's murmur2 placement (`partitionOf`, which every component shares), stamped with its own
 * timestamp or else the time of the send. All records of one `send` are placed before any is appended, so an unknown topic
 * fails the whole call; each partition's records are appended in order, at once, so a fetch sees
 * none or all of them. Nothing is lost or duplicated: an append is a function call.
 */
export function createSink(storage: LogStorage): RecordSink {
  let connected = true;
  return {
    async send(records) {
      if (!connected) throw notRunning('send: the sink is disconnected');
      const now = Date.now();
      for (const [topic, byPartition] of placed(storage, records)) {
        for (const [partition, list] of byPartition) storage.append(topic, partition, list.map((r) => toNewRecord(r, now)));
      }
    },
    async disconnect() {
      connected = false;
    },
  };
}

/** The records by topic and partition, in send order within each. */
function placed(storage: LogStorage, records: readonly OutgoingRecord[]): Map<string, Map<number, OutgoingRecord[]>> {
  const out = new Map<string, Map<number, OutgoingRecord[]>>();
  for (const r of records) {
    const count = storage.partitionCount(r.topic);
    if (count === undefined) throw unknownTopic(r.topic);
    let byPartition = out.get(r.topic);
    if (!byPartition) out.set(r.topic, (byPartition = new Map()));
    const p = partitionOf(r.key, count);
    const list = byPartition.get(p);
    if (list) list.push(r);
    else byPartition.set(p, [r]);
  }
  return out;
}

function toNewRecord(r: OutgoingRecord, now: number): NewRecord {
  return { key: r.key, value: r.value, timestamp: r.timestamp ?? now, ...(r.headers ? { headers: r.headers } : {}) };
}
