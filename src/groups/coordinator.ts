// The group coordinator of one node. Groups live in shards, one per __consumer_offsets partition
// this node leads; a group belongs to the partition its id hashes to (hash.ts). A shard is
// rebuilt by replaying its partition when this node becomes its leader — until then its groups
// answer COORDINATOR_LOAD_IN_PROGRESS — and dropped when leadership moves (NOT_COORDINATOR).
// Every change that must survive (assignments, empty groups, offsets, deletions) is written to the
// partition and acknowledged only once durable; membership is in memory and re-established by the
// clients' heartbeats against the last stored generation. Offsets committed inside a transaction
// (TxnOffsetCommit) wait in the shard's TxnOffsetStore until the producer's marker lands on the
// partition (`onTransactionCompleted`): a COMMIT makes them the group's, an ABORT drops them.
import { randomUUID } from 'node:crypto';
import { ErrorCode, limits, type Logger } from '../common/index.js';
import { storeErrorCode, type CoordinatorLog, type TransactionalProducer } from './coordinator-log.js';
import { ClassicGroup, CONSUMER_PROTOCOL_TYPE, GroupState, offsetKey, type CommittedOffset } from './group.js';
import { offsetsPartitionFor } from './hash.js';
import type { JoinResult, SyncResult } from './member.js';
import {
  GroupMembership,
  joinError,
  syncError,
  type HeartbeatParams,
  type JoinGroupParams,
  type LeaveResult,
  type MemberIdentity,
  type SyncGroupParams,
} from './membership.js';
import type { CoordinatorRecord, GroupMetadataValue } from './records.js';
import type { ScheduledTask, Scheduler } from './scheduler.js';
import { loadShard } from './shard-loader.js';
import { materialize, TxnOffsetStore } from './txn-offsets.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

export interface GroupCoordinatorOptions {
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  readonly initialRebalanceDelayMs: number;
  /** Told when a group begins a rebalance (the rebalance counter). */
  readonly onRebalance?: (groupId: string) => void;
  readonly offsetsRetentionMs: number;
  /** How often expired offsets are looked for; default min(retention, Kafka's 10 minutes). */
  readonly offsetsRetentionCheckIntervalMs?: number;
  /** Partitions of __consumer_offsets (the topic's actual count once it exists). */
  offsetsPartitionCount(): number;
  /** Whether a topic partition exists, for OffsetCommit's UNKNOWN_TOPIC_OR_PARTITION. */
  partitionExists(topic: string, partition: number): boolean;
  readonly scheduler: Scheduler;
  readonly log: Logger;
  /** Member ids; Kafka's form `<clientId or instanceId>-<uuid>` by default. */
  readonly newMemberId?: (prefix: string) => string;
}

export interface CommitParams {
  readonly groupId: string;
  /** -1 with an empty member id: a consumer outside any group (kcat, assign()). */
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** OffsetCommit v2-4; -1: the broker's retention. */
  readonly retentionTimeMs: number;
  readonly offsets: readonly {
    topic: string;
    partition: number;
    offset: number;
    leaderEpoch: number;
    metadata: string | null;
  }[];
}

/** TxnOffsetCommit: offsets of one group written inside the producer's transaction. */
export interface TxnCommitParams {
  readonly groupId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  /** v3+ (KIP-447); -1 and '' when the client did not say. */
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly offsets: CommitParams['offsets'];
}

export interface PartitionResult {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
}

export interface FetchedOffset {
  readonly topic: string;
  readonly partition: number;
  /** -1: nothing committed. */
  readonly offset: number;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly errorCode: number;
}

export interface GroupListing {
  readonly groupId: string;
  readonly protocolType: string;
  readonly state: GroupState;
}

export interface GroupDescription {
  readonly errorCode: number;
  readonly groupId: string;
  readonly state: string;
  readonly protocolType: string;
  /** The selected protocol; empty unless Stable. */
  readonly protocolName: string;
  readonly generationId: number;
  readonly members: readonly {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    metadata: Buffer;
    assignment: Buffer;
  }[];
}

