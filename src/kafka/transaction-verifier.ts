// KIP-890 part 1, the leader's side: before a transactional batch starts a transaction on a
// partition (its producer has none open there), the produce path asks whether the producer's
// ongoing transaction includes the partition, so a request delayed past its transaction's end
// cannot open a new one that no coordinator knows of (a hanging transaction, or data slipped into
// the next transaction). Kafka 3.6+ asks the transaction coordinator with AddPartitionsToTxn v4
// (verifyOnly). The coordinator implements this interface; the produce handler calls it.
import { ErrorCode } from '../common/index.js';

export interface TransactionPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface VerifyTransactionRequest {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly partitions: readonly TransactionPartition[];
}

export interface VerifiedPartition extends TransactionPartition {
  /**
   * NONE when the partition is in the ongoing transaction of (transactionalId, producerId,
   * producerEpoch); else the code the produce answer carries: INVALID_TXN_STATE when it is not,
   * PRODUCER_FENCED / INVALID_PRODUCER_EPOCH for an older epoch, NOT_COORDINATOR,
   * COORDINATOR_NOT_AVAILABLE or COORDINATOR_LOAD_IN_PROGRESS when the coordinator cannot tell.
   */
  readonly errorCode: ErrorCode;
}

export interface TransactionVerifier {
  /**
   * False while no transaction coordinator exists: nothing is asked and each partition applies
   * its local rule instead (storage's `TransactionStartRule` 'sequence': a producer that already
   * ended a transaction on the partition in this epoch may start another only at sequence 0).
   */
  readonly asksCoordinator: boolean;
  /** One answer per partition asked, in any order. Called only when `asksCoordinator`. */
  verify(request: VerifyTransactionRequest): Promise<readonly VerifiedPartition[]>;
  /**
   * TxnOffsetCommit: whether (transactionalId, producerId, producerEpoch) has an ongoing
   * transaction that added `groupId`'s offsets (AddOffsetsToTxn). NONE lets the group coordinator
   * write them; any other code is the answer for every partition of the request.
   */
  verifyOffsetCommit(request: VerifyOffsetCommitRequest): Promise<ErrorCode>;
}

export interface VerifyOffsetCommitRequest {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly groupId: string;
}

/** The verifier of a node without a transaction coordinator: the partitions' local rules decide. */
export const noCoordinatorVerifier: TransactionVerifier = {
  asksCoordinator: false,
  verify: (request) =>
    Promise.resolve(request.partitions.map((p) => ({ ...p, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE }))),
  // Nobody to ask: the offsets go in, and the partition's producer state still refuses a fenced epoch.
  verifyOffsetCommit: () => Promise.resolve(ErrorCode.NONE),
};
