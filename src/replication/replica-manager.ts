// Owns the partition replicas of this node and keeps them in step with the metadata: a topic
// created in metadata gets its logs opened here, a deleted one gets them removed, a config change
// reaches the logs, and the leader epoch follows PartitionChange records.
import type { NodeConfig } from '../common/config.js';
import { ErrorCode, KafkaError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { MetadataLog } from '../metadata/log.js';
import type { MetadataChange, TopicInfo } from '../metadata/state.js';
import { effectiveConfig } from '../metadata/topic-config.js';
import { LogManager, type LogConfig } from '../storage/index.js';
import { Partition, type FlushPolicy } from './partition.js';

const BACKGROUND_TICK_MS = 100;

function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** Called when this node starts leading a partition (with it) or stops (with null). */
export type LeadershipListener = (topic: string, partition: number, replica: Partition | null) => void;

export class ReplicaManager {
  private readonly partitions = new Map<string, Partition>();
  private readonly leadershipListeners: LeadershipListener[] = [];
  /** Serializes reactions to metadata changes; they open and delete files. */
  private changes: Promise<void> = Promise.resolve();
  private ticker: NodeJS.Timeout | null = null;
  private lastRetentionMs = Date.now();

  private constructor(
    private readonly config: NodeConfig,
    private readonly metadata: MetadataLog,
    private readonly logs: LogManager,
    private readonly log: Logger,
  ) {}

  static async open(config: NodeConfig, metadata: MetadataLog, log: Logger): Promise<ReplicaManager> {
    const logs = await LogManager.open(config.dataDir, log.child({ module: 'storage' }));
    const manager = new ReplicaManager(config, metadata, logs, log);
    for (const topic of metadata.state.topics) await manager.openTopic(topic, topic.partitions.map((p) => p.partition));
    await manager.removeOrphans();
    metadata.onChange((change) => manager.enqueue(change));
    manager.ticker = setInterval(() => manager.backgroundTick(), BACKGROUND_TICK_MS);
    manager.ticker.unref();
    return manager;
  }

  /** The partition if this node leads it; otherwise the Kafka error clients act on. */
  leaderPartition(topic: string, partition: number): Partition {
    const replica = this.partitions.get(partitionKey(topic, partition));
    if (replica) return replica;
    const info = this.metadata.state.topic(topic);
    if (!info || partition < 0 || partition >= info.partitions.length) {
      throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown partition ${topic}-${partition}`);
    }
    const assignment = info.partitions[partition]!;
    if (assignment.leader === this.config.nodeId) {
      // Created in metadata, logs still opening: retriable.
      throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `partition ${topic}-${partition} is starting`);
    }
    throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `node ${this.config.nodeId} does not lead ${topic}-${partition}`);
  }

  /**
   * Subscribes to leadership changes, and replays the partitions this node leads right now, so a
   * late subscriber (the group coordinator) sees every partition exactly once.
   */
  onLeadershipChange(listener: LeadershipListener): void {
    this.leadershipListeners.push(listener);
    for (const replica of this.partitions.values()) listener(replica.topic, replica.partition, replica);
  }

  private notifyLeadership(topic: string, partition: number, replica: Partition | null): void {
    for (const listener of this.leadershipListeners) listener(topic, partition, replica);
  }

  /** Every partition this node leads. */
  ledPartitions(): Partition[] {
    return [...this.partitions.values()];
  }

  /**
   * The replicas that hold everything up to the high watermark, when this node knows them (it
   * leads the partition); null otherwise, and callers fall back to the live replicas.
   */
  inSyncReplicas(topic: string, partition: number): number[] | null {
    return this.partitions.has(partitionKey(topic, partition)) ? [this.config.nodeId] : null;
  }

  /** Waits until reactions to every metadata change so far have finished (e.g. logs opened). */
  settled(): Promise<void> {
    return this.changes;
  }

  private enqueue(change: MetadataChange): void {
    this.changes = this.changes
      .then(() => this.react(change))
      .catch((err: unknown) => this.log.error({ err, change: change.kind }, 'failed to apply a metadata change to replicas'));
  }

  private async react(change: MetadataChange): Promise<void> {
    switch (change.kind) {
      case 'topic-created':
        await this.openTopic(change.topic, change.topic.partitions.map((p) => p.partition));
        return;
      case 'partitions-changed':
        await this.openTopic(change.topic, change.partitions);
        return;
      case 'topic-deleted':
        await this.deleteTopic(change.topic);
        return;
      case 'config-changed':
        for (const p of change.topic.partitions) {
          const replica = this.partitions.get(partitionKey(change.topic.name, p.partition));
          if (!replica) continue;
          replica.setFlushPolicy(this.flushPolicy(change.topic));
          replica.log.updateConfig(this.logConfig(change.topic));
        }
        return;
      case 'brokers-changed':
        return;
      case 'ignored':
        this.log.warn({ reason: change.reason }, 'a committed metadata record conflicted with the state and was ignored');
        return;
    }
  }

  private async openTopic(topic: TopicInfo, partitionIds: readonly number[]): Promise<void> {
    for (const id of partitionIds) {
      const assignment = topic.partitions[id];
      if (!assignment || assignment.leader !== this.config.nodeId) continue;
      const key = partitionKey(topic.name, id);
      const existing = this.partitions.get(key);
      if (existing) {
        existing.becomeLeader(assignment.leaderEpoch);
        continue;
      }
      const log = await this.logs.getOrCreate(topic.name, id, this.logConfig(topic));
      const replica = new Partition(
        topic.name,
        topic.topicId,
        id,
        log,
        assignment.leaderEpoch,
        this.flushPolicy(topic),
        this.log.child({ topic: topic.name, partition: id }),
      );
      if (log.lastEpoch < assignment.leaderEpoch) await log.assignEpochStart(assignment.leaderEpoch, log.logEndOffset);
      this.partitions.set(key, replica);
      this.notifyLeadership(topic.name, id, replica);
    }
  }

  private async deleteTopic(topic: TopicInfo): Promise<void> {
    for (const p of topic.partitions) {
      const key = partitionKey(topic.name, p.partition);
      const replica = this.partitions.get(key);
      this.partitions.delete(key);
      if (replica) {
        this.notifyLeadership(topic.name, p.partition, null);
        await replica.close();
      }
      await this.logs.deletePartition(topic.name, p.partition);
    }
    this.log.info({ topic: topic.name }, 'topic deleted');
  }

  /** Logs on disk for topics the metadata no longer has (deleted while this node was down). */
  private async removeOrphans(): Promise<void> {
    for (const { topic, partition } of this.logs.list()) {
      const info = this.metadata.state.topic(topic);
      if (info && partition < info.partitions.length) continue;
      this.log.warn({ topic, partition }, 'removing the log of a partition that no longer exists');
      await this.logs.deletePartition(topic, partition);
    }
  }

  private backgroundTick(): void {
    const now = Date.now();
    for (const replica of this.partitions.values()) replica.maybeFlushByTime(now);
    if (now - this.lastRetentionMs >= this.config.retentionCheckIntervalMs) {
      this.lastRetentionMs = now;
      this.logs.retentionTick(now).catch((err: unknown) => this.log.error({ err }, 'retention failed'));
    }
  }

  private flushPolicy(topic: TopicInfo): FlushPolicy {
    return {
      flushMessages: Number(effectiveConfig('flush.messages', topic.configs, this.config)),
      flushMs: Number(effectiveConfig('flush.ms', topic.configs, this.config)),
    };
  }

  logConfig(topic: TopicInfo): LogConfig {
    const get = (name: string) => Number(effectiveConfig(name, topic.configs, this.config));
    return {
      segmentBytes: get('segment.bytes'),
      segmentMs: get('segment.ms'),
      retentionMs: get('retention.ms'),
      retentionBytes: get('retention.bytes'),
      indexIntervalBytes: get('index.interval.bytes'),
      flushMessages: get('flush.messages'),
      flushMs: get('flush.ms'),
      maxMessageBytes: get('max.message.bytes'),
      messageTimestampType: effectiveConfig('message.timestamp.type', topic.configs, this.config) === 'LogAppendTime' ? 'LogAppendTime' : 'CreateTime',
      cleanupPolicy: (effectiveConfig('cleanup.policy', topic.configs, this.config) ?? 'delete').includes('compact') ? 'compact' : 'delete',
    };
  }

  async close(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    await this.changes;
    for (const replica of this.partitions.values()) await replica.close();
    this.partitions.clear();
    await this.logs.closeAll();
  }
}
