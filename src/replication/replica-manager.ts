// Owns the partition replicas of this node — every partition it is a replica of, led or followed —
// and keeps them in step with the metadata: a topic created gets its logs opened here, a
// PartitionChange makes a replica take or leave leadership, a deleted topic has its logs removed,
// a config change reaches the logs. A periodic tick sends leaders' heartbeats and retries, runs
// retention and relaxed flushes, and asks the controller for an election when this node is named
// leader of an epoch it cannot take (it led that epoch before a restart).
import {
  type Clock,
  effectiveTopicSettings,
  ErrorCode,
  KafkaError,
  limits,
  type Logger,
  type NodeConfig,
  NO_PRODUCE_STAGES,
  type ProduceStages,
  resolveQuorums,
  type ScheduledTask,
} from '../common/index.js';
import {
  addingReplicas,
  hostingReplicas,
  type MetadataChange,
  type PartitionInfo,
  type TopicInfo,
} from '../metadata/index.js';
import { type Disk, type LogCleaner, LogManager, type LogConfig, logConfigOf } from '../storage/index.js';
import { type Fatal, stopIfBroken } from './invariants.js';
import type { ReplicationLimits } from './protocol/index.js';
import { Replica, type ReplicaAssignment, type ReplicaIo, type ReplicaStatus } from './replica.js';
import { ReplicaInbound } from './replica-inbound.js';
import { ReplicationThrottle } from './replication-throttle.js';
import type { ReplicaMetadata, ReplicaNetwork } from './replica-network.js';

/** Leaders send heartbeats and re-probe lost requests from this tick (the core decides what is due). */
const TICK_MS = 50;
/** A tick this much behind its time follows a stall of the process itself. */
const TICK_STALL_MS = 250;
/** A replica that cannot take its epoch asks the controller again this often. */
const ELECTION_REQUEST_INTERVAL_MS = 500;
/** Waiters for a replica that is still opening (an append that arrived before the metadata). */
const REPLICA_WAITERS_MAX = 10_000;
/** Partitions named in the log line of a leader that fenced itself. */
const CUT_OFF_LOGGED_MAX = 8;

function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function idKey(topicId: string, partition: number): string {
  return `${topicId}:${partition}`;
}

/**
 * What a ReplicaManager is made of: its I/O comes in as parameters. Production (broker.ts) passes
 * the system clock, node:fs, the gRPC ReplicationClient and the MetadataLog; the deterministic
 * simulation (test/sim/replication) its virtual clock, SimDisk, simulated network and metadata.
 */
export interface ReplicaManagerParts {
  readonly config: NodeConfig;
  readonly clock: Clock;
  /** Where the logs (config.dataDir) live. */
  readonly disk: Disk;
  readonly metadata: ReplicaMetadata;
  readonly network: ReplicaNetwork;
  readonly logger: Logger;
  /** This broker's standing with the controller (BrokerLifecycle). */
  readonly controllerSession: ControllerSession;
  /**
   * This node became cut off: the controller may have fenced it, and it leads partitions whose
   * write quorum it does not hear. The broker closes its client connections, so clients ask
   * Metadata elsewhere at once.
   */
  readonly leadershipsCutOff?: (partitions: number) => void;
  /** A broken invariant on the replication path (invariants.ts): called once, the node must stop. */
  readonly fatal: Fatal;
  /**
   * A partition log failed on a storage error (it refuses writes; after a failed fsync its page
   * cache cannot be trusted): the node must stop, and recovers from its disk when restarted.
   */
  readonly storageFailed: (err: Error) => void;
  readonly limits?: Partial<ReplicationLimits>;
  /** Where the produce path's stage timings go (none when absent: tests, the simulation). */
  readonly stages?: ProduceStages;
}

/**
 * Whether the controller may have fenced this broker: it has not confirmed it alive for
 * `fenceableSilenceMs`. A leader that also hears fewer than W replicas within that window is cut off.
 */
