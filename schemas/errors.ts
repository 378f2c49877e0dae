/**
 * Coded errors of the project. Every error that crosses a boundary (worker, HTTP, DLQ header)
 * carries a stable `code` so that callers branch on it, never on message text.
 */

export type ErrorCode =
  | 'INVALID_JSON'
  | 'INVALID_UTF8'
  | 'INVALID_ENVELOPE'
  | 'UNKNOWN_EVENT_TYPE'
  | 'UNSUPPORTED_VERSION'
  | 'INVALID_DATA'
  | 'OVERSIZE'
  | 'KEY_MISMATCH'
  | 'FUTURE_TIMESTAMP'
  | 'DUPLICATE'
  | 'UNSTORABLE'
  | 'WRONG_TOPIC'
  | 'HANDLER_ERROR'
  | 'QUARANTINED'
  | 'FENCED'
  | 'CONFIG'
  | 'INFRASTRUCTURE';

/** One reason an input was refused: where (a JSON pointer into the envelope) and why. */
export interface Issue {
  path: string;
  message: string;
}

/** Base of every coded error. */
export class PipelineError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PipelineError';
  }
}

/** An event that cannot be accepted; `issues` name each field and reason. */
export class EventRejected extends PipelineError {
  constructor(
    code: ErrorCode,
    readonly issues: Issue[],
  ) {
    super(code, issues.map((i) => `${i.path || '/'}: ${i.message}`).join('; '));
    this.name = 'EventRejected';
  }
}

/** Configuration that cannot be used; the message says what to change. */
export class ConfigError extends PipelineError {
  constructor(message: string) {
    super('CONFIG', message);
    this.name = 'ConfigError';
  }
}

/** Something the pipeline needs (broker, database, JVM) is missing or unreachable. */
export class InfrastructureError extends PipelineError {
  constructor(message: string) {
    super('INFRASTRUCTURE', message);
    this.name = 'InfrastructureError';
  }
}
