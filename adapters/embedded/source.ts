import { randomUUID } from 'node:crypto';
import type { RecordSource, TopicPartition } from '../../engine/index.ts';
import type { GroupCoordinator } from './consumer-group.ts';
import { invalidOffset, notRunning, unknownTopic } from './errors.ts';
import type { LogStorage } from './log-storage.ts';
import { Member } from './member.ts';

export interface SourceSetup {
  storage: LogStorage;
  group: GroupCoordinator;
  topics: readonly string[];
  shardOf(topic: string): string | undefined;
  maxBytesPerPartition?: number;
  /** Sources that are group members, so the log can disconnect them all when it closes. */
  live: Set<RecordSource>;
}

/** A fetch's byte budget per partition when the caller sets none (Kafka's max.partition.fetch.bytes). */
const DEFAULT_MAX_BYTES_PER_PARTITION = 1_048_576;

/**
 * The RecordSource port on the in-process log: a consumer-group member for `run`'s life. The
 * topics must exist (there is no auto-creation). `run` joins the group and resolves once this
 * member has its first assignment (`assigned` has been called); a source runs once. `stop` ends
 * fetching after the batches in flight, and the member stays in the group (its commits still
 * count) until `disconnect`, which leaves it, so the others rebalance. `seek`, `pause`, `resume`
 * and `commit` need a member: they throw before `run` and after `disconnect`.
 */
export function createSource(s: SourceSetup): RecordSource {
  for (const topic of s.topics) if (s.storage.partitionCount(topic) === undefined) throw unknownTopic(topic);
  let member: Member | undefined;
  let state: 'new' | 'member' | 'left' = 'new';
  const joined = (what: string): Member => {
    if (state !== 'member' || !member) throw notRunning(`${what}: the source is not a group member (call run first; not after disconnect)`);
    return member;
  };

  const source: RecordSource = {
    async run(handlers, { concurrency }) {
      if (state !== 'new') throw notRunning('run: a source runs once');
      state = 'member';
      member = new Member({
        memberId: `${s.group.groupId}-${randomUUID()}`, storage: s.storage, group: s.group, topics: s.topics, shardOf: s.shardOf,
        maxBytesPerPartition: s.maxBytesPerPartition ?? DEFAULT_MAX_BYTES_PER_PARTITION, handlers, concurrency,
      });
      s.live.add(source);
      await s.group.join(member);
    },
    seek(tp, offset) {
      const n = Number(offset);
      if (!Number.isSafeInteger(n) || n < 0) throw invalidOffset(offset);
      joined('seek').seek(tp, n);
    },
    pause: (tps) => joined('pause').pause(tps),
    resume: (tps) => joined('resume').resume(tps),
    async commit(offsets: readonly (TopicPartition & { offset: number })[]) {
      joined('commit');
      for (const { offset } of offsets) if (!Number.isSafeInteger(offset) || offset < 0) throw invalidOffset(offset);
      for (const { topic, partition, offset } of offsets) s.group.commit(topic, partition, offset);
    },
    async stop() {
      await member?.stop();
    },
    async disconnect() {
      if (state === 'left') return;
      state = 'left';
      s.live.delete(source);
      if (!member) return;
      await member.stop();
      s.group.leave(member);
    },
  };
  return source;
}
