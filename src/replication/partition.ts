// One partition replica on this node (DESIGN §5): its log, its sealed epoch, and its role — the
// leader of an epoch (a LeaderCore driven by LeaderReplica) or a follower (a FollowerCore that
// turns the leader's appends into truncations, appends and epoch markers). Roles follow the
// metadata: the replica leads epoch e only after the PartitionChange for e has been applied here.
//
// Every state change (an append from the leader, a Seal, taking or leaving leadership) runs in one
// queue, so each sees the log as the previous one left it; fsyncs for follower acknowledgements
// run outside it, so many appends share one flush (group commit) while the next ones apply.
import { assert, ErrorCode, KafkaError, limits, type Logger } from '../common/index.js';
import type { LogReadResult, PartitionLog } from '../storage/index.js';
import { HighWatermarkWaiters } from './high-watermark-waiters.js';
import { LeaderReplica } from './leader-replica.js';
import {
  AppendError,
  type AppendRequest,
  type AppendResponse,
  entryFor,
  FollowerCore,
  LeaderCore,
  type ProgressStatus,
  type ReplicationLimits,
  type SealResponse,
} from './protocol/index.js';
import { PartitionLogView } from './replica-log-view.js';
import { SealedEpochFile } from './sealed-epoch.js';
import { SerialQueue } from './serial-queue.js';
import type { WireAppendRequest } from './wire.js';

/** How long a replica sealed above the epoch it is named leader of waits for that failover to finish before asking for one. */
const SEALED_ELECTION_GRACE_MS = 3_000;
/** How long a leader deposed by a sealed follower waits for the failover that sealed it before asking for one (a seal round takes at most ~1 s). */
const DEPOSED_ELECTION_GRACE_MS = 1_500;

export interface AppendResult {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly logAppendTime: number;
  readonly duplicate: boolean;
}

/** What the metadata says about the partition: who leads which epoch, the replicas, W. */
export interface ReplicaAssignment {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly writeQuorum: number;
}

/** What a replica needs from the node. */
export interface ReplicaIo {
  readonly nodeId: number;
  readonly limits: Partial<ReplicationLimits>;
  send(to: number, request: WireAppendRequest): Promise<AppendResponse | null>;
  /** This replica started (true, after its epoch marker is durable) or stopped (false) leading. */
  leadershipChanged(replica: Partition, leading: boolean): void;
}

export type ReplicaRole = 'leader' | 'follower';

export interface ReplicaStatus {
  readonly topic: string;
  readonly partition: number;
  readonly role: ReplicaRole;
  /** Leader and epoch as the metadata names them. */
  readonly metadataLeader: number;
  readonly metadataEpoch: number;
  /** The epoch this replica leads, or follows (-1 before a leader spoke to it). */
  readonly leaderEpoch: number;
  readonly sealedEpoch: number;
  readonly lastEpoch: number;
  readonly epochStartOffset: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly durableEndOffset: number;
  readonly highWatermark: number;
  readonly inSyncReplicas: number[] | null;
  readonly followers: ProgressStatus[];
  /** Named leader in the metadata but unable to take the epoch (waiting for a new election). */
  readonly cannotLead: string | null;
}

export class Partition {
  private readonly view: PartitionLogView;
  private readonly sealView: PartitionLogView;
  private follower: FollowerCore;
  private leader: LeaderReplica | null = null;
  private assignmentValue: ReplicaAssignment;
  private readonly queue = new SerialQueue(limits.replicaQueueDepthMax);
  private readonly waiters = new HighWatermarkWaiters();
  private readonly listeners = new Set<() => void>();
  private leaderFlushing = false;
  /** Named leader of `epoch` but unable to take it; an election is asked for from `askAfterMs`. */
  private cannotLead: { reason: string; epoch: number; askAfterMs: number } | null = null;
  private closed = false;

