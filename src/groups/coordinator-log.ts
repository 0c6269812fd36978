// Where a coordinator shard keeps its records: one partition of __consumer_offsets. The
// coordinator sees only this interface, so unit tests run it over an in-memory log.
import { ErrorCode, KafkaError } from '../common/index.js';
import { coordinatorPartitionErrorCode } from '../replication/index.js';
import type { CoordinatorRecord } from './records.js';

/** What a replay sees, in log order: records (with their offset) and transaction markers. */
export type ReplayEntry =
  | {
      readonly kind: 'record';
      readonly record: CoordinatorRecord;
      readonly offset: number;
      /** The producer of a transactional record (TxnOffsetCommit), else null. */
      readonly producerId: number | null;
    }
  | { readonly kind: 'marker'; readonly producerId: number; readonly committed: boolean; readonly offset: number };

/** The producer a batch of transactional offsets belongs to. */
export interface TransactionalProducer {
  readonly producerId: number;
  readonly producerEpoch: number;
}

export interface CoordinatorLog {
  /** Visits every record and marker from the start of the log up to its committed end, in log order. */
  replay(visit: (entry: ReplayEntry) => void): Promise<void>;
  /**
   * Appends the records as one batch, transactional when `transaction` is given; resolves with the
   * batch's base offset once it is durable (the high watermark passed it).
   */
  append(records: readonly CoordinatorRecord[], transaction?: TransactionalProducer): Promise<{ baseOffset: number }>;
}

/**
 * The error a client gets when the coordinator could not write (Kafka's mapping in its group
 * metadata manager): transient partition trouble says "find the coordinator again".
 */
export function storeErrorCode(err: unknown): number {
  const partitionTrouble = coordinatorPartitionErrorCode(err);
  if (partitionTrouble !== null) return partitionTrouble;
  if (!(err instanceof KafkaError)) return ErrorCode.UNKNOWN_SERVER_ERROR;
  switch (err.code) {
    // A transactional write the partition's producer state refused: the producer must hear why.
    case ErrorCode.INVALID_PRODUCER_EPOCH:
    case ErrorCode.INVALID_TXN_STATE:
      return err.code;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.INVALID_COMMIT_OFFSET_SIZE;
    default:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
  }
}
