// The transactions module's door: the transaction coordinator (its state machine, its records in
// __transaction_state, the marker channel that ends transactions on their partitions) and its
// wiring onto a node's replicas. Depends on replication, metadata, storage and common; never on
// groups (a sibling: AddOffsetsToTxn is told a group's partition by the wiring) nor on kafka, which
// serves its APIs and carries its markers between nodes.
export {
  TransactionCoordinator,
  type InitProducerIdParams,
  type InitProducerIdResult,
  type ListTransactionsFilter,
  type PartitionError,
  type TopicPartition,
  type TransactionCoordinatorOptions,
  type TransactionDescription,
  type TransactionListing,
} from './coordinator.js';
export {
  TxnMarkerChannel,
  type Completion,
  type MarkerRequest,
  type MarkerResult,
  type MarkerTransport,
  type PartitionLeader,
} from './marker-channel.js';
export {
  TransactionMetadata,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  isEpochExhausted,
  partitionKey,
  parsePartitionKey,
  type TxnSnapshot,
} from './metadata.js';
export { PartitionTransactionStateLog } from './partition-state-log.js';
export { decodeTxnLogRecord, encodeTxnLogRecord, type TxnLogRecord } from './records.js';
export { TXN_STATE_IDS, TxnState, isValidTransition, txnStateOfId } from './state.js';
export { type TransactionStateLog, txnLogErrorCode } from './state-log.js';
export {
  TRANSACTION_STATE_TOPIC,
  TRANSACTION_STATE_TOPIC_CONFIGS,
  attachTransactionCoordinator,
  type AttachedTransactions,
  type TransactionsWiring,
} from './wiring.js';
