// What a coordinator (consumer groups, transactions) tells its client when a write to its own
// partition failed for a reason of the partition's, as Kafka's group and transaction state managers
// map them: transient trouble says "retry" (COORDINATOR_NOT_AVAILABLE), a lost leadership "find the
// coordinator again" (NOT_COORDINATOR). Null for every other error, which each coordinator maps itself.
import { ErrorCode, KafkaError } from '../common/index.js';

export function coordinatorPartitionErrorCode(err: unknown): ErrorCode | null {
  if (!(err instanceof KafkaError)) return null;
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
    default:
      return null;
  }
}
