import { ConfigError } from '../../schemas/index.ts';

/**
 * The broker refused the member's session timeout when it joined (INVALID_SESSION_TIMEOUT, error
 * 26): a deployment mistake no retry can mend, so it stops the start with the settings on both
 * sides named, instead of a consumer that silently never joins (kafkajs) or a retry loop.
 */
export function invalidSessionTimeout(sessionTimeoutMs: number): ConfigError {
  return new ConfigError(
    `the Kafka broker refused the consumer-group session timeout of ${sessionTimeoutMs} ms (INVALID_SESSION_TIMEOUT): ` +
      'it must lie within the broker\'s group.min.session.timeout.ms (default 6000) and group.max.session.timeout.ms (default 1800000). ' +
      'Raise kafka.session_timeout_ms / KAFKA_SESSION_TIMEOUT_MS, or lower group.min.session.timeout.ms on every broker (fast fail-over: deploy/README.md)',
  );
}