type ShardState = 'loading' | 'active' | 'failed';

interface TxnCompletion {
  readonly producerId: number;
  readonly markerOffset: number;
  readonly committed: boolean;
}

interface Shard {
  readonly partition: number;
  readonly log: CoordinatorLog;
  state: ShardState;
  readonly groups: Map<string, ClassicGroup>;
  /** Offsets of transactions not yet ended by a marker on this partition. */
  txnOffsets: TxnOffsetStore;
  /** Markers that became durable while the shard was loading; applied once it has loaded. */
  readonly completionsWhileLoading: TxnCompletion[];
}

const EMPTY = Buffer.alloc(0);
const unstableOffset = {
  offset: -1,
  leaderEpoch: -1,
  metadata: '',
  errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT,
} as const;

export class GroupCoordinator {
  private readonly shards = new Map<number, Shard>();
  private readonly membership: GroupMembership;
  private readonly groupShard = new WeakMap<ClassicGroup, Shard>();
  private expiryTimer: ScheduledTask | null = null;
  private closed = false;

  constructor(private readonly options: GroupCoordinatorOptions) {
    const newMemberId = options.newMemberId ?? ((prefix: string) => `${prefix}-${randomUUID()}`);
    this.membership = new GroupMembership({
      options,
      scheduler: options.scheduler,
      log: options.log,
      newMemberId,
      storeGroup: (group, value) => this.storeGroup(group, value),
    });
    this.scheduleExpiry();
  }

  private get now(): number {
    return this.options.scheduler.now();
  }

  /** The __consumer_offsets partition that holds `groupId`. */
  partitionFor(groupId: string): number {
    return offsetsPartitionFor(groupId, this.options.offsetsPartitionCount());
  }

  // ------------------------------------------------------------------ shards

  /**
   * This node became the leader of __consumer_offsets partition `partition` (log) or stopped
   * leading it (null). Loading replays the log; the returned promise settles when it is done.
   */
  async onPartitionLeadership(partition: number, log: CoordinatorLog | null): Promise<void> {
    this.unload(partition);
    if (log === null || this.closed) return;
    const shard: Shard = {
      partition,
      log,
      state: 'loading',
      groups: new Map(),
      txnOffsets: new TxnOffsetStore(),
      completionsWhileLoading: [],
    };
    this.shards.set(partition, shard);
    const started = this.now;
    let loaded;
    try {
      loaded = await loadShard(log);
    } catch (err) {
      this.options.log.error({ err, partition }, 'loading a __consumer_offsets partition failed');
      if (this.shards.get(partition) === shard) shard.state = 'failed';
      return;
    }
    if (this.shards.get(partition) !== shard) return; // leadership moved while loading
    const { groupValues, offsets, txnOffsets } = loaded;
    shard.txnOffsets = txnOffsets;
    const pendingGroups = txnOffsets.groupIds();
    for (const groupId of new Set([...groupValues.keys(), ...offsets.keys(), ...pendingGroups])) {
      const value = groupValues.get(groupId) ?? null;
      const committed = offsets.get(groupId);
      if (value === null && (!committed || committed.size === 0) && !pendingGroups.has(groupId)) continue;
      const group = value ? ClassicGroup.fromRecord(groupId, value) : new ClassicGroup(groupId, -1);
      for (const [key, offset] of committed ?? []) group.offsets.set(key, offset);
      this.addGroup(shard, group);
      // Loaded members must heartbeat within their session, as after any join.
      for (const member of group.members.values()) this.membership.scheduleSession(group, member);
    }
    shard.state = 'active';
    // Markers that landed past the end this load read: each ends only the offsets before it.
    for (const c of shard.completionsWhileLoading.splice(0)) this.completeTransaction(shard, c);
    // 50 partitions load at every start: only the ones with groups are worth an info line.
    const level = shard.groups.size > 0 ? 'info' : 'debug';
    this.options.log[level](
      { partition, groups: shard.groups.size, loadMs: this.now - started },
      'loaded group coordinator partition',
    );
  }

