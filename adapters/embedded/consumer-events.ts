import type { ConsumerEvents } from 'kafkajs';
import { invalidArgument } from './kafka-errors.ts';

/** kafkajs's consumer event names (`consumer.events`), so listeners register the same way. */
export const CONSUMER_EVENTS: ConsumerEvents = {
  HEARTBEAT: 'consumer.heartbeat',
  COMMIT_OFFSETS: 'consumer.commit_offsets',
  GROUP_JOIN: 'consumer.group_join',
  FETCH_START: 'consumer.fetch_start',
  FETCH: 'consumer.fetch',
  START_BATCH_PROCESS: 'consumer.start_batch_process',
  END_BATCH_PROCESS: 'consumer.end_batch_process',
  CONNECT: 'consumer.connect',
  DISCONNECT: 'consumer.disconnect',
  STOP: 'consumer.stop',
  CRASH: 'consumer.crash',
  REBALANCING: 'consumer.rebalancing',
  RECEIVED_UNSUBSCRIBED_TOPICS: 'consumer.received_unsubscribed_topics',
  REQUEST: 'consumer.network.request',
  REQUEST_TIMEOUT: 'consumer.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'consumer.network.request_queue_size',
};

export type EventName = ConsumerEvents[keyof ConsumerEvents];

/**
 * kafkajs's instrumentation emitter: listeners get `{ id, type, timestamp, payload }`, are called
 * synchronously at the moment of the event (so a GROUP_JOIN listener runs before any batch of the
 * new generation is fetched), and a listener that throws or rejects never disturbs the consumer.
 */
export function createEmitter() {
  const listeners = new Map<string, Set<(event: unknown) => unknown>>();
  let nextId = 0;
  const names = new Set<string>(Object.values(CONSUMER_EVENTS));
  return {
    on(eventName: string, listener: (event: any) => unknown): () => void {
      if (!names.has(eventName)) throw invalidArgument(`Event name should be one of ${[...names].join(', ')}`);
      let set = listeners.get(eventName);
      if (!set) listeners.set(eventName, (set = new Set()));
      const wrapped = (event: unknown) => listener(event);
      set.add(wrapped);
      return () => void set.delete(wrapped);
    },
    emit(type: EventName, payload: unknown): void {
      const set = listeners.get(type);
      if (!set || set.size === 0) return;
      const event = { id: String(nextId++), type, timestamp: Date.now(), payload };
      for (const listener of [...set]) {
        try {
          Promise.resolve(listener(event)).catch(() => {});
        } catch {
          // kafkajs logs and ignores a failing listener
        }
      }
    },
  };
}

export type Emitter = ReturnType<typeof createEmitter>;
