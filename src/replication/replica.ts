// One partition's replica on this node (docs/architecture.md): its log, its sealed epoch, and its role — the
// leader of an epoch (a LeaderCore driven by LeaderReplica) or a follower (a FollowerCore driven by
// FollowerReplica). Roles follow the metadata: the replica leads epoch e only after the
// PartitionChange for e has been applied here (take-leadership.ts says whether it may). This file is
// the replica's surface for the Kafka handlers (produce, fetch, HW waits) and its role changes; the
// leader's flushes are leader-flush.ts, the election-request timer election-request-timer.ts.
//
// Every state change (an append from the leader, a Seal, taking or leaving leadership) runs in one
// queue, so each sees the log as the previous one left it; fsyncs for follower acknowledgements
// run outside it, so many appends share one flush (group commit) while the next ones apply.
import {
  assert,
  type Clock,
  ErrorCode,
  KafkaError,
  limits,
  type Logger,
  NO_PRODUCE_STAGES,
  type ProduceStages,
  stageNowMs,
} from '../common/index.js';
import type { AbortedTxn, LeaderAppendOptions, LogReadResult, PartitionLog } from '../storage/index.js';
import { ElectionRequestTimer } from './election-request-timer.js';
import { FollowerReplica } from './follower-replica.js';
import { HighWatermarkWaiters } from './high-watermark-waiters.js';
import { type Fatal, stopIfBroken } from './invariants.js';
import { LeaderFlush } from './leader-flush.js';
import { LeaderReplica } from './leader-replica.js';
import {
  type AppendRequest,
  type AppendResponse,
  LeaderCore,
  type ProgressStatus,
  type ReplicationLimits,
  resolveLimits,
  type SealResponse,
} from './protocol/index.js';
import { PartitionLogView } from './replica-log-view.js';
import { SealedEpochFile } from './sealed-epoch.js';
import { type ReplicationThrottles, UNTHROTTLED } from './replication-throttle.js';
import { SerialQueue } from './serial-queue.js';
import { EpochTaker, SEALED_ELECTION_GRACE_MS } from './take-leadership.js';
import type { WireAppendRequest } from './wire.js';

/**
 * How long a leader deposed by a sealed follower waits for the failover that sealed it before
 * asking for one. Asking early costs nothing: the controller runs one election per partition at a
 * time and drops a request once the partition's epoch moved on. Waiting long does: the partition
 * takes no writes meanwhile (1.5 s until December 2026, seen in a network cut's failover).
 */
const DEPOSED_ELECTION_GRACE_MS = 300;

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
  /** Replicas a reassignment adds: they follow, and count in no quorum until it completes (absent: none). */
  readonly learners?: readonly number[];
  readonly writeQuorum: number;
}

/** What a replica needs from the node. */
export interface ReplicaIo {
  readonly nodeId: number;
  readonly limits: Partial<ReplicationLimits>;
  readonly clock: Clock;
  /** Where the produce path's stage timings go (common/metrics-stages.ts); none when absent. */
  readonly stages?: ProduceStages;
  send(to: number, request: WireAppendRequest): Promise<AppendResponse | null>;
  /** The node's replication throttles, for learners (replication-throttle.ts); absent: unthrottled. */
  readonly throttles?: ReplicationThrottles;
  /** As leader: every learner has caught up; the controller may complete the reassignment. */
  learnersCaughtUp?(replica: Replica): void;
  /** This replica started (true, after its epoch marker is durable) or stopped (false) leading. */
  leadershipChanged(replica: Replica, leading: boolean): void;
  /** A broken invariant (invariants.ts): the node stops. */
  readonly fatal: Fatal;
  /**
   * The replica's log failed on a storage error and refuses writes: the node stops, and recovers
   * from what the disk holds when it restarts (Kafka stops a broker whose only log directory fails).
   */
  storageFailed(replica: Replica): void;
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
  /** Where read_committed reads stop: the high watermark, or the start of the earliest unstable transaction. */
  readonly lastStableOffset: number;
  readonly inSyncReplicas: number[] | null;
  readonly followers: ProgressStatus[];
  /** Named leader in the metadata but unable to take the epoch (waiting for a new election). */
  readonly cannotLead: string | null;
}

