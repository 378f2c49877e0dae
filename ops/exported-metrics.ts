/**
 * The metric names the ops files (Grafana dashboard, Prometheus alert rules) may query: what the
 * processor exports on /metrics, plus prom-client's default process metrics and Prometheus' own
 * `up`. Histograms are listed by base name (their _bucket/_sum/_count series are implied).
 *
 * This is a static copy of the exporter's contract, checked by tests/ops-metrics-contract.test.ts.
 * The lead will replace that static check with one against a live /metrics scrape once the
 * exporter lands; until then, a metric renamed in the code must be renamed here too.
 */
export const EXPORTED_METRICS = [
  // counters
  'actorstream_events_consumed_total', // {topic}
  'actorstream_events_applied_total', // {actor}
  'actorstream_dead_letters_total', // {topic, code}
  'actorstream_quarantines_total', // {actor}
  'actorstream_duplicates_dropped_total', // {actor}
  'actorstream_inputs_out_of_event_time_order_total', // {actor}
  'actorstream_outbox_relayed_total',
  'actorstream_messages_in_memory_total',
  'actorstream_alerts_total', // {type}
  'actorstream_checkpoints_total', // {result: ok|fenced|error}
  'actorstream_checkpoint_rows_total', // {kind: states|offsets|outbox|alerts|timers}
  'actorstream_ingest_events_total', // {result: accepted|rejected}
  'actorstream_http_requests_total', // {method, route, status}
  'actorstream_admin_actions_total', // {action: quarantine_release|dead_letter_redrive, outcome}
  // histograms (seconds)
  'actorstream_batch_apply_seconds', // {actor}
  'actorstream_event_to_state_seconds',
  'actorstream_event_to_durable_seconds',
  'actorstream_checkpoint_duration_seconds',
  'actorstream_http_request_duration_seconds', // {method, route}
  // gauges
  'actorstream_consumer_lag', // {topic, partition}
  'actorstream_actors_in_memory', // {actor}
  'actorstream_owned_shards',
  'actorstream_outbox_pending',
  // prom-client default metrics
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  // Prometheus' own, per scrape target
  'up',
] as const;

export type ExportedMetric = (typeof EXPORTED_METRICS)[number];
