// What the Kafka handlers may use of the node. Handlers depend on this interface, never on how the
// node wires its parts, so a single node and a cluster node serve the same handlers.
import type { Logger, NodeConfig, ProduceStages, TopicTraffic } from '../common/index.js';
import type { GroupCoordinator } from '../groups/index.js';
import type { AdminOperations, MetadataLog, ProducerIdAllocator } from '../metadata/index.js';
import type { ReplicaManager } from '../replication/index.js';
import type { TransactionCoordinator } from '../transactions/index.js';
import type { TransactionVerifier } from './transaction-verifier.js';
import type { RequestAuthorizer } from './request-access.js';

/** The metadata Raft quorum as this node sees it (DescribeQuorum). */
export interface QuorumView {
  readonly isLeader: boolean;
  /** -1 while no leader is known. */
  readonly leaderId: number;
  readonly term: number;
  readonly commitIndex: number;
  /** Every voter; on the leader with the index its log is known to match, else -1. */
  readonly voters: readonly { readonly nodeId: number; readonly matchIndex: number }[];
  /** The learners: brokers beyond the voters that follow the log without voting (Kafka's observers). */
  readonly observers: readonly { readonly nodeId: number; readonly matchIndex: number }[];
}

export interface BrokerContext {
  readonly config: NodeConfig;
  readonly metadata: MetadataLog;
  readonly admin: AdminOperations;
  readonly replicas: ReplicaManager;
  readonly producerIds: ProducerIdAllocator;
  /** The consumer group coordinator for the __consumer_offsets partitions this node leads. */
  readonly groups: GroupCoordinator;
  /** What each request may do (ACLs, on listeners that authenticate clients). */
  readonly authorizer: RequestAuthorizer;
  readonly log: Logger;
  /**
   * KIP-890 part 1: asks the transaction coordinator before a transactional batch opens a
   * transaction on a partition (`noCoordinatorVerifier` while there is none).
   */
  readonly transactionVerifier: TransactionVerifier;
  /** The node that coordinates a consumer group. */
  coordinatorFor(groupId: string): number;
  /** The transaction coordinator for the __transaction_state partitions this node leads. */
  readonly transactions: TransactionCoordinator;
  /** The node that coordinates a transactional id (KafkaError COORDINATOR_NOT_AVAILABLE while there is none). */
  txnCoordinatorFor(transactionalId: string): number;
  /** Bytes and records in and out per topic (metrics, the console's charts). */
  readonly traffic: TopicTraffic;
  /** The produce stage timings (common/metrics-stages.ts); none when absent. */
  readonly stages?: ProduceStages;
  /** The metadata quorum's state on this node. */
  quorum(): QuorumView;
  /** The API ranges this node serves (for ApiVersions). */
  supportedApis(): readonly { apiKey: number; minVersion: number; maxVersion: number }[];
}
