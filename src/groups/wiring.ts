// Puts the group coordinator on a node: creates __consumer_offsets when it is missing, follows
// this node's leadership of its partitions (load on gaining one, drop on losing it), answers
// "which node coordinates group G" from the metadata, and offers the HTTP lag views.
import { ErrorCode, KafkaError, limits, type Logger, type NodeConfig } from '../common/index.js';
import type { AdminOperations, MetadataLog } from '../metadata/index.js';
import type { ReplicaManager } from '../replication/index.js';
import { GroupCoordinator, OFFSETS_TOPIC } from './coordinator.js';
import { offsetsPartitionFor } from './hash.js';
import { groupsLag } from './lag.js';
import { PartitionCoordinatorLog } from './partition-coordinator-log.js';
import { systemScheduler, type Scheduler } from './scheduler.js';

/**
 * Configs of __consumer_offsets, as Kafka creates it: compacted, so each group's metadata and each
 * committed offset keeps its latest record (tombstones remove expired offsets and deleted groups
 * after delete.retention.ms), and no retention by time or size ever deletes a live commit.
 * Clusters created before the cleaner existed already have these configs: it compacts them too.
 */
export function offsetsTopicConfigs(config: Pick<NodeConfig, 'offsetsTopicSegmentBytes'>): Record<string, string> {
  return {
    'cleanup.policy': 'compact',
    'retention.ms': '-1',
    'retention.bytes': '-1',
    'segment.bytes': String(config.offsetsTopicSegmentBytes),
  };
}

export interface AttachedGroups {
  readonly coordinator: GroupCoordinator;
  /** The node leading the group's __consumer_offsets partition. */
  coordinatorFor(groupId: string): number;
  /** Creates __consumer_offsets if it does not exist (idempotent). */
  ensureOffsetsTopic(): Promise<void>;
  /** JSON routes for the HTTP server: /groups and /groups/lag?group=G. */
  readonly routes: Readonly<Record<string, (url: URL) => unknown>>;
  close(): void;
}

export function attachGroupCoordinator(
  config: NodeConfig,
  metadata: MetadataLog,
  replicas: ReplicaManager,
  /** Only topic creation, for __consumer_offsets. */
  admin: Pick<AdminOperations, 'createTopic'>,
  log: Logger,
  /** Told when a group this node coordinates begins a rebalance. */
  onRebalance: (groupId: string) => void = () => {},
  scheduler: Scheduler = systemScheduler,
): AttachedGroups {
  const offsetsPartitionCount = () =>
    metadata.state.topic(OFFSETS_TOPIC)?.partitions.length ?? config.offsetsTopicPartitions;
  const coordinator = new GroupCoordinator({
    minSessionTimeoutMs: config.groupMinSessionTimeoutMs,
    maxSessionTimeoutMs: config.groupMaxSessionTimeoutMs,
    initialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
    offsetsRetentionMs: config.offsetsRetentionMs,
    onRebalance,
    offsetsPartitionCount,
    partitionExists: (topic, partition) => {
      const info = metadata.state.topic(topic);
      return info !== undefined && info !== null && partition >= 0 && partition < info.partitions.length;
    },
    scheduler,
    log,
  });

  replicas.onLeadershipChange((topic, partition, replica) => {
    if (topic !== OFFSETS_TOPIC) return;
    const source = replica
      ? new PartitionCoordinatorLog(replica, limits.coordinatorWriteTimeoutMs, () => scheduler.now(), log)
      : null;
    coordinator
      .onPartitionLeadership(partition, source)
      .catch((err: unknown) => log.error({ err, partition }, 'group coordinator failed to follow leadership'));
  });

  const endOffsetOf = (topic: string, partition: number): number | null => {
    try {
      return replicas.leaderPartition(topic, partition).highWatermark;
    } catch {
      return null;
    }
  };

  return {
    coordinator,
    coordinatorFor(groupId) {
      const topic = metadata.state.topic(OFFSETS_TOPIC);
      if (!topic) throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `${OFFSETS_TOPIC} does not exist yet`);
      const assignment = topic.partitions[offsetsPartitionFor(groupId, topic.partitions.length)];
      if (!assignment || assignment.leader < 0)
        throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, "the group's offsets partition has no leader");
      return assignment.leader;
    },
    async ensureOffsetsTopic() {
      if (metadata.state.topic(OFFSETS_TOPIC)) return;
      try {
        await admin.createTopic(
          {
            name: OFFSETS_TOPIC,
            numPartitions: config.offsetsTopicPartitions,
            replicationFactor: config.offsetsTopicReplicationFactor,
            configs: offsetsTopicConfigs(config),
          },
          false,
        );
        log.info({ partitions: config.offsetsTopicPartitions }, `created ${OFFSETS_TOPIC}`);
      } catch (err) {
        if (!(err instanceof KafkaError && err.code === ErrorCode.TOPIC_ALREADY_EXISTS)) throw err;
      }
    },
    routes: {
      '/groups': () => ({ groups: groupsLag(coordinator, endOffsetOf) }),
      '/groups/lag': (url) => {
        const groupId = url.searchParams.get('group');
        return { groups: groupsLag(coordinator, endOffsetOf, groupId) };
      },
    },
    close: () => coordinator.close(),
  };
}
