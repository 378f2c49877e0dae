import { ALERTS_TOPIC, SOURCE_TOPICS, type SourceTopic } from '../schemas/index.ts';

/**
 * The topic names of one deployment. The contract's names are the default; a deployment (or a
 * test that must not see another's events) may rename them, as `kafka.topics` in pipeline.yaml.
 */
export interface TopicNames {
  source: Record<SourceTopic, string>;
  alerts: string;
  /** Put before the name of a source topic an actor module defines (the contract's are in `source`). */
  prefix?: string;
}

/** Topic names with an optional prefix: `prefix + user_events`, …, `prefix + alerts`. */
export function topicNames(prefix = ''): TopicNames {
  return {
    source: { user_events: `${prefix}user_events`, transaction_events: `${prefix}transaction_events`, inventory_events: `${prefix}inventory_events` },
    alerts: `${prefix}${ALERTS_TOPIC}`,
    prefix,
  };
}

/** This deployment's name of a source topic: a contract topic as configured, a module's with the prefix. */
export function sourceTopicName(topics: TopicNames, name: string): string {
  return isContractTopic(name) ? topics.source[name] : `${topics.prefix ?? ''}${name}`;
}

function isContractTopic(name: string): name is SourceTopic {
  return (SOURCE_TOPICS as readonly string[]).includes(name);
}
