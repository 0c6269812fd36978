// Puts the transaction coordinator on a node: creates __transaction_state when the first producer
// looks for a transaction coordinator (as Kafka does, so clusters without transactions carry no
// extra partitions), follows this node's leadership of its partitions (load on gaining one, drop on
// losing it), answers "which node coordinates transactional id T" from the metadata, tells the
// marker channel where each partition is led, and offers the HTTP view of the ids it serves.
import {
  type Clock,
  ErrorCode,
  KafkaError,
  limits,
  type Logger,
  type NodeConfig,
  partitionForKey,
  systemClock,
} from '../common/index.js';
import type { AdminOperations, MetadataLog } from '../metadata/index.js';
import type { ReplicaManager } from '../replication/index.js';
import { TransactionCoordinator, type TopicPartition } from './coordinator.js';
import type { MarkerTransport, PartitionLeader } from './marker-channel.js';
import { PartitionTransactionStateLog } from './partition-state-log.js';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

/**
 * Configs of __transaction_state. Compaction is the intended cleanup (each id's last record is
 * its state); until storage implements it, time and size retention are off so no state is lost.
 */
export const TRANSACTION_STATE_TOPIC_CONFIGS: Readonly<Record<string, string>> = {
  'cleanup.policy': 'compact',
  'retention.ms': '-1',
  'retention.bytes': '-1',
  'segment.bytes': String(100 * 1024 * 1024),
};

/** Between attempts to create __transaction_state while too few brokers are registered. */
const CREATE_RETRY_MS = 1_000;

export interface AttachedTransactions {
  readonly coordinator: TransactionCoordinator;
  /**
   * The node leading the id's __transaction_state partition. COORDINATOR_NOT_AVAILABLE (and the
   * topic's creation starts) while it does not exist; COORDINATOR_NOT_AVAILABLE while it has no leader.
   */
  coordinatorFor(transactionalId: string): number;
  /** JSON routes for the HTTP server: /transactions. */
  readonly routes: Readonly<Record<string, (url: URL) => unknown>>;
  close(): void;
}

export interface TransactionsWiring {
  readonly config: NodeConfig;
  readonly metadata: MetadataLog;
  readonly replicas: ReplicaManager;
  /** Only topic creation, for __transaction_state. */
  readonly admin: Pick<AdminOperations, 'createTopic'>;
  readonly allocateProducerId: () => Promise<number>;
  /** The __consumer_offsets partition of a group (the group coordinator's placement). */
  readonly groupPartition: (groupId: string) => TopicPartition;
  readonly markers: MarkerTransport;
  readonly log: Logger;
  readonly clock?: Clock;
}

export function attachTransactionCoordinator(wiring: TransactionsWiring): AttachedTransactions {
  const { config, metadata, replicas, admin, log } = wiring;
  const clock = wiring.clock ?? systemClock;
  const txnPartitionCount = () =>
    metadata.state.topic(TRANSACTION_STATE_TOPIC)?.partitions.length ?? config.transactionStateLogNumPartitions;

  const leaderOf = (topic: string, partition: number): PartitionLeader => {
    const info = metadata.state.topic(topic);
    if (!info || partition < 0 || partition >= info.partitions.length) return 'gone';
    const leader = info.partitions[partition]!.leader;
    if (leader < 0 || metadata.state.broker(leader)?.fenced !== false) return 'none';
    return leader;
  };

  const coordinator = new TransactionCoordinator({
    transactionMaxTimeoutMs: config.transactionMaxTimeoutMs,
    transactionalIdExpirationMs: config.transactionalIdExpirationMs,
    abortTimedOutTransactionsIntervalMs: config.transactionAbortTimedOutTransactionCleanupIntervalMs,
    removeExpiredTransactionalIdsIntervalMs: config.transactionRemoveExpiredTransactionCleanupIntervalMs,
    txnPartitionCount,
    allocateProducerId: wiring.allocateProducerId,
    groupPartition: wiring.groupPartition,
    markers: wiring.markers,
    leaderOf,
    clock,
    log,
  });

  replicas.onLeadershipChange((topic, partition, replica) => {
    if (topic !== TRANSACTION_STATE_TOPIC) return;
    const source = replica
      ? new PartitionTransactionStateLog(replica, limits.coordinatorWriteTimeoutMs, () => clock.now(), log)
      : null;
    coordinator
      .onPartitionLeadership(partition, source)
      .catch((err: unknown) => log.error({ err, partition }, 'transaction coordinator failed to follow leadership'));
  });

  let creating = false;
  let closed = false;
  let retryTimer: { cancel(): void } | null = null;
  const ensureTopic = (): void => {
    if (creating || closed || metadata.state.topic(TRANSACTION_STATE_TOPIC)) return;
    creating = true;
    admin
      .createTopic(
        {
          name: TRANSACTION_STATE_TOPIC,
          numPartitions: config.transactionStateLogNumPartitions,
          replicationFactor: config.transactionStateLogReplicationFactor,
          configs: TRANSACTION_STATE_TOPIC_CONFIGS,
        },
        false,
      )
      .then(
        () => {
          creating = false;
          log.info({ partitions: config.transactionStateLogNumPartitions }, `created ${TRANSACTION_STATE_TOPIC}`);
        },
        (err: unknown) => {
          creating = false;
          if (err instanceof KafkaError && err.code === ErrorCode.TOPIC_ALREADY_EXISTS) return;
          log.debug({ err: (err as Error).message }, `${TRANSACTION_STATE_TOPIC} not created yet; retrying`);
          retryTimer = clock.schedule(CREATE_RETRY_MS, ensureTopic);
        },
      );
  };

  return {
    coordinator,
    coordinatorFor(transactionalId) {
      const topic = metadata.state.topic(TRANSACTION_STATE_TOPIC);
      if (!topic) {
        ensureTopic();
        throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `${TRANSACTION_STATE_TOPIC} is being created`);
      }
      const assignment = topic.partitions[partitionForKey(transactionalId, topic.partitions.length)];
      if (!assignment || assignment.leader < 0)
        throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, "the transactional id's partition has no leader");
      return assignment.leader;
    },
    routes: {
      '/transactions': (url) => {
        const state = url.searchParams.get('state');
        const listed = coordinator.list({ states: state ? [state] : [], producerIds: [], durationMs: -1 });
        return {
          nodeId: config.nodeId,
          completionsPending: coordinator.completionsPending,
          transactions: listed.transactions.map((t) => coordinator.describe(t.transactionalId)),
        };
      },
    },
    close() {
      closed = true;
      retryTimer?.cancel();
      coordinator.close();
    },
  };
}
