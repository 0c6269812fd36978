// The node's metrics, wired: one registry with prom-client's process metrics, the event counters
// the lower layers are handed at construction (fsync timing, rebalances, Raft leader changes),
// the per-topic traffic the Kafka handlers count, and the gauges read at scrape time from the
// node's parts. Definitions and names are in src/common/metrics*.ts.
import { collectDefaultMetrics, Registry } from 'prom-client';
import {
  eventMetrics,
  type EventMetrics,
  type GroupLagHealth,
  healthMetrics,
  type LedPartitionHealth,
  nodeGauges,
  produceStageMetrics,
  type ProduceStages,
  type RequestMetrics,
  requestMetrics,
  TopicTraffic,
} from './common/index.js';
import type { GroupCoordinator } from './groups/index.js';
import type { MetadataLog } from './metadata/index.js';
import type { RaftMetadataLog } from './metadata/index.js';
import { nodeTailCacheBudget, type ReplicaManager } from './replication/index.js';

export class NodeMetrics {
  readonly registry = new Registry();
  readonly events: EventMetrics;
  readonly traffic = new TopicTraffic();
  readonly requests: RequestMetrics;
  /** Where an acks=all produce spends its time, stage by stage (common/metrics-stages.ts). */
  readonly stages: ProduceStages;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.events = eventMetrics(this.registry);
    this.requests = requestMetrics(this.registry);
    this.stages = produceStageMetrics(this.registry);
  }

  /** Counts controller changes and forgets deleted topics' traffic. */
  follow(metadata: MetadataLog): void {
    let controllerId = metadata.controllerId;
    metadata.onControllerChange((_isController, id) => {
      if (id === controllerId) return;
      controllerId = id;
      this.events.raftLeaderChange();
    });
    metadata.onChange((change) => {
      if (change.kind === 'topic-deleted') this.traffic.forget(change.topic.name);
    });
  }

  /** Registers the gauges read at scrape time. */
  gauges(parts: {
    metadata: RaftMetadataLog;
    replicas: ReplicaManager;
    groups: GroupCoordinator;
    connections: () => number;
  }): void {
    const { metadata, replicas, groups } = parts;
    nodeGauges(this.registry, {
      raft: () => {
        const raft = metadata.status();
        return {
          term: raft.term,
          commit: raft.commit,
          applied: raft.applied,
          isLeader: metadata.isController,
          peers: raft.peers.map((p) => ({ nodeId: p.nodeId, match: p.match })),
        };
      },
      cluster: () => {
        const { topics, brokers } = metadata.state;
        let partitions = 0;
        let unavailablePartitions = 0;
        for (const topic of topics) {
          partitions += topic.partitions.length;
          for (const p of topic.partitions)
            if (metadata.state.broker(p.leader)?.fenced !== false) unavailablePartitions++;
        }
        const fenced = brokers.filter((b) => b.fenced).length;
        return { topics: topics.length, partitions, unavailablePartitions, live: brokers.length - fenced, fenced };
      },
      ledPartitions: () => replicas.ledPartitions().length,
      connections: parts.connections,
      tailCacheBytes: () => nodeTailCacheBudget.usedBytes,
    });
    this.traffic.register(this.registry, () => {
      const bytes = new Map<string, number>();
      for (const status of replicas.status()) {
        const replica = replicas.replica(status.topic, status.partition);
        if (replica) bytes.set(status.topic, (bytes.get(status.topic) ?? 0) + replica.log.sizeBytes);
      }
      return bytes;
    });
    healthMetrics(this.registry, {
      ledPartitions: () => ledPartitionHealth(replicas),
      groups: () => groupLagHealth(groups, replicas),
    });
  }
}

function* ledPartitionHealth(replicas: ReplicaManager): Generator<LedPartitionHealth> {
  const now = Date.now();
  for (const replica of replicas.ledPartitions()) {
    const status = replica.status();
    yield {
      topic: replica.topic,
      partition: replica.partition,
      replicas: replica.assignment.replicas.length,
      inSync: status.inSyncReplicas?.length ?? 0,
      writeQuorum: replica.assignment.writeQuorum,
      followers: status.followers.map((f) => {
        const caughtUp = f.matchEndOffset >= status.logEndOffset;
        return {
          nodeId: f.replicaId,
          lagRecords: Math.max(0, status.logEndOffset - Math.max(f.matchEndOffset, 0)),
          lagMs: caughtUp ? 0 : Number.isFinite(f.lastCaughtUpMs) ? Math.max(0, now - f.lastCaughtUpMs) : null,
        };
      }),
    };
  }
}

/** The end a consumer can read to: the leader's high watermark, or the one a local follower knows. */
export function knownHighWatermark(replicas: ReplicaManager, topic: string, partition: number): number | null {
  const replica = replicas.replica(topic, partition);
  return replica === undefined ? null : replica.highWatermark;
}

function* groupLagHealth(groups: GroupCoordinator, replicas: ReplicaManager): Generator<GroupLagHealth> {
  for (const group of groups.groupsWithOffsets()) {
    yield {
      groupId: group.groupId,
      members: group.members,
      partitions: group.offsets.map((o) => {
        const end = knownHighWatermark(replicas, o.topic, o.partition);
        return {
          topic: o.topic,
          partition: o.partition,
          committedOffset: o.offset,
          lag: end === null ? null : Math.max(0, end - o.offset),
        };
      }),
    };
  }
}
