// The errors Brook's client gives its callers: one class, whose message is one line a person can
// act on, with the Kafka error code when the broker sent one. Which codes are worth a retry
// follows Kafka's RetriableException subclasses, less UNKNOWN_TOPIC_OR_PARTITION: a tool asked for
// a topic that does not exist should say so at once rather than wait for it to appear.
import { ErrorCode, errorName } from '../common/index.js';

export class ClientError extends Error {
  override name = 'ClientError';

  constructor(
    message: string,
    /** The Kafka error code the broker answered, when the error is the broker's answer. */
    readonly code: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get retriable(): boolean {
    return this.code !== null && RETRIABLE.has(this.code);
  }
}

/** The broker could not be reached (refused, timed out, closed): worth trying another one. */
export class ConnectionError extends ClientError {
  override name = 'ConnectionError';
}

const RETRIABLE = new Set<number>([
  ErrorCode.CORRUPT_MESSAGE,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.REPLICA_NOT_AVAILABLE,
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  ErrorCode.NOT_CONTROLLER,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.OFFSET_NOT_AVAILABLE,
  ErrorCode.REBALANCE_IN_PROGRESS,
  ErrorCode.THROTTLING_QUOTA_EXCEEDED,
]);

/** Throws the broker's error for `what` unless `code` is NONE. */
export function check(code: number, what: string, message?: string | null): void {
  if (code === ErrorCode.NONE) return;
  throw brokerError(code, what, message);
}

export function brokerError(code: number, what: string, message?: string | null): ClientError {
  const detail = message !== undefined && message !== null && message !== '' ? `: ${message}` : '';
  return new ClientError(`${what}: ${errorName(code)}${detail}`, code);
}
