/** What the in-process log refuses, one code each (a broker's own errors, in this log's terms). */
export type InProcessLogErrorCode =
  /** The topic does not exist: the log never creates one on first use (as the project's brokers: auto-create off). */
  | 'UNKNOWN_TOPIC'
  | 'UNKNOWN_PARTITION'
  | 'INVALID_PARTITIONS'
  | 'INVALID_OFFSET'
  /** A source used before `run` or after `disconnect` (or run a second time); a sink used after `disconnect`. */
  | 'NOT_RUNNING';

export class InProcessLogError extends Error {
  override readonly name = 'InProcessLogError';

  constructor(
    readonly code: InProcessLogErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function unknownTopic(topic: string): InProcessLogError {
  return new InProcessLogError('UNKNOWN_TOPIC', `topic ${topic} does not exist in the in-process log`);
}

export function unknownPartition(topic: string, partition: number): InProcessLogError {
  return new InProcessLogError('UNKNOWN_PARTITION', `topic ${topic} has no partition ${partition}`);
}

export function invalidPartitions(topic: string, count: number): InProcessLogError {
  return new InProcessLogError('INVALID_PARTITIONS', `topic ${topic}: the partition count must be a positive integer, got ${count}`);
}

export function invalidOffset(offset: unknown): InProcessLogError {
  return new InProcessLogError('INVALID_OFFSET', `an offset must be a non-negative integer, got ${String(offset)}`);
}

export function notRunning(what: string): InProcessLogError {
  return new InProcessLogError('NOT_RUNNING', what);
}
