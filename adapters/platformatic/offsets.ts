import { ListOffsetTimestamps, type Consumer } from '@platformatic/kafka';
import type { TopicPartition } from '../../engine/index.ts';
import { tpKey } from './fetch-positions.ts';

/**
 * Where partitions start when nothing says otherwise: the group's committed offset (for a group
 * member), else the log start (`earliest`: offset 0, which a fetch answers with OFFSET_OUT_OF_RANGE
 * when retention removed it, and the fetcher moves to the log start) or the log end (`latest`).
 */
export async function startOffsets(
  consumer: Consumer,
  tps: readonly TopicPartition[],
  useCommitted: boolean,
  reset: 'earliest' | 'latest',
): Promise<Map<string, bigint>> {
  const starts = new Map<string, bigint>();
  if (useCommitted) {
    const committed = await consumer.listCommittedOffsets({ topics: byTopic(tps).map(([topic, partitions]) => ({ topic, partitions })) });
    for (const { topic, partition } of tps) {
      const offset = committed.get(topic)?.[partition];
      if (offset !== undefined && offset >= 0n) starts.set(tpKey(topic, partition), offset);
    }
  }
  const rest = tps.filter((tp) => !starts.has(tpKey(tp.topic, tp.partition)));
  if (rest.length === 0) return starts;
  if (reset === 'earliest') {
    for (const { topic, partition } of rest) starts.set(tpKey(topic, partition), 0n);
    return starts;
  }
  for (const [key, offset] of await listedOffsets(consumer, rest, ListOffsetTimestamps.LATEST)) starts.set(key, offset);
  return starts;
}

/** The first offset still in the log, per partition. */
export function logStartOffsets(consumer: Consumer, tps: readonly TopicPartition[]): Promise<Map<string, bigint>> {
  return listedOffsets(consumer, tps, ListOffsetTimestamps.EARLIEST);
}

async function listedOffsets(consumer: Consumer, tps: readonly TopicPartition[], timestamp: bigint): Promise<Map<string, bigint>> {
  const groups = byTopic(tps);
  const listed = await consumer.listOffsets({ topics: groups.map(([topic]) => topic), partitions: Object.fromEntries(groups), timestamp });
  const out = new Map<string, bigint>();
  for (const { topic, partition } of tps) {
    const offset = listed.get(topic)?.[partition];
    if (offset !== undefined && offset >= 0n) out.set(tpKey(topic, partition), offset);
  }
  return out;
}

function byTopic(tps: readonly TopicPartition[]): [string, number[]][] {
  const out = new Map<string, number[]>();
  for (const { topic, partition } of tps) out.set(topic, [...(out.get(topic) ?? []), partition]);
  return [...out];
}