  private unload(partition: number): void {
    const shard = this.shards.get(partition);
    if (!shard) return;
    this.shards.delete(partition);
    for (const group of shard.groups.values()) {
      if (!group.is(GroupState.Dead)) this.membership.shutdown(group, ErrorCode.NOT_COORDINATOR);
    }
    this.options.log[shard.groups.size > 0 ? 'info' : 'debug'](
      { partition, groups: shard.groups.size },
      'unloaded group coordinator partition',
    );
    shard.groups.clear();
  }

  private addGroup(shard: Shard, group: ClassicGroup): void {
    shard.groups.set(group.groupId, group);
    this.groupShard.set(group, shard);
  }

  /** The shard serving `groupId`, or the error to answer: not here, still loading, or broken. */
  private shardOf(groupId: string): Shard | number {
    const shard = this.shards.get(this.partitionFor(groupId));
    if (!shard) return ErrorCode.NOT_COORDINATOR;
    if (shard.state === 'loading') return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (shard.state === 'failed') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return shard;
  }

  /** Whether this node serves `groupId` now (for FindCoordinator-style checks and the HTTP view). */
  errorFor(groupId: string): number {
    const shard = this.shardOf(groupId);
    return typeof shard === 'number' ? shard : ErrorCode.NONE;
  }

  private async storeGroup(group: ClassicGroup, value: GroupMetadataValue): Promise<number> {
    const shard = this.groupShard.get(group);
    if (!shard || this.shards.get(shard.partition) !== shard) return ErrorCode.NOT_COORDINATOR;
    return this.write(shard, [{ kind: 'group', groupId: group.groupId, value }]);
  }

  private async write(shard: Shard, records: readonly CoordinatorRecord[]): Promise<number> {
    return (await this.writeAt(shard, records)).errorCode;
  }

  /** Writes records (as the producer's transactional batch when given); where they landed once durable. */
  private async writeAt(
    shard: Shard,
    records: readonly CoordinatorRecord[],
    transaction?: TransactionalProducer,
  ): Promise<{ errorCode: number; baseOffset: number }> {
    try {
      const { baseOffset } = await shard.log.append(records, transaction);
      return { errorCode: ErrorCode.NONE, baseOffset };
    } catch (err) {
      const errorCode = storeErrorCode(err);
      this.options.log.warn({ err, partition: shard.partition, errorCode }, 'writing to __consumer_offsets failed');
      return { errorCode, baseOffset: -1 };
    }
  }

  // ------------------------------------------------------------------ membership

