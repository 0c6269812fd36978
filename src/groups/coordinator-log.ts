// Where a coordinator shard keeps its records: one partition of __consumer_offsets. The
// coordinator sees only this interface, so unit tests run it over an in-memory log.
import { ErrorCode, KafkaError } from '../common/index.js';
import type { CoordinatorRecord } from './records.js';

export interface CoordinatorLog {
  /** Visits every record from the start of the log up to its committed end, in log order. */
  replay(visit: (record: CoordinatorRecord) => void): Promise<void>;
  /** Appends the records as one batch; resolves once they are durable (the high watermark passed them). */
  append(records: readonly CoordinatorRecord[]): Promise<void>;
}

/**
 * The error a client gets when the coordinator could not write (Kafka's mapping in its group
 * metadata manager): transient partition trouble says "find the coordinator again".
 */
export function storeErrorCode(err: unknown): number {
  if (!(err instanceof KafkaError)) return ErrorCode.UNKNOWN_SERVER_ERROR;
  switch (err.code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
    case ErrorCode.LEADER_NOT_AVAILABLE:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
    case ErrorCode.FENCED_LEADER_EPOCH:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.INVALID_COMMIT_OFFSET_SIZE;
    default:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
  }
}
