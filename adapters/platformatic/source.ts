import { ConnectionPool, Consumer, findErrorBy, type ConsumerGroupJoinPayload } from '@platformatic/kafka';
import type { RecordSource, SourceHandlers, SourceOptions, TopicPartition } from '../../engine/index.ts';
import type { ClientConfig } from './config.ts';
import { Fetcher } from './fetcher.ts';
import { SHARD_PROTOCOL, shardPartitionAssigner } from './shard-assigner.ts';
import { backoffMs, sleep } from '../shared/signals.ts';
import { invalidSessionTimeout } from '../shared/session-timeout.ts';

export interface SourceSetup extends SourceOptions {
  config: ClientConfig;
  groupInstanceId?: string;
  /** Where a partition without a committed offset starts (Kafka's auto.offset.reset); default earliest. */
  reset?: 'earliest' | 'latest';
  log(line: string): void;
}

/** Kafka's max.partition.fetch.bytes default, when the engine sets none. */
const DEFAULT_MAX_BYTES_PER_PARTITION = 1_048_576;

/**
 * The RecordSource port over a platformatic consumer in a CLASSIC consumer group whose leader deals
 * partitions by shard (shard-assigner.ts); static membership with `groupInstanceId`. No
 * auto-commit: the engine commits (for lag tools) through `commit`. Fetching is the Fetcher's, on
 * the consumer's low-level fetch. `run` resolves once the first generation's assignment was told
 * to `assigned`; every later generation is told before its first batch. `stop` ends fetching and
 * keeps the membership (heartbeats go on, commits still count) until `disconnect`, which leaves
 * the group — a static member too: platformatic's close() always sends LeaveGroup.
 */
export async function createPlatformaticSource(s: SourceSetup): Promise<RecordSource> {
  const consumer = memberConsumer(s);
  const pool = new ConnectionPool(s.config.clientId, { connectTimeout: s.config.connectTimeout });
  let fetcher: Fetcher | undefined;
  let state: 'new' | 'running' | 'stopped' | 'left' = 'new';
  const running = (what: string): Fetcher => {
    if (!fetcher || state === 'left') throw new Error(`${what}: the source is not a group member (call run first; not after disconnect)`);
    return fetcher;
  };
  const membership = keepMembership(consumer, () => state === 'running' || state === 'stopped', s.log);

  return {
    async run(handlers, { concurrency }) {
      if (state !== 'new') throw new Error('run: a source runs once');
      state = 'running';
      const f = (fetcher = new Fetcher({
        consumer, pool, topics: s.topics, concurrency, useCommitted: true, reset: s.reset ?? 'earliest',
        maxBytesPerPartition: s.maxBytesPerPartition ?? DEFAULT_MAX_BYTES_PER_PARTITION, handler: (batch, control) => handlers.batch(batch, control), log: s.log,
      }));
      consumer.on('consumer:group:join', (payload) => {
        if (state === 'running') joined(f, handlers, payload, s.topics);
      });
      await joinWithRetries(consumer, s.log, s.sessionTimeoutMs);
    },
    seek: (tp, offset) => running('seek').seek(tp, offset),
    pause: (tps) => running('pause').pause(tps),
    resume: (tps) => running('resume').resume(tps),
    async commit(offsets) {
      running('commit');
      if (offsets.length === 0) return;
      await consumer.commit({ offsets: offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: BigInt(offset), leaderEpoch: -1 })) });
    },
    async stop() {
      if (state === 'running') state = 'stopped';
      await fetcher?.stop();
    },
    async disconnect() {
      if (state === 'left') return;
      await fetcher?.stop();
      state = 'left';
      membership.stop();
      // Shutdown goes on (the sink, Postgres) whatever the broker answers.
      await consumer.close().catch((e) => s.log(`leaving the group: ${(e as Error).message}`));
      await pool.close().catch(() => {});
    },
  };
}

