// Where a coordinator shard keeps its transactional ids: one partition of __transaction_state.
// The coordinator sees only this interface, so the unit tests and the seeded simulation run it
// over logs of their own with the same contract.
import { ErrorCode, KafkaError } from '../common/index.js';
import { coordinatorPartitionErrorCode } from '../replication/index.js';
import type { TxnLogRecord } from './records.js';

export interface TransactionStateLog {
  /**
   * The epoch of the leadership this log is written under (the partition's leader epoch): the
   * coordinator epoch that markers carry, so a partition can refuse a deposed coordinator's.
   */
  readonly coordinatorEpoch: number;
  /** Visits every record from the start of the log up to its committed end, in log order. */
  replay(visit: (record: TxnLogRecord) => void): Promise<void>;
  /** Appends the records as one batch; resolves once they are durable (the high watermark passed them). */
  append(records: readonly TxnLogRecord[]): Promise<void>;
}

/**
 * The error a producer gets when the coordinator could not write (Kafka's mapping in its
 * transaction state manager): transient partition trouble says "retry", a lost leadership
 * "find the coordinator again".
 */
export function txnLogErrorCode(err: unknown): ErrorCode {
  const partitionTrouble = coordinatorPartitionErrorCode(err);
  if (partitionTrouble !== null) return partitionTrouble;
  // The coordinator's own check that its partition's leader epoch is still the one it loaded.
  if (err instanceof KafkaError && err.code === ErrorCode.NOT_COORDINATOR) return ErrorCode.NOT_COORDINATOR;
  return ErrorCode.UNKNOWN_SERVER_ERROR;
}
