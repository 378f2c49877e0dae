import type { ActorDefinition } from '../actors/actor.ts';
import { readDeadLetters, redriveDeadLetters, sourceTopicName, type LogClient, type TopicAdmin, type TopicNames } from '../engine/index.ts';
import type { DeadLetterAdmin } from '../http/routes/dead-letters.ts';
import { dlqTopicOf, inboxTopicOf } from '../schemas/index.ts';

/**
 * The dead-letter operations of one instance (http/routes/dead-letters.ts) on its log client: the
 * input topics are this deployment's source and inbox topics; the admin client is opened on first
 * use and kept.
 */
export function deadLetterAdmin(client: LogClient, topics: TopicNames, app: string, actors: readonly ActorDefinition<any>[]): DeadLetterAdmin & { close(): Promise<void>; admin(): Promise<TopicAdmin> } {
  const inputs = [...new Set([...actors.map((a) => sourceTopicName(topics, a.sourceTopic)), ...actors.map((a) => inboxTopicOf(app, a.type))])];
  let admin: Promise<TopicAdmin> | undefined;
  const adminOnce = () => (admin ??= client.admin());
  return {
    topics: () => inputs,
    /** The admin client, for other readers of the log on this instance (alert-explainer.ts). */
    admin: adminOnce,
    list: async (topic, limit) => readDeadLetters(client, await adminOnce(), dlqTopicOf(topic), limit),
    redrive: async (topic, positions) => redriveDeadLetters(client, await adminOnce(), dlqTopicOf(topic), positions),
    close: async () => {
      if (admin) await (await admin).disconnect().catch(() => {});
    },
  };
}
