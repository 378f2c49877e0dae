import { randomUUID } from 'node:crypto';
import type { ConsumerConfig, ConsumerRunConfig, ConsumerSubscribeTopic, ConsumerSubscribeTopics } from 'kafkajs';
import type { ConsumerPort } from '../kafkajs/port.ts';
import type { GroupCoordinator } from './consumer-group.ts';
import { CONSUMER_EVENTS, createEmitter } from './consumer-events.ts';
import { groupNotInitialized, invalidArgument, unknownTopic } from './kafka-errors.ts';
import type { LogStorage } from './log-storage.ts';
import { Member } from './member.ts';

/**
 * A kafkajs-shaped consumer on the in-process log. `subscribe` before `run` (unknown topics fail:
 * there is no auto-creation); `run` joins the group and resolves once this member has its first
 * assignment (GROUP_JOIN has been emitted); `stop` ends fetching after the batches in flight and
 * leaves the group, so the others rebalance; `disconnect` stops too. `seek`, `pause`, `resume` and
 * `commitOffsets` need a running consumer, and throw kafkajs's error otherwise. Fetch semantics:
 * see Member.
 */
export function createConsumer(
  storage: LogStorage,
  groupOf: (groupId: string) => GroupCoordinator,
  config: ConsumerConfig,
  /** Consumers that are running, so the log can stop them all when it closes. */
  live: Set<ConsumerPort>,
): ConsumerPort {
  if (!config?.groupId) throw invalidArgument('Consumer groupId must be a non-empty string.');
  const { sessionTimeout = 30_000, heartbeatInterval = 3_000 } = config;
  if (heartbeatInterval >= sessionTimeout) {
    throw invalidArgument(`Consumer heartbeatInterval (${heartbeatInterval}) must be lower than sessionTimeout (${sessionTimeout}).`);
  }
  const group = groupOf(config.groupId);
  const emitter = createEmitter();
  const subscriptions = new Map<string, boolean>();
  let member: Member | undefined;
  let stopping: { member: Member; done: Promise<void> } | undefined;

  const running = (): Member => {
    if (!member) throw groupNotInitialized();
    return member;
  };

  async function stop(): Promise<void> {
    const m = member;
    if (!m || stopping?.member === m) return stopping?.done;
    const done = (async () => {
      await m.stop();
      group.leave(m);
      if (member === m) member = undefined;
      live.delete(consumer);
      emitter.emit(CONSUMER_EVENTS.STOP, null);
    })();
    stopping = { member: m, done };
    return done;
  }

  const consumer: ConsumerPort = {
    events: CONSUMER_EVENTS,
    on: emitter.on as ConsumerPort['on'],

    async connect() {
      emitter.emit(CONSUMER_EVENTS.CONNECT, null);
    },

    async disconnect() {
      await stop();
      emitter.emit(CONSUMER_EVENTS.DISCONNECT, null);
    },

    async subscribe(subscription: ConsumerSubscribeTopics | ConsumerSubscribeTopic) {
      if (member) throw invalidArgument('Cannot subscribe to topic while consumer is running');
      const fromBeginning = subscription.fromBeginning ?? false;
      const wanted = 'topics' in subscription ? subscription.topics : [subscription.topic];
      for (const topic of wanted) {
        if (topic instanceof RegExp) {
          for (const name of storage.topicNames().filter((n) => topic.test(n))) subscriptions.set(name, fromBeginning);
          continue;
        }
        if (!storage.has(topic)) throw unknownTopic(topic);
        subscriptions.set(topic, fromBeginning);
      }
    },

    async run(run: ConsumerRunConfig = {}) {
      if (member) return; // kafkajs: "consumer#run was called, but the consumer is already running"
      await stopping?.done;
      const m = new Member({
        memberId: `${config.groupId}-${randomUUID()}`,
        storage,
        group,
        config,
        subscriptions: new Map(subscriptions),
        handlers: {
          eachBatch: run.eachBatch ?? undefined,
          eachMessage: run.eachMessage ?? undefined,
          autoCommit: run.autoCommit ?? true,
          eachBatchAutoResolve: run.eachBatchAutoResolve ?? true,
          concurrency: run.partitionsConsumedConcurrently ?? 1,
        },
        emitter,
      });
      member = m;
      live.add(consumer);
      try {
        await group.join(m);
      } catch (e) {
        await m.stop();
        group.leave(m);
        if (member === m) member = undefined;
        live.delete(consumer);
        throw e;
      }
    },

    stop,

    seek({ topic, partition, offset }) {
      if (!topic) throw invalidArgument(`Invalid topic ${topic}`);
      if (Number.isNaN(Number(partition))) throw invalidArgument(`Invalid partition, expected a number received ${partition}`);
      if (!/^-?\d+$/.test(String(offset))) throw invalidArgument(`Invalid offset, expected a long received ${offset}`);
      if (BigInt(offset) < 0n && offset !== '-1' && offset !== '-2') throw invalidArgument('Offset must not be a negative number');
      running().seek(topic, partition, String(offset));
    },

    pause(topicPartitions = []) {
      validateTopicPartitions(topicPartitions);
      running().pause(topicPartitions);
    },

    resume(topicPartitions = []) {
      validateTopicPartitions(topicPartitions);
      running().resume(topicPartitions);
    },

    async commitOffsets(topicPartitions = []) {
      for (const { topic, partition, offset } of topicPartitions) {
        if (!topic) throw invalidArgument(`Invalid topic ${topic}`);
        if (Number.isNaN(Number(partition))) throw invalidArgument(`Invalid partition, expected a number received ${partition}`);
        if (!/^\d+$/.test(String(offset))) throw invalidArgument(`Invalid offset, expected a non-negative long received ${offset}`);
      }
      running().commit(topicPartitions);
    },
  };
  return consumer;
}

function validateTopicPartitions(topicPartitions: { topic: string; partitions?: number[] }[]): void {
  for (const tp of topicPartitions) {
    if (!tp?.topic) throw invalidArgument(`Invalid topic ${tp?.topic ?? tp}`);
    if (tp.partitions !== undefined && (!Array.isArray(tp.partitions) || tp.partitions.some((p) => Number.isNaN(Number(p))))) {
      throw invalidArgument(`Array of valid partitions required to pause specific partitions instead of ${tp.partitions}`);
    }
  }
}