  private constructor(
    readonly topic: string,
    readonly topicId: string,
    readonly partition: number,
    readonly log: PartitionLog,
    private readonly sealed: SealedEpochFile,
    assignment: ReplicaAssignment,
    private readonly io: ReplicaIo,
    private readonly logger: Logger,
  ) {
    this.view = new PartitionLogView(log);
    this.sealView = new PartitionLogView(log, true);
    this.follower = new FollowerCore(io.nodeId, sealed.value);
    this.assignmentValue = assignment;
    // The log cleaner works below this replica's high watermark only: above it, a record may be
    // uncommitted, and cleaning could drop a committed older value for a newer one that a failover
    // then truncates. Leader and follower alike use their own. With transactions this becomes the
    // last stable offset.
    log.setCleanableBound({ cleanableEndOffset: () => (this.closed ? 0 : this.highWatermark) });
  }

  static async open(
    ids: { topic: string; topicId: string; partition: number },
    log: PartitionLog,
    assignment: ReplicaAssignment,
    io: ReplicaIo,
    logger: Logger,
  ): Promise<Partition> {
    const sealed = await SealedEpochFile.open(log.disk, log.dir);
    return new Partition(ids.topic, ids.topicId, ids.partition, log, sealed, assignment, io, logger);
  }

  // ---------------------------------------------------------------- what clients see (leader)

  /** This replica leads the partition now and may take produce and fetch requests. */
  get isLeader(): boolean {
    return this.leader !== null && this.leader.active;
  }

  /** The epoch it leads, else the metadata's. */
  get leaderEpoch(): number {
    return this.leader?.epoch ?? this.assignmentValue.leaderEpoch;
  }

  get assignment(): ReplicaAssignment {
    return this.assignmentValue;
  }

  get highWatermark(): number {
    return this.leader !== null ? this.leader.core.highWatermark : this.follower.highWatermark;
  }

  /** Where the led epoch starts; -1 when not leading. */
  get epochStartOffset(): number {
    return this.leader?.core.epochStartOffset ?? -1;
  }

  get logStartOffset(): number {
    return this.log.logStartOffset;
  }

  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  /** Offsets below this are readable by consumers (no transactions: LSO equals HW). */
  get lastStableOffset(): number {
    return this.highWatermark;
  }

  /** acks=all is taken only with at least W live replicas, the leader included. */
  canAcceptAcksAll(): boolean {
    return this.leader !== null && this.leader.active && this.leader.core.canAcceptAcksAll(Date.now());
  }

  /** The leader and the live followers that hold the epoch marker and keep up; null when not leading. */
  inSyncReplicas(): number[] | null {
    return this.isLeader ? (this.leader as LeaderReplica).core.inSyncReplicas(this.view, Date.now()) : null;
  }

  private activeLeader(): LeaderReplica {
    const l = this.leader;
    if (this.closed || l === null || !l.active) {
      throw new KafkaError(
        ErrorCode.NOT_LEADER_OR_FOLLOWER,
        `node ${this.io.nodeId} does not lead ${this.topic}-${this.partition}`,
      );
    }
    return l;
  }

  /** Appends validated batches as leader; followers get them next, HW follows their answers. */
  append(batches: Buffer[], options: { logAppendTime?: number; messageCount: number }): AppendResult {
    const l = this.activeLeader();
    const result = this.log.appendAsLeader(batches, l.epoch, { logAppendTime: options.logAppendTime });
    if (result.duplicate) return { ...result, duplicate: true };
    for (const batch of batches) l.appended(batch);
    if (this.view.strict) {
      this.flushAsLeader();
    } else {
      // Relaxed policy: the page cache counts; fsync by count or time.
      l.onLocalDurable();
      if (this.log.flushDue(Date.now())) this.flushInBackground();
    }
    l.schedulePump();
    return { ...result, duplicate: false };
  }

  /** Group commit for the leader: one loop at a time, each round covers every append made before it. */
  private flushAsLeader(): void {
    if (this.leaderFlushing) return;
    this.leaderFlushing = true;
    void (async () => {
      try {
        // Each round makes everything appended before it durable; bounded by the appends that keep coming.
        while (!this.closed && this.log.durableEndOffset < this.log.logEndOffset) {
          await this.log.flush();
          this.leader?.onLocalDurable();
        }
      } catch (err) {
        this.logger.error({ err }, 'leader flush failed');
      } finally {
        this.leaderFlushing = false;
      }
    })();
  }