export interface ControllerSession {
  readonly fenceableSilenceMs: number;
  mayBeFenced(): boolean;
}

/** Called when this node starts leading a partition (with it) or stops (with null). */
export type LeadershipListener = (topic: string, partition: number, replica: Replica | null) => void;

export class ReplicaManager {
  private readonly replicas = new Map<string, Replica>();
  private readonly byId = new Map<string, Replica>();
  private readonly leadershipListeners: LeadershipListener[] = [];
  private readonly replicaWaiters = new Map<string, Array<() => void>>();
  private waiterCount = 0;
  private readonly electionRequestedMs = new Map<string, number>();
  /** Serializes reactions to metadata changes; they open and delete files. */
  private changes: Promise<void> = Promise.resolve();
  private ticker: ScheduledTask | null = null;
  private lastRetentionMs: number;
  private closed = false;
  private readonly io: ReplicaIo;
  private readonly config: NodeConfig;
  private readonly clock: Clock;
  private readonly metadata: ReplicaMetadata;
  private readonly network: ReplicaNetwork;
  private readonly log: Logger;
  private readonly session: ControllerSession;
  /** When the last tick ran (a tick far behind its time means this process stalled). */
  private lastTickMs: number;
  private readonly leadershipsCutOff: (partitions: number) => void;
  /** Whether the last tick found leaderships cut off (the callback runs once per time cut off). */
  private cutOff = false;
  private readonly fatal: Fatal;
  /** Appends and seals from other nodes, for this node's replicas (whatever carries them). */
  readonly inbound: ReplicaInbound;

  private constructor(
    parts: ReplicaManagerParts,
    private readonly logs: LogManager,
  ) {
    this.config = parts.config;
    this.clock = parts.clock;
    this.metadata = parts.metadata;
    this.network = parts.network;
    this.log = parts.logger.child({ module: 'replication' });
    this.session = parts.controllerSession;
    this.lastTickMs = parts.clock.now();
    this.leadershipsCutOff = parts.leadershipsCutOff ?? (() => undefined);
    this.fatal = parts.fatal;
    this.inbound = new ReplicaInbound(this, parts.config.nodeId, this.log, parts.fatal);
    this.lastRetentionMs = parts.clock.now();
    this.io = {
      nodeId: parts.config.nodeId,
      limits: parts.limits ?? {},
      clock: parts.clock,
      stages: parts.stages ?? NO_PRODUCE_STAGES,
      send: (to, request) => this.network.append(to, request),
      throttles: {
        leader: new ReplicationThrottle(parts.clock, parts.config.leaderReplicationThrottledRate),
        follower: new ReplicationThrottle(parts.clock, parts.config.followerReplicationThrottledRate),
      },
      learnersCaughtUp: (replica) => this.learnersCaughtUp(replica),
      leadershipChanged: (replica, leading) =>
        this.notifyLeadership(replica.topic, replica.partition, leading ? replica : null),
      fatal: parts.fatal,
      storageFailed: (replica) =>
        parts.storageFailed(new Error(`the log of ${replica.topic}-${replica.partition} failed on a storage error`)),
    };
  }

  static async open(parts: ReplicaManagerParts): Promise<ReplicaManager> {
    const { config, metadata } = parts;
    const logs = await LogManager.open(
      config.dataDir,
      parts.logger.child({ module: 'storage' }),
      {},
      {
        pageCacheRetainBytes: config.pageCacheRetainBytes,
        clock: parts.clock,
        disk: parts.disk,
        cleaner: {
          enabled: config.logCleanerEnable,
          ioMaxBytesPerSecond: config.logCleanerIoMaxBytesPerSecond,
          dedupeBufferBytes: config.logCleanerDedupeBufferSize,
          backoffMs: config.logCleanerBackoffMs,
        },
      },
    );
    const manager = new ReplicaManager(parts, logs);
    await manager.removeOrphans();
    metadata.onChange((change) => manager.enqueue(change));
    // Through the queue, so a change applied meanwhile is reacted to after the initial sync.
    manager.changes = manager.changes.then(async () => {
      for (const topic of metadata.state.topics) {
        manager.warnRejectedConfigs(topic);
        await manager.syncTopic(
          topic,
          topic.partitions.map((p) => p.partition),
        );
      }
    });
    await manager.changes;
    manager.ticker = parts.clock.every(TICK_MS, () => manager.tick());
    return manager;
  }

