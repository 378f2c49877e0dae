import type { ActorDefinition } from '../actors/actor.ts';
import { explainAlert, type AlertExplanation } from '../engine/alert-causes.ts';
import { sourceTopicName, type LogClient, type TopicAdmin, type TopicNames } from '../engine/index.ts';
import { inboxTopicOf, type Alert } from '../schemas/index.ts';

/**
 * `GET /v1/alerts/:id`'s "why" on this instance's log client: an actor type's inputs are its
 * source topic and inbox, and a cause carried in memory may be on any source topic
 * (engine/alert-causes.ts reads them back). `admin` is the instance's
 * shared admin client, opened on first use.
 */
export function alertExplainer(client: LogClient, admin: () => Promise<TopicAdmin>, topics: TopicNames, app: string, actors: readonly ActorDefinition<any>[]): (alert: Alert) => Promise<AlertExplanation> {
  const topicsOf = (type: string) => {
    const actor = actors.find((a) => a.type === type);
    return actor && { source: sourceTopicName(topics, actor.sourceTopic), inbox: inboxTopicOf(app, actor.type) };
  };
  const sources = actors.map((a) => ({ type: a.type, topic: sourceTopicName(topics, a.sourceTopic) }));
  return async (alert) => explainAlert({ client, admin: await admin(), topicsOf, sources }, alert);
}