  private flushInBackground(): void {
    this.log.flush().catch((err: unknown) => this.logger.error({ err }, 'flush failed'));
  }

  /** Resolves once the high watermark reaches `offset`; REQUEST_TIMED_OUT, or NOT_LEADER_OR_FOLLOWER when leadership ends. */
  waitForHighWatermark(offset: number, timeoutMs: number): Promise<void> {
    if (this.highWatermark >= offset) return Promise.resolve();
    if (!this.isLeader)
      return Promise.reject(
        new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${this.topic}-${this.partition} is not led here`),
      );
    return this.waiters.wait(offset, timeoutMs);
  }

  /** Subscribes to high-watermark advances and role changes (fetch long polls); returns the unsubscribe function. */
  onHighWatermark(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private highWatermarkAdvanced(): void {
    this.waiters.advance(this.highWatermark);
    for (const listener of [...this.listeners]) listener();
  }

  /**
   * Whole batches from fetchOffset up to the high watermark, at most maxBytes of them; the first
   * batch comes even when larger unless minOneBatch is false (PartitionLog.read).
   */
  read(
    fetchOffset: number,
    maxBytes: number,
    options: { readonly minOneBatch?: boolean } = {},
  ): Promise<LogReadResult> {
    return this.log.read(fetchOffset, maxBytes, this.highWatermark, options);
  }

  /** DeleteRecords on the leader; followers move their log start after it (handleAppend). */
  async deleteRecordsBefore(offset: number): Promise<number> {
    this.activeLeader();
    const hw = this.highWatermark;
    const target = offset === -1 ? hw : offset;
    if (target < 0 || target > hw) {
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${offset} is beyond the high watermark ${hw}`);
    }
    if (target > this.log.logStartOffset) await this.log.deleteRecordsBefore(target);
    return this.log.logStartOffset;
  }

  // ---------------------------------------------------------------- roles

  /** A PartitionChange (or config change) was applied: take, keep or leave leadership accordingly. */
  applyAssignment(assignment: ReplicaAssignment): Promise<void> {
    return this.queue.run(async () => {
      // A late notification of an older epoch (the state was read newer already) changes nothing.
      if (this.closed || assignment.leaderEpoch < this.assignmentValue.leaderEpoch) return;
      this.assignmentValue = assignment;
      const me = this.io.nodeId;
      if (this.leader !== null && (assignment.leaderEpoch > this.leader.epoch || assignment.leader !== me)) {
        this.stepDown(`the metadata moved to epoch ${assignment.leaderEpoch} led by ${assignment.leader}`);
      }
      if (assignment.leader !== me) {
        this.cannotLead = null;
        return;
      }
      if (this.leader === null) await this.tryLead(assignment);
    });
  }

  /** Takes epoch e as leader: flush, record "e starts at the log end" durably, then lead. */
  private async tryLead(a: ReplicaAssignment): Promise<void> {
    const e = a.leaderEpoch;
    if (e < this.follower.fencingEpoch) {
      // Usually a failover under way (its PartitionChange follows); ask only if none comes.
      this.refuseLeadership(e, `sealed at epoch ${this.follower.fencingEpoch}, above ${e}`, SEALED_ELECTION_GRACE_MS);
      return;
    }
    const last = this.log.lastEpoch;
    let start: number;
    if (last >= e) {
      // This process led (or a previous one did) epoch e already. Leading it again could give two
      // batches one (offset, epoch), unless no other replica can hold any batch of it.
      const entry = entryFor(this.log.epochEntries(), e);
      if (a.replicas.length !== 1 || last !== e || entry === undefined) {
        this.refuseLeadership(e, `the log already has epoch ${last} >= ${e}`, 0);
        return;
      }
      await this.log.flush();
      start = entry.startOffset;
    } else {
      await this.log.flush();
      start = this.log.logEndOffset;
      await this.log.assignEpochStart(e, start);
    }
    await this.sealed.persist(e);
    if (this.closed) return;
    this.follower.onBecomeLeader(e, start);
    const core = new LeaderCore(
      {
        replicaId: this.io.nodeId,
        replicas: a.replicas,
        writeQuorum: a.writeQuorum,
        epoch: e,
        epochStartOffset: start,
        initialHighWatermark: Math.min(this.follower.highWatermark, start),
        limits: this.io.limits,
      },
      this.view,
    );
    const leader = new LeaderReplica(core, this.log, this.view, {
      ids: { topic: this.topic, topicId: this.topicId, partition: this.partition },
      send: (to, request) => this.io.send(to, request),
      highWatermarkAdvanced: () => {
        if (this.leader === leader) this.highWatermarkAdvanced();
      },
      deposed: () => {
        if (this.leader !== leader) return;
        this.stepDown('a follower answered from a newer epoch');
        // A failover sealed the followers but did not finish (too few answered, say, because this
        // replica was fenced for a moment and is back): the metadata still names this replica leader
        // of the epoch it can no longer serve, and no election is wanted for a live leader. Ask.
        const a = this.assignmentValue;
        if (a.leader === this.io.nodeId && a.leaderEpoch === e)
          this.refuseLeadership(e, 'a follower is sealed at a newer epoch', DEPOSED_ELECTION_GRACE_MS);
      },
      logger: this.logger,
    });
    this.leader = leader;
    this.cannotLead = null;
    leader.onLocalDurable();
    leader.pump();
    this.logger.info(
      { epoch: e, epochStartOffset: start, logEndOffset: this.log.logEndOffset, highWatermark: core.highWatermark },
      'leading partition',
    );
    this.io.leadershipChanged(this, true);
    this.highWatermarkAdvanced();
  }

  private refuseLeadership(epoch: number, reason: string, graceMs: number): void {
    if (this.cannotLead?.epoch === epoch) return;
    this.cannotLead = { reason, epoch, askAfterMs: Date.now() + graceMs };
    this.logger.info({ epoch, reason }, 'named leader but cannot take the epoch; a new election is needed');
  }

  /** The epoch to ask the controller to replace, when named its leader but unable to take it. */
  electionWanted(now: number): number | null {
    const c = this.cannotLead;
    if (c === null || this.leader !== null || now < c.askAfterMs) return null;
    const a = this.assignmentValue;
    return a.leader === this.io.nodeId && a.leaderEpoch === c.epoch ? c.epoch : null;
  }

  /** Leaves leadership: the core is fenced, waiting producers are told to go to the new leader. */
  private stepDown(reason: string): void {
    const l = this.leader;
    if (l === null) return;
    l.stop();
    this.leader = null;
    this.waiters.failAll(
      new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${this.topic}-${this.partition} is no longer led here`),
    );
    for (const listener of [...this.listeners]) listener();
    this.logger.info({ epoch: l.epoch, reason }, 'stopped leading partition');
    this.io.leadershipChanged(this, false);
  }

  /** Sends due heartbeats and retries (called on the node's replication tick). */
  tick(): void {
    if (this.isLeader) (this.leader as LeaderReplica).pump();
    else if (this.leader !== null) this.stepDown('fenced');
  }

  // ---------------------------------------------------------------- follower side

  /**
   * An AppendRequest from the leader: apply it in order, flush by policy, answer. Also moves the
   * log start up to the leader's (DeleteRecords), never beyond what this replica knows is committed.
   */
  async handleAppend(
    request: AppendRequest,
    buffers: readonly Buffer[],
    leaderLogStartOffset = 0,
  ): Promise<AppendResponse> {
    if (this.closed) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'replica closed');
    const applied = await this.queue.run(async () => {
      if (this.leader !== null && request.epoch > this.leader.epoch)
        this.stepDown(`leader ${request.leaderId} of epoch ${request.epoch} spoke`);
      if (
        leaderLogStartOffset > this.log.logEndOffset &&
        request.epoch >= this.sealed.value &&
        request.epoch >= this.log.lastEpoch
      ) {
        // Everything this replica holds lies below the leader's log start: committed data the
        // leader has already deleted. Start over where the leader's log starts, as a new replica.
        this.logger.info(
          { logEndOffset: this.log.logEndOffset, leaderLogStartOffset },
          'follower log is behind the leader log start; starting over there',
        );
        await this.log.truncateFullyAndStartAt(leaderLogStartOffset);
        this.follower = new FollowerCore(this.io.nodeId, this.sealed.value);
      }
      const actions = this.follower.onAppendRequest(request, this.view);
      let response: AppendResponse | null = null;
      let appended = false;
      try {
        for (const a of actions) {
          switch (a.type) {
            case 'persistSealedEpoch':
              await this.sealed.persist(a.epoch);
              break;
            case 'truncateTo':
              await this.log.truncateTo(a.offset);
              break;
            case 'assignEpochStart':
              await this.log.assignEpochStart(a.epoch, a.startOffset);
              break;
            case 'append':
              this.log.appendAsFollower(buffers.slice(a.from, a.to));
              appended = true;
              break;
            case 'respond':
              response = a.response;
              break;
          }
        }
      } catch (err) {
        // The core's projection no longer matches the log: forget its volatile state, as a restart would.
        this.follower = new FollowerCore(this.io.nodeId, this.sealed.value);
        throw err;
      }
      assert(response !== null, 'every append request is answered');
      const done: AppendResponse = response;
      if (done.error === AppendError.none && leaderLogStartOffset > this.log.logStartOffset) {
        const target = Math.min(leaderLogStartOffset, this.follower.highWatermark, this.log.logEndOffset);
        if (target > this.log.logStartOffset) await this.log.deleteRecordsBefore(target);
      }
      return { response: done, appended };
    });
    if (this.view.strict) {
      if (applied.appended || this.log.durableEndOffset < this.log.logEndOffset) await this.log.flush();
    } else if (this.log.flushDue(Date.now())) {
      this.flushInBackground();
    }
    return this.follower.refreshResponse(applied.response, this.view);
  }

  /** Seal(epoch) from the controller: refuse older epochs from now on, durably, and report the durable log. */
  handleSeal(epoch: number): Promise<SealResponse> {
    return this.queue.run(async () => {
      const first = this.follower.onSeal({ epoch }, this.sealView);
      if (!first.response.accepted) return first.response;
      if (this.leader !== null && this.leader.epoch < epoch) this.stepDown(`sealed at epoch ${epoch}`);
      const a = this.assignmentValue;
      if (a.leader === this.io.nodeId && a.leaderEpoch < epoch) {
        // If the failover that sealed us does not finish (too few answers), the metadata keeps
        // naming this replica leader of an epoch it may no longer serve: ask again later.
        this.refuseLeadership(a.leaderEpoch, `sealed at epoch ${epoch}`, SEALED_ELECTION_GRACE_MS);
      }
      await this.sealed.persist(epoch);
      await this.log.flush();
      return this.follower.onSeal({ epoch }, this.sealView).response;
    });
  }

  // ---------------------------------------------------------------- status and close

  status(): ReplicaStatus {
    const l = this.leader;
    return {
      topic: this.topic,
      partition: this.partition,
      role: this.isLeader ? 'leader' : 'follower',
      metadataLeader: this.assignmentValue.leader,
      metadataEpoch: this.assignmentValue.leaderEpoch,
      leaderEpoch: l?.epoch ?? this.follower.leaderEpoch,
      sealedEpoch: this.sealed.value,
      lastEpoch: this.log.lastEpoch,
      epochStartOffset: this.epochStartOffset,
      logStartOffset: this.log.logStartOffset,
      logEndOffset: this.log.logEndOffset,
      durableEndOffset: this.log.durableEndOffset,
      highWatermark: this.highWatermark,
      inSyncReplicas: this.inSyncReplicas(),
      followers: l !== null ? l.core.followerIds.map((f) => l.core.progressOf(f)) : [],
      cannotLead: this.cannotLead?.reason ?? null,
    };
  }

  /** Stops the replica (the owner closes or deletes the log afterwards); pending producers get NOT_LEADER_OR_FOLLOWER. */
  async close(): Promise<void> {
    if (this.closed) return;
    const stop = (): void => {
      this.stepDown('replica closing');
      this.closed = true;
    };
    // After the changes already queued; at once if the queue refuses more.
    await this.queue.run(stop).catch(stop);
    this.listeners.clear();
    this.log.setCleanableBound(null);
  }
}
