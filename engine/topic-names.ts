import { ALERTS_TOPIC, type SourceTopic } from '../schemas/index.ts';

/**
 * The topic names of one deployment. The contract's names are the default; a deployment (or a
 * test that must not see another's events) may rename them, as `kafka.topics` in pipeline.yaml.
 */
export interface TopicNames {
  source: Record<SourceTopic, string>;
  alerts: string;
}

/** Topic names with an optional prefix: `prefix + user_events`, …, `prefix + alerts`. */
export function topicNames(prefix = ''): TopicNames {
  return {
    source: { user_events: `${prefix}user_events`, transaction_events: `${prefix}transaction_events`, inventory_events: `${prefix}inventory_events` },
    alerts: `${prefix}${ALERTS_TOPIC}`,
  };
}