  // ---------------------------------------------------------------- lookups

  /** The node's log cleaner (its stats and dirty ratios for /metrics), or null when none runs. */
  get logCleaner(): LogCleaner | null {
    return this.logs.cleaner;
  }

  /** The partition if this node leads it; otherwise the Kafka error clients act on. */
  leaderPartition(topic: string, partition: number): Replica {
    const replica = this.replicas.get(partitionKey(topic, partition));
    if (replica?.isLeader) {
      // The client is sent to look for the leader elsewhere, instead of retrying here
      // (NOT_ENOUGH_REPLICAS, a stale fetch).
      if (this.leadsCutOff(replica)) {
        throw new KafkaError(
          ErrorCode.NOT_LEADER_OR_FOLLOWER,
          `node ${this.config.nodeId} is cut off from the controller and from ${topic}-${partition}'s replicas`,
        );
      }
      return replica;
    }
    const info = this.metadata.state.topic(topic);
    if (!info || partition < 0 || partition >= info.partitions.length) {
      throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown partition ${topic}-${partition}`);
    }
    const assignment = info.partitions[partition]!;
    if (assignment.leader === this.config.nodeId) {
      // Named leader, still opening or taking the epoch (or waiting for a new election): retriable.
      throw new KafkaError(
        ErrorCode.LEADER_NOT_AVAILABLE,
        `partition ${topic}-${partition} is not ready on its leader yet`,
      );
    }
    throw new KafkaError(
      ErrorCode.NOT_LEADER_OR_FOLLOWER,
      `node ${this.config.nodeId} does not lead ${topic}-${partition}`,
    );
  }

  /** The replica, waiting up to `timeoutMs` for it to open (the leader may be ahead of our metadata). */
  async awaitReplica(topicId: string, partition: number, timeoutMs: number): Promise<Replica | undefined> {
    const key = idKey(topicId, partition);
    const found = this.byId.get(key);
    if (found || this.closed || this.waiterCount >= REPLICA_WAITERS_MAX) return found;
    await new Promise<void>((resolve) => {
      const list = this.replicaWaiters.get(key) ?? [];
      this.replicaWaiters.set(key, list);
      this.waiterCount++;
      let timer: ScheduledTask | null = null;
      const done = (): void => {
        timer?.cancel();
        const i = list.indexOf(done);
        if (i >= 0) {
          list.splice(i, 1);
          this.waiterCount--;
        }
        if (list.length === 0 && this.replicaWaiters.get(key) === list) this.replicaWaiters.delete(key);
        resolve();
      };
      timer = this.clock.schedule(timeoutMs, done);
      list.push(done);
    });
    return this.byId.get(key);
  }

  /**
   * Subscribes to leadership changes, and replays the partitions this node leads right now, so a
   * late subscriber (the group coordinator) sees every partition exactly once.
   */
  onLeadershipChange(listener: LeadershipListener): void {
    this.leadershipListeners.push(listener);
    for (const replica of this.replicas.values())
      if (replica.isLeader) listener(replica.topic, replica.partition, replica);
  }

  private notifyLeadership(topic: string, partition: number, replica: Replica | null): void {
    for (const listener of this.leadershipListeners) listener(topic, partition, replica);
  }

  /** The replica of `topic`-`partition` hosted here, leading or following. */
  replica(topic: string, partition: number): Replica | undefined {
    return this.replicas.get(partitionKey(topic, partition));
  }

  /** Every partition this node leads. */
  ledPartitions(): Replica[] {
    return [...this.replicas.values()].filter((r) => r.isLeader);
  }

  /** Every replica hosted here, for the /partitions view. */
  status(topic?: string | null): ReplicaStatus[] {
    const out: ReplicaStatus[] = [];
    for (const replica of this.replicas.values()) if (!topic || replica.topic === topic) out.push(replica.status());
    return out.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  }

  /**
   * This node leads the partition but is cut off: the controller may have fenced this broker (and
   * be moving its partitions), and it does not hear a write quorum, so its view is stale.
   */
  private leadsCutOff(replica: Replica): boolean {
    return replica.isLeader && this.session.mayBeFenced() && replica.cutOff(this.session.fenceableSilenceMs);
  }

  /**
   * The replicas that hold the current epoch's marker and keep up, when this node leads the
   * partition; null otherwise, and callers fall back to the live replicas.
   */
  inSyncReplicas(topic: string, partition: number): number[] | null {
    return this.replicas.get(partitionKey(topic, partition))?.inSyncReplicas() ?? null;
  }

  /** Waits until reactions to every metadata change so far have finished (e.g. logs opened, leaders ready). */
  settled(): Promise<void> {
    return this.changes;
  }

  // ---------------------------------------------------------------- metadata

  private enqueue(change: MetadataChange): void {
    this.changes = this.changes
      .then(() => this.react(change))
      .catch((err: unknown) => {
        stopIfBroken(err, this.fatal);
        this.log.error({ err, change: change.kind }, 'failed to apply a metadata change to replicas');
      });
  }

  private async react(change: MetadataChange): Promise<void> {
    if (this.closed) return;
    switch (change.kind) {
      case 'topic-created':
        this.warnRejectedConfigs(change.topic);
        await this.syncTopic(
          change.topic,
          change.topic.partitions.map((p) => p.partition),
        );
        return;
      case 'partitions-changed':
        await this.syncTopic(change.topic, change.partitions);
        return;
      case 'topic-deleted':
        await this.deleteTopic(change.topic);
        return;
      case 'config-changed': {
        const topic = this.metadata.state.topicById(change.topic.topicId);
        if (!topic) return;
        this.warnRejectedConfigs(topic);
        const config = this.logConfig(topic);
        const updates: Promise<void>[] = [];
        for (const p of topic.partitions) {
          const replica = this.replicas.get(partitionKey(topic.name, p.partition));
          if (!replica) continue;
          replica.log.updateConfig(config);
          // A new write quorum applies from the next epoch; a follower only records it.
          updates.push(replica.applyAssignment(this.assignmentOf(topic, p)));
        }
        await Promise.all(updates);
        return;
      }
      case 'brokers-changed':
      case 'acls-changed':
      case 'client-quotas-changed':
        return;
      case 'ignored':
        this.log.warn(
          { reason: change.reason },
          'a committed metadata record conflicted with the state and was ignored',
        );
        return;
    }
  }

  private assignmentOf(topic: TopicInfo, p: PartitionInfo): ReplicaAssignment {
    let writeQuorum: number;
    try {
      writeQuorum = resolveQuorums(p.replicas.length, topic.settings).writeQuorum;
    } catch {
      writeQuorum = Math.floor(p.replicas.length / 2) + 1; // validated at creation; only a damaged config lands here
    }
    return {
      leader: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicas: [...p.replicas],
      learners: addingReplicas(p),
      writeQuorum,
    };
  }

  /** Opens the replicas this node hosts among `partitionIds` and applies their assignment. */
  private async syncTopic(changed: TopicInfo, partitionIds: readonly number[]): Promise<void> {
    // The state as it is now, not as the notification saw it: later changes may be applied already.
    const topic = this.metadata.state.topicById(changed.topicId);
    if (!topic) return;
    const roleChanges: Promise<void>[] = [];
    const sync = async (id: number): Promise<void> => {
      const info = topic.partitions[id];
      if (!info) return;
      const key = partitionKey(topic.name, id);
      let replica = this.replicas.get(key);
      if (!hostingReplicas(info).includes(this.config.nodeId)) {
        // Moved away (a reassignment completed or was cancelled): the data goes too.
        if (replica) {
          await this.removeReplica(replica);
          await this.logs.deletePartition(topic.name, id);
          this.log.info({ topic: topic.name, partition: id }, 'replica moved away: its log is deleted');
        }
        return;
      }
      const assignment = this.assignmentOf(topic, info);
      if (!replica) {
        // With the topic id, a log left by a deleted topic of the same name is replaced, not reused.
        const log = await this.logs.getOrCreate(topic.name, id, this.logConfig(topic), topic.topicId);
        replica = await Replica.open(
          { topic: topic.name, topicId: topic.topicId, partition: id },
          log,
          assignment,
          this.io,
          this.log.child({ topic: topic.name, partition: id }),
        );
        this.replicas.set(key, replica);
        this.byId.set(idKey(topic.topicId, id), replica);
        this.wakeReplicaWaiters(idKey(topic.topicId, id));
      }
      // Role changes of different partitions run side by side (each flushes and writes a marker).
      roleChanges.push(replica.applyAssignment(assignment));
    };
    // A few partitions at a time: opening one is a string of small fsyncs, and a topic of many
    // partitions (__consumer_offsets) opened one by one kept its leaders waiting for seconds.
    for (let i = 0; i < partitionIds.length; i += limits.logOpenConcurrencyMax) {
      await Promise.all(partitionIds.slice(i, i + limits.logOpenConcurrencyMax).map(sync));
    }
    await Promise.all(roleChanges);
  }

  private wakeReplicaWaiters(key: string): void {
    const list = this.replicaWaiters.get(key);
    if (!list) return;
    for (const done of [...list]) done();
  }

  private async removeReplica(replica: Replica): Promise<void> {
    this.replicas.delete(partitionKey(replica.topic, replica.partition));
    this.byId.delete(idKey(replica.topicId, replica.partition));
    await replica.close();
  }

  private async deleteTopic(topic: TopicInfo): Promise<void> {
    for (const p of topic.partitions) {
      const replica = this.replicas.get(partitionKey(topic.name, p.partition));
      if (replica) await this.removeReplica(replica);
      await this.logs.deletePartition(topic.name, p.partition);
    }
    this.log.info({ topic: topic.name }, 'topic deleted');
  }

  /**
   * Logs on disk for partitions the metadata no longer has (deleted while this node was down),
   * including those of a deleted topic whose name a new topic took meanwhile: getOrCreate would
   * replace those, but only on a node that is a replica of the new topic's partition.
   */
  private async removeOrphans(): Promise<void> {
    for (const { topic, partition } of this.logs.list()) {
      const info = this.metadata.state.topic(topic);
      const recordedTopicId = this.logs.topicIdOf(topic, partition);
      const assigned = info?.partitions[partition];
      if (info && assigned && !hostingReplicas(assigned).includes(this.config.nodeId)) {
        this.log.warn({ topic, partition }, 'removing the log of a partition moved away from this node');
      } else if (info && partition < info.partitions.length) {
        // A log recording no id (older Brook) is adopted by getOrCreate.
        if (recordedTopicId === null || recordedTopicId === undefined || recordedTopicId === info.topicId) continue;
        this.log.warn(
          { topic, partition, recordedTopicId, topicId: info.topicId },
          'removing the log of a deleted topic whose name a new topic has taken',
        );
      } else {
        this.log.warn({ topic, partition }, 'removing the log of a partition that no longer exists');
      }
      await this.logs.deletePartition(topic, partition);
    }
  }

  // ---------------------------------------------------------------- tick

  private tick(): void {
    const now = this.clock.now();
    const lateMs = now - this.lastTickMs - TICK_MS;
    this.lastTickMs = now;
    // After a stall of this process (GC, SIGSTOP) the answers that came meanwhile wait unread
    // behind this tick: silence measured now would be this node's own, so it is judged next tick.
    const stalled = lateMs > TICK_STALL_MS;
    const fenceable = !stalled && this.session.mayBeFenced();
    const cutOff: string[] = [];
    for (const replica of this.replicas.values()) {
      replica.tick();
      if (fenceable && replica.fenceIfCutOff(this.session.fenceableSilenceMs))
        cutOff.push(`${replica.topic}-${replica.partition}`);
      const epoch = replica.electionWanted(now);
      if (epoch !== null) this.requestElection(replica, epoch, now);
    }
    if (cutOff.length > 0 && !this.cutOff) {
      this.log.warn(
        { partitions: cutOff.length, first: cutOff.slice(0, CUT_OFF_LOGGED_MAX) },
        'cut off from the controller and from write quorums: fencing leaderships',
      );
      this.leadershipsCutOff(cutOff.length);
    }
    if (!stalled) this.cutOff = cutOff.length > 0;
    this.logs.flushTick(now);
    if (now - this.lastRetentionMs >= this.config.retentionCheckIntervalMs) {
      this.lastRetentionMs = now;
      this.logs.retentionTick(now).catch((err: unknown) => this.log.error({ err }, 'retention failed'));
    }
  }

  /**
   * As leader of a partition being reassigned, every learner caught up: the controller is asked
   * to complete the move (PartitionElections), at most every ELECTION_REQUEST_INTERVAL_MS.
   */
  private learnersCaughtUp(replica: Replica): void {
    const now = this.clock.now();
    const key = `caught-up:${idKey(replica.topicId, replica.partition)}`;
    if (now - (this.electionRequestedMs.get(key) ?? 0) < ELECTION_REQUEST_INTERVAL_MS) return;
    this.electionRequestedMs.set(key, now);
    const controllerId = this.metadata.controllerId;
    if (controllerId < 0) return;
    const ask = {
      topicId: replica.topicId,
      partition: replica.partition,
      leaderEpoch: replica.leaderEpoch,
      learnersCaughtUp: true,
    };
    this.network.requestElection(controllerId, ask).catch(() => undefined);
  }

  private requestElection(replica: Replica, epoch: number, now: number): void {
    const key = idKey(replica.topicId, replica.partition);
    if (now - (this.electionRequestedMs.get(key) ?? 0) < ELECTION_REQUEST_INTERVAL_MS) return;
    this.electionRequestedMs.set(key, now);
    const controllerId = this.metadata.controllerId;
    if (controllerId < 0) return;
    this.network
      .requestElection(controllerId, { topicId: replica.topicId, partition: replica.partition, leaderEpoch: epoch })
      .then((refusal) => {
        if (refusal !== '')
          this.log.debug({ topic: replica.topic, partition: replica.partition, refusal }, 'election request not taken');
      })
      .catch(() => undefined);
  }

  // ---------------------------------------------------------------- configs

  /** Configs an older Brook committed that today's rules refuse: the broker's values apply instead. */
  private warnRejectedConfigs(topic: TopicInfo): void {
    if (topic.rejectedConfigs.length === 0) return;
    this.log.warn(
      { topic: topic.name, rejected: topic.rejectedConfigs },
      'committed topic configs refused by this version; using the broker values instead',
    );
  }

  /** The topic's log settings on this node: its typed overrides over this node's defaults. */
  logConfig(topic: TopicInfo): LogConfig {
    return logConfigOf(effectiveTopicSettings(topic.settings, this.config));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.ticker?.cancel();
    await this.changes;
    for (const list of [...this.replicaWaiters.values()]) for (const done of [...list]) done();
    for (const replica of this.replicas.values()) await replica.close();
    this.replicas.clear();
    this.byId.clear();
    await this.logs.closeAll();
  }
}