/** A consumer-group member of the engine's group protocol, subscribed to `s.topics`. */
function memberConsumer(s: SourceSetup): Consumer {
  const consumer = new Consumer({
    ...s.config, groupId: s.groupId, groupProtocol: 'classic', autocommit: false,
    // No retries inside platformatic for the member: its commit() answers a failed commit
    // (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION) with a joinGroup of its own while the heartbeat
    // already rejoins; the second JoinGroup of the leader starts yet another rebalance, and with the
    // engine committing every checkpoint the group never settles (a measured rebalance storm). With
    // retries 0 a failed commit is only reported (the engine commits again next pass); joining,
    // fetching and offset lookups are retried here instead (run, keepMembership, the Fetcher loop).
    retries: 0,
    sessionTimeout: s.sessionTimeoutMs, heartbeatInterval: s.heartbeatIntervalMs,
    // The broker waits this long for every member to rejoin; members rejoin at their next heartbeat.
    rebalanceTimeout: Math.max(s.sessionTimeoutMs, 60_000),
    protocols: [{ ...SHARD_PROTOCOL }], partitionAssigner: shardPartitionAssigner(s.shardOf),
    ...(s.groupInstanceId ? { groupInstanceId: s.groupInstanceId } : {}),
  });
  // The subscription JoinGroup announces (consume() would track it; this source never calls it).
  consumer.topics.trackAll(...s.topics);
  return consumer;
}

/**
 * A new generation: the fetcher forgets the old one's positions first (its batches stop being
 * current), then the engine is told, synchronously, before any batch of the generation is fetched.
 */
function joined(f: Fetcher, handlers: SourceHandlers, payload: ConsumerGroupJoinPayload, topics: readonly string[]): void {
  const partitions = subscribed(payload.assignments ?? [], topics);
  f.assign(partitions);
  try {
    handlers.assigned(partitions);
  } catch {
    // The engine handles its own errors; a throwing listener must not stop the member.
  }
}

/** The assigned partitions of subscribed topics, in topic then partition order. */
export function subscribed(assignments: readonly { topic: string; partitions: number[] }[], topics: readonly string[]): TopicPartition[] {
  const out: TopicPartition[] = [];
  for (const { topic, partitions } of [...assignments].sort((a, b) => a.topic.localeCompare(b.topic))) {
    if (!topics.includes(topic)) continue;
    for (const partition of [...partitions].sort((a, b) => a - b)) out.push({ topic, partition });
  }
  return out;
}

/**
 * platformatic rejoins by itself when a heartbeat says so, but when that rejoin fails (the broker
 * was away longer than its retries) it emits 'error' and sends no more heartbeats: the member is
 * out of the group for good. Join again, with a backoff, until it works or the source leaves.
 */
function keepMembership(consumer: Consumer, member: () => boolean, log: (line: string) => void): { stop(): void } {
  let rejoining = false;
  let left = false;
  consumer.on('error', async (error: Error) => {
    log(`group membership lost: ${error.message}`);
    if (rejoining) return;
    rejoining = true;
    for (let attempt = 1; !left && member() && !consumer.isActive(); attempt++) {
      await sleep(backoffMs(attempt));
      if (left || !member()) break;
      await consumer.joinGroup({}).catch((e: Error) => log(`rejoining the group: ${e.message}`));
    }
    rejoining = false;
  });
  return { stop: () => void (left = true) };
}

/**
 * The first join, retried (a coordinator still loading, a broker restarting): platformatic does not,
 * with retries 0. A session timeout the broker refuses is a configuration mistake: no retry.
 */
async function joinWithRetries(consumer: Consumer, log: (line: string) => void, sessionTimeoutMs: number, attempts = 8): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await consumer.joinGroup({});
      return;
    } catch (e) {
      if (findErrorBy(e as Error, 'apiId', 'INVALID_SESSION_TIMEOUT')) throw invalidSessionTimeout(sessionTimeoutMs);
      if (attempt >= attempts) throw e;
      log(`joining the group (attempt ${attempt}): ${(e as Error).message}`);
      await sleep(backoffMs(attempt));
    }
  }
}