export class Replica {
  private readonly view: PartitionLogView;
  private readonly follower: FollowerReplica;
  private readonly taker: EpochTaker;
  private readonly leaderFlush: LeaderFlush;
  private readonly election: ElectionRequestTimer;
  private leader: LeaderReplica | null = null;
  private assignmentValue: ReplicaAssignment;
  private readonly queue = new SerialQueue(limits.replicaQueueDepthMax);
  private readonly waiters: HighWatermarkWaiters;
  private readonly listeners = new Set<() => void>();
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
    this.follower = new FollowerReplica(
      io.nodeId,
      log,
      this.view,
      new PartitionLogView(log, true),
      sealed,
      io.clock,
      logger,
    );
    this.taker = new EpochTaker(log, sealed);
    this.leaderFlush = new LeaderFlush(log, this.view, {
      clock: io.clock,
      logger,
      fatal: io.fatal,
      durable: () => this.leader?.onLocalDurable(),
      failed: () => this.logFailed(),
      stopped: () => this.closed,
      stages: io.stages ?? NO_PRODUCE_STAGES,
    });
    this.election = new ElectionRequestTimer(io.clock, logger);
    this.assignmentValue = assignment;
    this.waiters = new HighWatermarkWaiters(io.clock);
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
  ): Promise<Replica> {
    const sealed = await SealedEpochFile.open(log.disk, log.dir);
    return new Replica(ids.topic, ids.topicId, ids.partition, log, sealed, assignment, io, logger);
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

  /**
   * The leader's high watermark; a follower's is min(the leader's, its own log end). The follower
   * core counts the appends it decided as if done, and they take a while: the log may still be
   * shorter.
   */
  get highWatermark(): number {
    if (this.leader !== null) return this.leader.core.highWatermark;
    return Math.min(this.follower.core.highWatermark, this.log.logEndOffset);
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

  /**
   * Offsets below this are readable by read_committed consumers: the high watermark, or the start
   * of the earliest transaction that is open or whose marker the high watermark has not passed.
   * Never below the log start (a transaction may have begun in data since deleted).
   */
  get lastStableOffset(): number {
    const hw = this.highWatermark;
    const unstable = this.log.firstUnstableOffset;
    const lso = Math.max(unstable === null ? hw : Math.min(unstable, hw), Math.min(this.log.logStartOffset, hw));
    assert(lso <= hw, `last stable offset ${lso} beyond the high watermark ${hw}`);
    return lso;
  }

  /** The open transaction of `producerId` on this partition (first offset, epoch), or null. */
  ongoingTransaction(producerId: number): { firstOffset: number; producerEpoch: number } | null {
    return this.log.ongoingTransaction(producerId);
  }

  /** The aborted transactions a read_committed fetch of [fetchOffset, upperBoundOffset) reports. */
  abortedTransactions(fetchOffset: number, upperBoundOffset: number): AbortedTxn[] {
    return this.log.abortedTransactions(fetchOffset, upperBoundOffset);
  }

  /** acks=all is taken only with at least W live replicas, the leader included. */
  canAcceptAcksAll(): boolean {
    return this.leader !== null && this.leader.active && this.leader.core.canAcceptAcksAll(this.io.clock.now());
  }

  /** The leader and the live followers that hold the epoch marker and keep up; null when not leading. */
  inSyncReplicas(): number[] | null {
    return this.isLeader ? (this.leader as LeaderReplica).core.inSyncReplicas(this.view, this.io.clock.now()) : null;
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

  /**
   * Appends validated batches as leader; followers get them next, HW follows their answers. The
   * options say who writes (a client, or a coordinator's markers and offsets) and, for a
   * transactional batch, how it may open a transaction (storage's LeaderAppendOptions).
   */
  append(batches: Buffer[], options: LeaderAppendOptions & { messageCount: number }): AppendResult {
    const l = this.activeLeader();
    const startedAtMs = stageNowMs();
    try {
      const result = this.log.appendAsLeader(batches, l.epoch, options);
      if (result.duplicate) return { ...result, duplicate: true };
      assert(
        result.baseOffset >= l.core.epochStartOffset && this.log.lastEpoch === l.epoch,
        `a leader of epoch ${l.epoch} appends in its epoch, after its start ${l.core.epochStartOffset}`,
      );
      for (const batch of batches) l.appended(batch);
      this.leaderFlush.appended(startedAtMs);
      l.schedulePump();
      return { ...result, duplicate: false };
    } catch (err) {
      stopIfBroken(err, this.io.fatal);
      throw err;
    }
  }

  /** Runs `work`, stopping the node if it breaks an invariant (operating errors go to the caller). */
  private async guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      stopIfBroken(err, this.io.fatal);
      throw err;
    }
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
    // A failed log no longer holds what its page cache showed (see Segment): acknowledge nothing more.
    if (this.log.failed) return this.logFailed();
    assert(this.highWatermark <= this.log.logEndOffset, 'the high watermark lies within the leader log');
    this.log.onHighWatermark(this.highWatermark);
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
    options: { readonly minOneBatch?: boolean; readonly readCommitted?: boolean; readonly pooled?: boolean } = {},
  ): Promise<LogReadResult> {
    const limit = options.readCommitted === true ? this.lastStableOffset : this.highWatermark;
    return this.guarded(() => this.log.read(fetchOffset, maxBytes, limit, options));
  }

  /** DeleteRecords on the leader; followers move their log start after it (handleAppend). */
  deleteRecordsBefore(offset: number): Promise<number> {
    return this.guarded(() => this.deleteRecords(offset));
  }

  private async deleteRecords(offset: number): Promise<number> {
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
    return this.guarded(() => this.queue.run(() => this.assign(assignment)));
  }

  private async assign(assignment: ReplicaAssignment): Promise<void> {
    // A late notification of an older epoch (the state was read newer already) changes nothing.
    if (this.closed || assignment.leaderEpoch < this.assignmentValue.leaderEpoch) return;
    this.assignmentValue = assignment;
    const me = this.io.nodeId;
    if (this.leader !== null && (assignment.leaderEpoch > this.leader.epoch || assignment.leader !== me)) {
      this.stepDown(`the metadata moved to epoch ${assignment.leaderEpoch} led by ${assignment.leader}`);
    }
    if (assignment.leader !== me) {
      this.election.clear();
      return;
    }
    // A reassignment started or was cancelled within the epoch: learners join or leave the core.
    if (this.leader !== null) this.leader.core.setLearners(assignment.learners ?? []);
    if (this.leader === null) await this.tryLead(assignment);
  }

  /** Takes epoch e as leader if it may (take-leadership.ts), then leads it. */
  private async tryLead(a: ReplicaAssignment): Promise<void> {
    const e = a.leaderEpoch;
    const refusal = this.taker.refusal(a, this.follower.core.fencingEpoch);
    if (refusal !== null) {
      this.election.cannotLead(e, refusal.reason, refusal.graceMs);
      return;
    }
    let taken: { startOffset: number; highWatermark: number };
    try {
      taken = await this.taker.take(e, this.follower.core.highWatermark);
    } catch (err) {
      stopIfBroken(err, this.io.fatal);
      // The disk failed half way (the marker may be written): this replica cannot lead e any more,
      // and no election is wanted for a live broker's partition unless it asks.
      const reason = `taking the epoch failed: ${err instanceof Error ? err.message : String(err)}`;
      this.logger.warn({ epoch: e, err }, 'could not take the epoch');
      this.election.cannotLead(e, reason, 0);
      return;
    }
    const { startOffset: start, highWatermark } = taken;
    if (this.closed) return;
    this.follower.core.onBecomeLeader(e, start);
    const core = new LeaderCore(
      {
        replicaId: this.io.nodeId,
        replicas: a.replicas,
        learners: a.learners,
        writeQuorum: a.writeQuorum,
        epoch: e,
        epochStartOffset: start,
        initialHighWatermark: highWatermark,
        limits: this.io.limits,
      },
      this.view,
    );
    const leader = new LeaderReplica(core, this.log, this.view, {
      ids: { topic: this.topic, topicId: this.topicId, partition: this.partition },
      clock: this.io.clock,
      send: (to, request) => this.io.send(to, request),
      leaderThrottle: this.io.throttles?.leader ?? UNTHROTTLED,
      highWatermarkAdvanced: () => {
        if (this.leader === leader) this.highWatermarkAdvanced();
      },
      deposed: () => {
        if (this.leader !== leader) return;
        this.stepDown('a follower answered from a newer epoch');
        // A failover sealed the followers but did not finish (too few answered, say, because this
        // replica was fenced for a moment and is back): the metadata still names this replica leader
        // of the epoch it can no longer serve, and no election is wanted for a live leader. Ask.
        const named = this.assignmentValue;
        if (named.leader === this.io.nodeId && named.leaderEpoch === e)
          this.election.cannotLead(e, 'a follower is sealed at a newer epoch', DEPOSED_ELECTION_GRACE_MS);
      },
      logger: this.logger,
      fatal: this.io.fatal,
    });
    this.leader = leader;
    this.election.clear();
    leader.onLocalDurable();
    leader.pump();
    // Per partition (50 of __consumer_offsets at every start): debug. The controller's 'partition
    // leader elected' says at info when a failover moved a leadership.
    this.logger.debug(
      { epoch: e, epochStartOffset: start, logEndOffset: this.log.logEndOffset, highWatermark: core.highWatermark },
      'leading partition',
    );
    this.io.leadershipChanged(this, true);
    this.highWatermarkAdvanced();
  }

  /** The epoch to ask the controller to replace, when named its leader but unable to take it. */
  electionWanted(now: number): number | null {
    return this.leader === null ? this.election.due(now, this.assignmentValue, this.io.nodeId) : null;
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
    this.logger.debug({ epoch: l.epoch, reason }, 'stopped leading partition');
    this.io.leadershipChanged(this, false);
  }

  /** The log failed on a storage error: leave leadership at once, and stop the node. */
  private logFailed(): void {
    this.stepDown('its log failed on a storage error');
    this.io.storageFailed(this);
  }

  /**
   * Leading, and fewer than W replicas (the leader included) heard within `withinMs`: asked when the
   * controller has not answered this node for as long (ReplicaManager), it means this node is cut
   * off, and the controller may have fenced it and be electing another leader.
   */
  cutOff(withinMs: number): boolean {
    return this.isLeader && !(this.leader as LeaderReplica).core.hearsWriteQuorumWithin(this.io.clock.now(), withinMs);
  }

  /**
   * Cut off (see cutOff): acks=all producers waiting here are answered NOT_LEADER_OR_FOLLOWER now
   * (not after their timeout), so they look for the new leader. The core stays: an epoch ends by a
   * seal or a PartitionChange, as ever. True when it applied.
   */
  fenceIfCutOff(withinMs: number): boolean {
    if (!this.cutOff(withinMs)) return false;
    this.waiters.failAll(
      new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${this.topic}-${this.partition} is cut off from its replicas`),
    );
    return true;
  }

  /** Sends due heartbeats and retries (called on the node's replication tick). */
  tick(): void {
    // Whatever path hit the failure (a flush, an append, a truncation), leader or follower.
    if (this.log.failed) return this.logFailed();
    if (this.isLeader) {
      const l = this.leader as LeaderReplica;
      l.tick();
      if (l.core.learnersCaughtUp()) this.io.learnersCaughtUp?.(this);
    } else if (this.leader !== null) this.stepDown('fenced');
  }

  // ---------------------------------------------------------------- follower side

  /** An AppendRequest from the leader: applied in the queue (follower-replica.ts), made durable and answered outside it. */
  async handleAppend(
    request: AppendRequest,
    buffers: readonly Buffer[],
    leaderLogStartOffset = 0,
  ): Promise<AppendResponse> {
    if (this.closed) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'replica closed');
    if (this.assignmentValue.learners?.includes(this.io.nodeId) === true) await this.throttleLearner(buffers);
    return this.guarded(async () => {
      const applied = await this.queue.run(() => {
        if (this.leader !== null && request.epoch > this.leader.epoch)
          this.stepDown(`leader ${request.leaderId} of epoch ${request.epoch} spoke`);
        return this.follower.apply(request, buffers, leaderLogStartOffset);
      });
      return this.follower.acknowledge(applied);
    });
  }

  /**
   * A learner takes what its node's follower throttle admits: it waits out the throttle's debt
   * (at most a third of the leader's request timeout, so the leader does not take the append for
   * lost and send it again), then charges the append's bytes.
   */
  private async throttleLearner(buffers: readonly Buffer[]): Promise<void> {
    const throttle = this.io.throttles?.follower;
    if (throttle === undefined || !throttle.limited) return;
    const capMs = Math.floor(resolveLimits(this.io.limits).requestTimeoutMs / 3);
    const delayMs = Math.min(throttle.delayMs(), capMs);
    let bytes = 0;
    for (const b of buffers) bytes += b.length;
    throttle.charge(bytes);
    if (delayMs > 0) await new Promise<void>((resolve) => this.io.clock.schedule(delayMs, resolve));
  }

  /** Seal(epoch) from the controller: refuse older epochs from now on, durably, and report the durable log. */
  handleSeal(epoch: number): Promise<SealResponse> {
    return this.guarded(() => this.queue.run(() => this.seal(epoch)));
  }

  private async seal(epoch: number): Promise<SealResponse> {
    const first = this.follower.sealDecision(epoch);
    if (!first.accepted) return first;
    // Read before stepping down: while it leads, nothing is acknowledged at or above this.
    let ledHighWatermark = -1;
    if (this.leader !== null && this.leader.epoch < epoch) {
      ledHighWatermark = this.leader.core.highWatermark;
      this.stepDown(`sealed at epoch ${epoch}`);
    }
    const a = this.assignmentValue;
    if (a.leader === this.io.nodeId && a.leaderEpoch < epoch) {
      // If the failover that sealed us does not finish (too few answers), the metadata keeps
      // naming this replica leader of an epoch it may no longer serve: ask again later.
      this.election.cannotLead(a.leaderEpoch, `sealed at epoch ${epoch}`, SEALED_ELECTION_GRACE_MS);
    }
    const answer = await this.follower.sealDurably(epoch);
    assert(this.sealed.value >= epoch, `the seal at ${epoch} is durable before it is answered`);
    return { ...answer, ledHighWatermark };
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
      leaderEpoch: l?.epoch ?? this.follower.core.leaderEpoch,
      sealedEpoch: this.sealed.value,
      lastEpoch: this.log.lastEpoch,
      epochStartOffset: this.epochStartOffset,
      logStartOffset: this.log.logStartOffset,
      logEndOffset: this.log.logEndOffset,
      durableEndOffset: this.log.durableEndOffset,
      highWatermark: this.highWatermark,
      lastStableOffset: this.lastStableOffset,
      inSyncReplicas: this.inSyncReplicas(),
      followers: l !== null ? l.core.followerIds.map((f) => l.core.progressOf(f)) : [],
      cannotLead: this.election.reason,
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
