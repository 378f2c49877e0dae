import type { ClusterMetadata, fetchV17 } from '@platformatic/kafka';
import { tpKey, type FetchPart } from './fetch-positions.ts';

const OFFSET_OUT_OF_RANGE = 1;

/** One Fetch request's topics for `parts` (all led by one broker), by topic id as Fetch v13+ names them. */
export function fetchRequest(parts: readonly FetchPart[], metadata: Pick<ClusterMetadata, 'topics'>, partitionMaxBytes: number): fetchV17.FetchRequestTopic[] {
  const byTopic = new Map<string, fetchV17.FetchRequestTopic>();
  for (const p of parts) {
    const topicId = metadata.topics.get(p.topic)!.id;
    if (!byTopic.has(topicId)) byTopic.set(topicId, { topicId, partitions: [] });
    // Leader epoch -1: no epoch validation, as clients that do not track epochs send.
    byTopic.get(topicId)!.partitions.push({ partition: p.partition, currentLeaderEpoch: -1, fetchOffset: p.offset, lastFetchedEpoch: -1, partitionMaxBytes });
  }
  return [...byTopic.values()];
}

export interface SplitResponse {
  /** Requested partitions the broker answered without error. */
  fetched: [FetchPart, fetchV17.FetchResponsePartition][];
  /** Requested partitions whose position is outside the log (retention, or a seek past the end). */
  outOfRange: FetchPart[];
  /** Requested partitions the broker answered with another error (e.g. NOT_LEADER_OR_FOLLOWER). */
  failed: FetchPart[];
  /** Requested partitions the broker did not answer (no new data in an incremental fetch session). */
  rest: FetchPart[];
}

/** Sorts a response's partitions by what the fetcher does with them; partitions not requested are ignored. */
export function splitResponse(response: fetchV17.FetchResponse, parts: readonly FetchPart[], metadata: Pick<ClusterMetadata, 'topics'>): SplitResponse {
  const topicOf = new Map([...metadata.topics].map(([name, t]) => [t.id, name]));
  const pending = new Map(parts.map((p) => [p.key, p]));
  const out: SplitResponse = { fetched: [], outOfRange: [], failed: [], rest: [] };
  for (const { topicId, partitions } of response.responses) {
    for (const answer of partitions) {
      const part = pending.get(tpKey(topicOf.get(topicId) ?? topicId, answer.partitionIndex));
      if (!part) continue;
      pending.delete(part.key);
      if (answer.errorCode === 0) out.fetched.push([part, answer]);
      else if (answer.errorCode === OFFSET_OUT_OF_RANGE) out.outOfRange.push(part);
      else out.failed.push(part);
    }
  }
  out.rest = [...pending.values()];
  return out;
}

/**
 * The fetch response a failed fetch still carries: platformatic fails the whole request when one
 * partition has an error (OFFSET_OUT_OF_RANGE, NOT_LEADER_OR_FOLLOWER, …) and attaches the parsed
 * response, with the other partitions' records, to its ResponseError (possibly wrapped by retries).
 */
export function responseOf(error: unknown): fetchV17.FetchResponse | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const e = error as { response?: fetchV17.FetchResponse; errors?: unknown[] };
  if (e.response && Array.isArray(e.response.responses)) return e.response;
  for (const inner of e.errors ?? []) {
    const found = responseOf(inner);
    if (found) return found;
  }
  return undefined;
}