  async joinGroup(req: JoinGroupParams): Promise<JoinResult> {
    if (req.groupId.length === 0) return joinError(ErrorCode.INVALID_GROUP_ID, req.memberId);
    const shard = this.shardOf(req.groupId);
    if (typeof shard === 'number') return joinError(shard, req.memberId);
    let group = shard.groups.get(req.groupId);
    if (!group) {
      if (req.memberId !== '') return joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId);
      group = new ClassicGroup(req.groupId, this.now);
      this.addGroup(shard, group);
    }
    // A Dead group was just deleted or moved: the client looks up the coordinator again.
    if (group.is(GroupState.Dead)) return joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, req.memberId);
    return this.membership.join(group, req);
  }

  async syncGroup(req: SyncGroupParams): Promise<SyncResult> {
    const group = this.liveGroup(req.groupId);
    if (typeof group === 'number') return syncError(group);
    return this.membership.sync(group, req);
  }

  heartbeat(req: HeartbeatParams): number {
    const group = this.liveGroup(req.groupId);
    if (typeof group === 'number') return group;
    return this.membership.heartbeat(group, req);
  }

  /** Per-member results; the top-level error (coordinator trouble) applies when non-zero. */
  leaveGroup(groupId: string, identities: readonly MemberIdentity[]): { errorCode: number; members: LeaveResult[] } {
    const shard = this.shardOf(groupId);
    if (typeof shard === 'number') return { errorCode: shard, members: [] };
    const group = shard.groups.get(groupId);
    if (!group)
      return {
        errorCode: ErrorCode.NONE,
        members: identities.map((m) => ({ ...m, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })),
      };
    if (group.is(GroupState.Dead)) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    return { errorCode: ErrorCode.NONE, members: this.membership.leave(group, identities) };
  }

  /** The group if it exists here and is not Dead; else the error membership requests get. */
  private liveGroup(groupId: string): ClassicGroup | number {
    const shard = this.shardOf(groupId);
    if (typeof shard === 'number') return shard;
    const group = shard.groups.get(groupId);
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is(GroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return group;
  }

  // ------------------------------------------------------------------ offsets

  async commitOffsets(req: CommitParams): Promise<PartitionResult[]> {
    const all = (errorCode: number) => req.offsets.map((o) => ({ topic: o.topic, partition: o.partition, errorCode }));
    const shard = this.shardOf(req.groupId);
    if (typeof shard === 'number') return all(shard);
    let group = shard.groups.get(req.groupId);
    if (!group) {
      // Only a consumer outside any group may create a group by committing.
      if (req.generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION);
      group = new ClassicGroup(req.groupId, this.now);
      this.addGroup(shard, group);
    }
    const refused = this.checkCommit(group, req);
    if (refused !== ErrorCode.NONE) return all(refused);

    const { records, results } = this.offsetRecords(req.groupId, req.offsets, req.retentionTimeMs);
    const written =
      records.length > 0 ? await this.writeAt(shard, records) : { errorCode: ErrorCode.NONE, baseOffset: -1 };
    const { errorCode } = written;
    records.forEach((record, i) => {
      if (record.kind !== 'offset' || record.value === null) return;
      results.set(offsetKey(record.topic, record.partition), errorCode);
      // Applied only once durable, in log order, so a reader never sees an offset a restart loses.
      if (errorCode === ErrorCode.NONE && !group.is(GroupState.Dead)) {
        // The later record wins, also over a transaction's offsets applied while this one waited.
        materialize(group.offsets, [
          { ...record.value, topic: record.topic, partition: record.partition, logOffset: written.baseOffset + i },
        ]);
      }
    });
    return req.offsets.map((o) => ({
      topic: o.topic,
      partition: o.partition,
      errorCode: results.get(offsetKey(o.topic, o.partition)) ?? errorCode,
    }));
  }

  /** The offset records to write, and the per-partition refusals (metadata too large, no such partition). */
  private offsetRecords(
    groupId: string,
    offsets: CommitParams['offsets'],
    retentionTimeMs: number,
  ): { records: CoordinatorRecord[]; results: Map<string, number> } {
    const now = this.now;
    const results = new Map<string, number>();
    const records: CoordinatorRecord[] = [];
    for (const o of offsets) {
      const key = offsetKey(o.topic, o.partition);
      const metadata = o.metadata ?? '';
      if (Buffer.byteLength(metadata, 'utf8') > limits.offsetMetadataBytesMax) {
        results.set(key, ErrorCode.OFFSET_METADATA_TOO_LARGE);
      } else if (!this.options.partitionExists(o.topic, o.partition)) {
        results.set(key, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      } else {
        records.push({
          kind: 'offset',
          groupId,
          topic: o.topic,
          partition: o.partition,
          value: {
            offset: o.offset,
            leaderEpoch: o.leaderEpoch,
            metadata,
            commitTimestampMs: now,
            expireTimestampMs: retentionTimeMs >= 0 ? now + retentionTimeMs : -1,
          },
        });
      }
    }
    return { records, results };
  }

  // ------------------------------------------------------------------ transactional offsets

  /**
   * TxnOffsetCommit, the group's side (Kafka's GroupCoordinator.handleTxnCommitOffsets): the
   * offsets are written as the producer's transactional records and held pending until its
   * marker lands here. Whether the transaction may write to this group at all is the transaction
   * coordinator's to say (AddOffsetsToTxn), not checked here; the log refuses a fenced epoch.
   */
  async commitTransactionalOffsets(req: TxnCommitParams): Promise<PartitionResult[]> {
    const all = (errorCode: number) => req.offsets.map((o) => ({ topic: o.topic, partition: o.partition, errorCode }));
    const shard = this.shardOf(req.groupId);
    if (typeof shard === 'number') return all(shard);
    let group = shard.groups.get(req.groupId);
    if (!group) {
      group = new ClassicGroup(req.groupId, this.now);
      this.addGroup(shard, group);
    }
    const refused = this.checkTxnCommit(group, req);
    if (refused !== ErrorCode.NONE) return all(refused);
    const { records, results } = this.offsetRecords(req.groupId, req.offsets, -1);
    const producer = { producerId: req.producerId, producerEpoch: req.producerEpoch };
    const written =
      records.length > 0 ? await this.writeAt(shard, records, producer) : { errorCode: ErrorCode.NONE, baseOffset: -1 };
    records.forEach((record, i) => {
      if (record.kind !== 'offset' || record.value === null) return;
      results.set(offsetKey(record.topic, record.partition), written.errorCode);
      if (written.errorCode !== ErrorCode.NONE || this.shards.get(shard.partition) !== shard) return;
      const offset = {
        ...record.value,
        topic: record.topic,
        partition: record.partition,
        logOffset: written.baseOffset + i,
      };
      const fate = shard.txnOffsets.add(req.producerId, req.groupId, offset);
      if (fate === 'committed' && !group.is(GroupState.Dead)) materialize(group.offsets, [offset]);
    });
    return req.offsets.map((o) => ({
      topic: o.topic,
      partition: o.partition,
      errorCode: results.get(offsetKey(o.topic, o.partition)) ?? written.errorCode,
    }));
  }

  /** Kafka's checks of a transactional commit against the group (KIP-447's generation and member). */
  private checkTxnCommit(group: ClassicGroup, req: TxnCommitParams): number {
    if (group.is(GroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (req.groupInstanceId !== null && group.staticMembers.get(req.groupInstanceId) !== req.memberId)
      return ErrorCode.FENCED_INSTANCE_ID;
    if (req.memberId !== '' && !group.members.has(req.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (req.generationId >= 0 && req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    return ErrorCode.NONE;
  }

  /**
   * The marker of `producerId` at `markerOffset` is durable on __consumer_offsets partition
   * `partition` (WriteTxnMarkers): its offsets written before the marker become the groups' on a
   * COMMIT and are dropped on an ABORT. A shard still loading applies it once loaded; a partition
   * not led here has nothing to do (its next leader replays the marker).
   */
  onTransactionCompleted(partition: number, producerId: number, markerOffset: number, committed: boolean): void {
    const shard = this.shards.get(partition);
    if (!shard) return;
    const completion = { producerId, markerOffset, committed };
    if (shard.state === 'loading') shard.completionsWhileLoading.push(completion);
    else if (shard.state === 'active') this.completeTransaction(shard, completion);
  }

  private completeTransaction(shard: Shard, c: TxnCompletion): void {
    const ended = shard.txnOffsets.complete(c.producerId, c.markerOffset, c.committed);
    if (!c.committed) return;
    for (const [groupId, offsets] of ended) {
      const group = shard.groups.get(groupId);
      if (group && !group.is(GroupState.Dead)) materialize(group.offsets, offsets);
    }
  }

  /** Kafka's rules for who may commit to a group now. */
  private checkCommit(group: ClassicGroup, req: CommitParams): number {
    if (group.is(GroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (req.groupInstanceId !== null && group.staticMembers.get(req.groupInstanceId) !== req.memberId)
      return ErrorCode.FENCED_INSTANCE_ID;
    if (req.generationId < 0 && group.is(GroupState.Empty)) return ErrorCode.NONE; // offsets-only use of the group
    if (group.is(GroupState.CompletingRebalance)) return ErrorCode.REBALANCE_IN_PROGRESS;
    const member = group.members.get(req.memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    this.membership.scheduleSession(group, member); // a commit proves the member is alive
    return ErrorCode.NONE;
  }

  /**
   * Committed offsets; `partitions` null means every partition the group has an offset for. With
   * `requireStable` (OffsetFetch v7+), a partition with an offset in an open transaction answers
   * UNSTABLE_OFFSET_COMMIT (retriable) instead of its last committed offset.
   */
  fetchOffsets(
    groupId: string,
    partitions: readonly { topic: string; partition: number }[] | null,
    requireStable = false,
  ): { errorCode: number; offsets: FetchedOffset[] } {
    const shard = this.shardOf(groupId);
    if (typeof shard === 'number') return { errorCode: shard, offsets: [] };
    const group = shard.groups.get(groupId);
    const unstable = (topic: string, partition: number) =>
      requireStable && shard.txnOffsets.hasPending(groupId, topic, partition);
    const fetched = (o: CommittedOffset): FetchedOffset =>
      unstable(o.topic, o.partition)
        ? { ...unstableOffset, topic: o.topic, partition: o.partition }
        : {
            topic: o.topic,
            partition: o.partition,
            offset: o.offset,
            leaderEpoch: o.leaderEpoch,
            metadata: o.metadata,
            errorCode: ErrorCode.NONE,
          };
    if (partitions === null)
      return { errorCode: ErrorCode.NONE, offsets: [...(group?.offsets.values() ?? [])].map(fetched) };
    return {
      errorCode: ErrorCode.NONE,
      offsets: partitions.map((p) => {
        const committed = group?.offsets.get(offsetKey(p.topic, p.partition));
        if (unstable(p.topic, p.partition)) return { ...unstableOffset, topic: p.topic, partition: p.partition };
        return committed
          ? fetched(committed)
          : {
              topic: p.topic,
              partition: p.partition,
              offset: -1,
              leaderEpoch: -1,
              metadata: '',
              errorCode: ErrorCode.NONE,
            };
      }),
    };
  }

  // ------------------------------------------------------------------ admin

  /** Groups this node coordinates; COORDINATOR_LOAD_IN_PROGRESS while any partition is loading. */
  listGroups(): { errorCode: number; groups: GroupListing[] } {
    const groups: GroupListing[] = [];
    let errorCode: number = ErrorCode.NONE;
    for (const shard of this.shards.values()) {
      if (shard.state === 'loading') errorCode = ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
      for (const group of shard.groups.values()) {
        if (!group.is(GroupState.Dead))
          groups.push({ groupId: group.groupId, protocolType: group.protocolType ?? '', state: group.state });
      }
    }
    return { errorCode, groups };
  }

  describeGroup(groupId: string): GroupDescription {
    const base = { groupId, protocolType: '', protocolName: '', generationId: -1, members: [] };
    const shard = this.shardOf(groupId);
    if (typeof shard === 'number') return { ...base, errorCode: shard, state: '' };
    const group = shard.groups.get(groupId);
    if (!group) return { ...base, errorCode: ErrorCode.NONE, state: GroupState.Dead };
    const stable = group.is(GroupState.Stable) && group.protocolName !== null;
    return {
      errorCode: ErrorCode.NONE,
      groupId,
      state: group.state,
      protocolType: group.protocolType ?? '',
      protocolName: stable ? (group.protocolName ?? '') : '',
      generationId: group.generationId,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable && group.protocolName !== null ? m.metadataFor(group.protocolName) : EMPTY,
        assignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  /** Deletes empty groups with their offsets: GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, or NONE once durable. */
  async deleteGroups(groupIds: readonly string[]): Promise<{ groupId: string; errorCode: number }[]> {
    return Promise.all(groupIds.map(async (groupId) => ({ groupId, errorCode: await this.deleteGroup(groupId) })));
  }

  private async deleteGroup(groupId: string): Promise<number> {
    const shard = this.shardOf(groupId);
    if (typeof shard === 'number') return shard;
    const group = shard.groups.get(groupId);
    if (!group || group.is(GroupState.Dead)) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (!group.is(GroupState.Empty) || group.pendingMembers.size > 0) return ErrorCode.NON_EMPTY_GROUP;
    const records = this.tombstones(group, [...group.offsets.values()]);
    records.push({ kind: 'group', groupId, value: null });
    // Removed first, so nothing joins or commits into a group whose deletion is being written.
    this.membership.shutdown(group, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    shard.groups.delete(groupId);
    this.options.log.info({ groupId }, 'group deleted');
    return this.write(shard, records);
  }

  private tombstones(group: ClassicGroup, offsets: readonly CommittedOffset[]): CoordinatorRecord[] {
    return offsets.map((o) => ({
      kind: 'offset',
      groupId: group.groupId,
      topic: o.topic,
      partition: o.partition,
      value: null,
    }));
  }

  /** OffsetDelete: offsets of topics the group does not consume (or of an empty group) are removed. */
  async deleteOffsets(
    groupId: string,
    partitions: readonly { topic: string; partition: number }[],
  ): Promise<{ errorCode: number; partitions: PartitionResult[] }> {
    const shard = this.shardOf(groupId);
    if (typeof shard === 'number') return { errorCode: shard, partitions: [] };
    const group = shard.groups.get(groupId);
    if (!group || group.is(GroupState.Dead)) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, partitions: [] };
    let subscribed: Set<string> | null = new Set();
    if (!group.is(GroupState.Empty)) {
      if (group.protocolType !== CONSUMER_PROTOCOL_TYPE)
        return { errorCode: ErrorCode.NON_EMPTY_GROUP, partitions: [] };
      subscribed = group.subscribedTopics();
    }
    const results: PartitionResult[] = [];
    const deletable: CommittedOffset[] = [];
    for (const p of partitions) {
      // Unknown subscriptions (null) count as subscribed: never pull offsets from under a consumer.
      if (subscribed === null || subscribed.has(p.topic)) {
        results.push({ ...p, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC });
        continue;
      }
      const committed = group.offsets.get(offsetKey(p.topic, p.partition));
      if (committed) deletable.push(committed);
      results.push({ ...p, errorCode: ErrorCode.NONE });
    }
    const errorCode =
      deletable.length > 0 ? await this.write(shard, this.tombstones(group, deletable)) : ErrorCode.NONE;
    if (errorCode !== ErrorCode.NONE) return { errorCode, partitions: [] };
    for (const o of deletable) group.offsets.delete(offsetKey(o.topic, o.partition));
    return { errorCode: ErrorCode.NONE, partitions: results };
  }

  // ------------------------------------------------------------------ offset expiry

  private scheduleExpiry(): void {
    if (this.closed) return;
    const intervalMs =
      this.options.offsetsRetentionCheckIntervalMs ??
      Math.min(this.options.offsetsRetentionMs, limits.offsetsRetentionCheckIntervalMsMax);
    this.expiryTimer = this.options.scheduler.schedule(Math.max(intervalMs, 1), () => {
      this.expireOffsets().catch((err: unknown) => this.options.log.error({ err }, 'offset expiry failed'));
      this.scheduleExpiry();
    });
  }

  /**
   * Removes expired offsets (Kafka's rules, KIP-211): an empty group's offsets expire
   * `offsetsRetentionMs` after it became empty; a group used only for offsets, per commit; a
   * stable consumer group's, only for topics it no longer subscribes to. An empty group left
   * with no offsets is deleted. Returns how many offsets expired.
   */
  async expireOffsets(): Promise<number> {
    const now = this.now;
    let expired = 0;
    for (const shard of [...this.shards.values()]) {
      if (shard.state !== 'active') continue;
      const records: CoordinatorRecord[] = [];
      const removed: { group: ClassicGroup; offsets: CommittedOffset[] }[] = [];
      for (const group of shard.groups.values()) {
        if (records.length >= limits.expiryRecordsPerBatchMax) break; // the rest waits for the next pass
        const offsets = this.expiredOffsets(group, now);
        if (offsets.length > 0) {
          records.push(...this.tombstones(group, offsets));
          removed.push({ group, offsets });
        }
      }
      for (const { group, offsets } of removed)
        for (const o of offsets) group.offsets.delete(offsetKey(o.topic, o.partition));
      const deadGroups = [...shard.groups.values()].filter(
        (g) =>
          g.is(GroupState.Empty) &&
          g.offsets.size === 0 &&
          g.pendingMembers.size === 0 &&
          !shard.txnOffsets.hasPending(g.groupId),
      );
      for (const group of deadGroups) {
        this.membership.shutdown(group, ErrorCode.COORDINATOR_NOT_AVAILABLE);
        shard.groups.delete(group.groupId);
        records.push({ kind: 'group', groupId: group.groupId, value: null });
      }
      if (records.length === 0) continue;
      expired += records.filter((r) => r.kind === 'offset').length;
      this.options.log.info(
        { partition: shard.partition, offsets: expired, groups: deadGroups.length },
        'expired offsets and empty groups',
      );
      await this.write(shard, records);
    }
    return expired;
  }

  private expiredOffsets(group: ClassicGroup, now: number): CommittedOffset[] {
    const retentionMs = this.options.offsetsRetentionMs;
    let since: (o: CommittedOffset) => number;
    let keep: (o: CommittedOffset) => boolean = () => false;
    if (group.protocolType !== null && group.is(GroupState.Empty)) {
      since = (o) => (group.stateTimestampMs >= 0 ? group.stateTimestampMs : o.commitTimestampMs);
    } else if (group.protocolType === null && group.is(GroupState.Empty)) {
      since = (o) => o.commitTimestampMs;
    } else if (group.protocolType === CONSUMER_PROTOCOL_TYPE && group.is(GroupState.Stable)) {
      const subscribed = group.subscribedTopics();
      if (subscribed === null) return [];
      since = (o) => o.commitTimestampMs;
      keep = (o) => subscribed.has(o.topic);
    } else {
      return [];
    }
    return [...group.offsets.values()].filter((o) => {
      if (keep(o)) return false;
      return o.expireTimestampMs >= 0 ? now >= o.expireTimestampMs : now - since(o) >= retentionMs;
    });
  }

  // ------------------------------------------------------------------ views

  /** Every group this node coordinates with its committed offsets (for the HTTP lag view). */
  groupsWithOffsets(): {
    groupId: string;
    state: GroupState;
    protocolType: string;
    generationId: number;
    members: number;
    offsets: CommittedOffset[];
  }[] {
    const out = [];
    for (const shard of this.shards.values()) {
      if (shard.state !== 'active') continue;
      for (const group of shard.groups.values()) {
        out.push({
          groupId: group.groupId,
          state: group.state,
          protocolType: group.protocolType ?? '',
          generationId: group.generationId,
          members: group.size,
          offsets: [...group.offsets.values()],
        });
      }
    }
    return out;
  }

  close(): void {
    this.closed = true;
    this.expiryTimer?.cancel();
    this.expiryTimer = null;
    for (const partition of [...this.shards.keys()]) this.unload(partition);
  }
}
