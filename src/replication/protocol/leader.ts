// The leader of one partition at epoch e: what to send each follower, what their answers mean,
// and the high watermark. Pure: time comes in as `now` (ms), the log as a ReplicaLogView, and the
// shell does the reading, sending and flushing.
//
// Shell loop (see README.md):
//   for each follower: while (plan = leader.nextRequest(f, log, now)) {
//     batches = read whole batches from plan.fromOffset, at most plan.maxBytes (none when 0);
//     request = buildAppendRequest(plan, batches); leader.onSent(f, request, now); send(request) }
//   on a response: leader.onAppendResponse(resp, log, now)   (then serve acks=all waiters <= HW)
//   after a local flush: leader.onLocalDurable(log)
//   on a produce: leader.canAcceptAcksAll(now) or NOT_ENOUGH_REPLICAS; append; wait for HW.
import { assert } from '../../common/index.js';
import { type ReplicationLimits, resolveLimits } from './config.js';
import { answerDivergence } from './divergence.js';
import { type QuorumMember, nextHighWatermark, quorumDurableOffset } from './high-watermark.js';
import { epochAt, hasEpochStart, lastEpochOf, type ReplicaLogView } from './log-view.js';
import {
  AppendError,
  type AppendRequest,
  type AppendResponse,
  type BatchInfo,
  type DivergenceAnswer,
  NO_EPOCH,
} from './messages.js';
import { FollowerProgress, ProgressMode, type ProgressStatus } from './progress.js';

export interface LeaderCoreOptions {
  readonly replicaId: number;
  /** Every replica of the partition, the leader included (N = replicas.length). */
  readonly replicas: readonly number[];
  /**
   * Replicas being added by a reassignment: the leader sends them everything, but they count in no
   * quorum (not toward HW, liveness or the in-sync set) until the controller switches the
   * partition to its target in a new epoch (docs/architecture.md, "Reassignment").
   */
  readonly learners?: readonly number[];
  /** W: replicas (leader included) that must hold a write durably before HW passes it. */
  readonly writeQuorum: number;
  readonly epoch: number;
  /**
   * The leader's log end when it took the epoch. Before constructing the core the shell flushes
   * the log (durable end = log end) and records "epoch starts here" durably
   * (PartitionLog.assignEpochStart(epoch, logEndOffset)).
   */
  readonly epochStartOffset: number;
  /** The high watermark this replica knew as a follower (committed data); <= epochStartOffset. */
  readonly initialHighWatermark: number;
  readonly limits?: Partial<ReplicationLimits>;
}

/** What to send one follower next; the shell fills in the batches and calls buildAppendRequest. */
export interface AppendPlan {
  readonly followerId: number;
  readonly epoch: number;
  readonly leaderId: number;
  readonly prevOffset: number;
  readonly prevEpoch: number;
  /** Read whole batches from here (at least one if any), at most maxBytes; none when maxBytes is 0. */
  readonly fromOffset: number;
  readonly maxBytes: number;
  readonly highWatermark: number;
  readonly epochStartOffset: number;
  readonly divergence: DivergenceAnswer | null;
}

export function buildAppendRequest(plan: AppendPlan, batches: readonly BatchInfo[]): AppendRequest {
  assert(plan.maxBytes > 0 || batches.length === 0, 'a plan without bytes carries no batches');
  // At the planned offset, or after it where the leader's cleaner removed whole batches.
  assert(
    batches.length === 0 || (batches[0] as BatchInfo).baseOffset >= plan.fromOffset,
    'batches start at or after the planned offset',
  );
  return {
    epoch: plan.epoch,
    leaderId: plan.leaderId,
    prevOffset: plan.prevOffset,
    prevEpoch: plan.prevEpoch,
    batches,
    highWatermark: plan.highWatermark,
    epochStartOffset: plan.epochStartOffset,
    divergence: plan.divergence,
  };
}

export interface ResponseOutcome {
  /** The high watermark moved: serve acks=all waiters and wake fetchers. */
  readonly highWatermarkAdvanced: boolean;
  /** A follower is at a newer epoch: this leader is deposed and fenced (stop serving). */
  readonly deposed: boolean;
  /** The response contradicted this leader's log and was refused; the reason, for the log. */
  readonly invalid?: string;
}

export class LeaderCore {
  readonly replicaId: number;
  readonly epoch: number;
  readonly epochStartOffset: number;
  readonly writeQuorum: number;
  readonly replicas: readonly number[];
  private readonly limits: ReplicationLimits;
  private readonly progress = new Map<number, FollowerProgress>();
  private readonly learnerIds = new Set<number>();
  /**
   * Learners that caught up and joined the write quorum: the high watermark passes an offset only
   * once each of them holds it durably too, so when the controller seals the partition to switch
   * it to its target, they hold every acknowledged write and the switch succeeds at once (without
   * this, a learner under a steady acks=all load trails the high watermark by the writes in flight
   * and every switch attempt fails). A joined learner not heard from for replicaLiveTimeoutMs
   * leaves again (tick), so a dead one stalls writes no longer than that.
   */
  private readonly joinedLearnerIds = new Set<number>();
  /** The followers that are replicas (not learners): they alone count in the quorums. */
  private voterProgress: FollowerProgress[] = [];
  private highWatermarkValue: number;
  private localDurableEndOffset: number;
  private fencedValue = false;

  constructor(opts: LeaderCoreOptions, view: ReplicaLogView) {
    this.replicaId = opts.replicaId;
    this.epoch = opts.epoch;
    this.epochStartOffset = opts.epochStartOffset;
    this.writeQuorum = opts.writeQuorum;
    this.replicas = [...opts.replicas];
    this.limits = resolveLimits(opts.limits);
    assert(new Set(this.replicas).size === this.replicas.length, 'replicas are distinct');
    assert(this.replicas.includes(this.replicaId), 'the leader is one of the replicas');
    assert(
      this.writeQuorum >= 1 && this.writeQuorum <= this.replicas.length,
      `write quorum ${this.writeQuorum} outside [1, ${this.replicas.length}]`,
    );
    const entries = view.epochEntries();
    assert(
      lastEpochOf(entries) === this.epoch && hasEpochStart(entries, this.epoch, this.epochStartOffset),
      `leader of epoch ${this.epoch} holds its start marker at ${this.epochStartOffset}`,
    );
    assert(this.epochStartOffset <= view.logEndOffset, 'the epoch starts within the log');
    // The shell flushes before taking the epoch: a crash must not drop the marker with an unflushed
    // tail, or a restarted leader could take the same epoch again and write its offsets twice.
    assert(
      view.durableEndOffset >= this.epochStartOffset,
      `leader of epoch ${this.epoch}: log durable only to ${view.durableEndOffset}, below the epoch start ${this.epochStartOffset}`,
    );
    assert(
      opts.initialHighWatermark >= 0 && opts.initialHighWatermark <= this.epochStartOffset,
      'initial high watermark within the inherited log',
    );
    this.highWatermarkValue = opts.initialHighWatermark;
    this.localDurableEndOffset = Math.min(view.durableEndOffset, view.logEndOffset);
    for (const id of this.replicas) {
      if (id === this.replicaId) continue;
      this.progress.set(id, this.newProgress(id));
    }
    this.setLearners(opts.learners ?? []);
  }

  private newProgress(id: number): FollowerProgress {
    return new FollowerProgress(
      id,
      this.epochStartOffset,
      this.limits.inflightRequestsMax,
      this.limits.inflightBytesMax,
    );
  }

  /** The replicas being added (a reassignment started or was cancelled within this epoch). */
  setLearners(learners: readonly number[]): void {
    for (const id of learners) assert(!this.replicas.includes(id), `learner ${id} is not already a replica`);
    for (const id of this.learnerIds) {
      if (!learners.includes(id)) {
        this.learnerIds.delete(id);
        this.joinedLearnerIds.delete(id);
        this.progress.delete(id);
      }
    }
    for (const id of learners) {
      if (this.learnerIds.has(id)) continue;
      this.learnerIds.add(id);
      this.progress.set(id, this.newProgress(id));
    }
    this.voterProgress = [...this.progress.values()].filter((pr) => !this.learnerIds.has(pr.replicaId));
  }

  get learners(): number[] {
    return [...this.learnerIds];
  }

  /** `id` is a follower (a replica or a learner) of this epoch now: learners come and go. */
  hasFollower(id: number): boolean {
    return this.progress.has(id);
  }

  isLearner(id: number): boolean {
    return this.learnerIds.has(id);
  }

  /** A learner that has not joined the write quorum: the leader throttle holds back its batches. */
  isThrottledLearner(id: number): boolean {
    return this.learnerIds.has(id) && !this.joinedLearnerIds.has(id);
  }

  /** Learners in the write quorum now (updateJoinedLearners). */
  get joinedLearners(): number[] {
    return [...this.joinedLearnerIds];
  }

  /**
   * On the replication tick: a live learner that holds this epoch's marker and is durable up to
   * the high watermark joins the write quorum; a joined one silent for replicaLiveTimeoutMs
   * leaves it. True when the high watermark moved (a silent learner no longer held it back).
   */
  updateJoinedLearners(view: ReplicaLogView, now: number): boolean {
    if (this.fencedValue || this.learnerIds.size === 0) return false;
    let left = false;
    for (const id of this.learnerIds) {
      const pr = this.follower(id);
      const live = this.isLive(pr, now);
      if (this.joinedLearnerIds.has(id)) {
        if (!live) {
          this.joinedLearnerIds.delete(id);
          left = true;
        }
      } else if (live && this.holdsHighWatermark(pr)) {
        this.joinedLearnerIds.add(id);
      }
    }
    return left && this.recomputeHighWatermark(view);
  }

  /**
   * Every learner holds this epoch's marker and is durable up to the high watermark: the
   * controller may switch the partition to its target now (it checks again on the seal answers).
   */
  learnersCaughtUp(): boolean {
    if (this.learnerIds.size === 0 || this.fencedValue) return false;
    for (const id of this.learnerIds) {
      if (!this.holdsHighWatermark(this.follower(id))) return false;
    }
    return true;
  }

  get highWatermark(): number {
    return this.highWatermarkValue;
  }

  /** Deposed (sealed at or shown a newer epoch): it must stop appending and acknowledging. */
  get fenced(): boolean {
    return this.fencedValue;
  }

  get followerIds(): number[] {
    return [...this.progress.keys()];
  }

  /** Some replica besides this one (false for replication factor 1). */
  get hasFollowers(): boolean {
    return this.progress.size > 0;
  }

  /** The replica accepted Seal(e') with e' > epoch, or learned of a newer leader: stop. */
  fence(): void {
    this.fencedValue = true;
  }

  progressOf(followerId: number): ProgressStatus {
    return this.follower(followerId).status();
  }

  // ---------------------------------------------------------------- sending

  /**
   * The next request for `followerId`, or null when nothing is due (window full, waiting for an
   * answer, no heartbeat due yet). Call onSent() with the built request before asking again.
   */
  nextRequest(followerId: number, view: ReplicaLogView, now: number): AppendPlan | null {
    if (this.fencedValue) return null;
    const pr = this.follower(followerId);
    const leo = view.logEndOffset;
    assert(this.highWatermarkValue <= leo, `high watermark ${this.highWatermarkValue} beyond the log end ${leo}`);
    const timeout = this.limits.requestTimeoutMs;
    if (pr.awaitingSinceMs !== null && now - pr.awaitingSinceMs >= timeout) pr.awaitingSinceMs = null; // lost: ask again
    const oldest = pr.oldestInflightSentMs();
    if (oldest !== null && now - oldest >= timeout) pr.becomeProbe(Math.max(pr.matchEndOffset, 0)); // lost: re-probe
    switch (pr.mode) {
      case ProgressMode.divergence: {
        if (pr.awaitingSinceMs !== null) return null;
        return this.plan(followerId, -1, NO_EPOCH, leo, 0, pr.divergence);
      }
      case ProgressMode.probe: {
        if (pr.awaitingSinceMs !== null) return null;
        const next = Math.min(pr.nextOffset, leo);
        return this.plan(
          followerId,
          next - 1,
          this.prevEpochFor(view, next - 1),
          next,
          next < leo ? this.limits.requestBytesMax : 0,
          null,
        );
      }
      case ProgressMode.replicate: {
        if (pr.nextOffset < leo && pr.windowOpen) {
          const bytes = Math.min(this.limits.requestBytesMax, pr.windowBytesLeft);
          return this.plan(
            followerId,
            pr.nextOffset - 1,
            this.prevEpochFor(view, pr.nextOffset - 1),
            pr.nextOffset,
            bytes,
            null,
          );
        }
        if (now - pr.lastSentMs >= this.limits.heartbeatIntervalMs) {
          // A heartbeat checks the matched end: the answer is right even if appends were lost.
          const prev = pr.matchEndOffset - 1;
          return this.plan(followerId, prev, this.prevEpochFor(view, prev), leo, 0, null);
        }
        return null;
      }
    }
  }

  /** The plans due now, at most one per follower (call again after onSent for pipelining). */
  requestsDue(view: ReplicaLogView, now: number): AppendPlan[] {
    const out: AppendPlan[] = [];
    for (const id of this.progress.keys()) {
      const plan = this.nextRequest(id, view, now);
      if (plan !== null) out.push(plan);
    }
    return out;
  }

  /** Records a request as sent (built from the last plan for this follower). */
  onSent(followerId: number, request: AppendRequest, now: number): void {
    const pr = this.follower(followerId);
    assert(request.epoch === this.epoch, 'requests carry the leader epoch');
    pr.lastSentMs = now;
    if (request.divergence !== null || pr.mode !== ProgressMode.replicate) {
      pr.awaitingSinceMs = now;
      return;
    }
    const last = request.batches[request.batches.length - 1];
    if (last === undefined) return; // a heartbeat
    const first = request.batches[0] as BatchInfo;
    // A compacted range may have no batch at nextOffset: the first one sent then starts after it.
    assert(
      first.baseOffset >= pr.nextOffset,
      `follower ${followerId}: append at ${first.baseOffset}, next is ${pr.nextOffset}`,
    );
    let bytes = 0;
    for (const b of request.batches) bytes += b.sizeBytes;
    pr.addInflight(last.lastOffset + 1, bytes, now);
    pr.nextOffset = last.lastOffset + 1;
  }

  // ---------------------------------------------------------------- answers

  onAppendResponse(resp: AppendResponse, view: ReplicaLogView, now: number): ResponseOutcome {
    const unchanged = { highWatermarkAdvanced: false, deposed: false };
    if (this.fencedValue) return unchanged;
    if (resp.epoch > this.epoch) {
      this.fencedValue = true;
      return { highWatermarkAdvanced: false, deposed: true };
    }
    const pr = this.progress.get(resp.replicaId);
    if (resp.epoch < this.epoch || pr === undefined) return unchanged; // an answer to an older leader
    pr.lastContactMs = now;
    const leo = view.logEndOffset;
    // A response is another process's word: one that contradicts this log (a replica whose disk
    // was replaced, a stale process, a bug elsewhere) is refused and reported, never asserted.
    const invalid = this.invalidResponse(resp, leo);
    if (invalid !== null) {
      pr.becomeProbe(Math.min(pr.matchEndOffset, leo));
      return { ...unchanged, invalid };
    }
    switch (resp.error) {
      case AppendError.none: {
        if (pr.mode !== ProgressMode.replicate) {
          pr.becomeReplicate(resp.logEndOffset);
        } else {
          pr.acknowledge(resp.logEndOffset);
          if (resp.logEndOffset > pr.matchEndOffset) pr.matchEndOffset = resp.logEndOffset;
          if (resp.logEndOffset > pr.nextOffset) pr.nextOffset = resp.logEndOffset;
        }
        if (resp.logEndOffset >= leo) pr.lastCaughtUpMs = now;
        if (resp.holdsEpochMarker) {
          pr.holdsEpochMarker = true;
          if (resp.durableEndOffset > pr.durableEndOffset) pr.durableEndOffset = resp.durableEndOffset;
        }
        break;
      }
      case AppendError.gap:
        pr.becomeProbe(resp.logEndOffset);
        if (pr.matchEndOffset > resp.logEndOffset) pr.matchEndOffset = resp.logEndOffset;
        break;
      case AppendError.diverged:
        pr.becomeDivergence(answerDivergence(view, resp.lastEpoch));
        break;
      case AppendError.fenced:
        break; // only with a newer epoch, handled above
    }
    return { highWatermarkAdvanced: this.recomputeHighWatermark(view), deposed: false };
  }

  /** The leader's own log became durable further (after a flush). */
  /** Why a follower's response cannot be true of this leader's log, or null when it can. */
  private invalidResponse(resp: AppendResponse, leo: number): string | null {
    const who = `follower ${resp.replicaId}`;
    if ((resp.error === AppendError.none || resp.error === AppendError.gap) && resp.logEndOffset > leo) {
      return `${who} claims a log end ${resp.logEndOffset} beyond the leader's ${leo}`;
    }
    if (resp.error === AppendError.none && resp.holdsEpochMarker) {
      if (resp.durableEndOffset < this.epochStartOffset)
        return `${who} holds the marker but is durable only to ${resp.durableEndOffset}`;
      if (resp.durableEndOffset > resp.logEndOffset) return `${who} is durable beyond its log end`;
    }
    if (resp.error === AppendError.diverged && resp.lastEpoch > this.epoch) {
      return `${who} at epoch ${resp.lastEpoch} did not fence leader ${this.epoch}`;
    }
    return null;
  }

  onLocalDurable(view: ReplicaLogView): boolean {
    const durable = Math.min(view.durableEndOffset, view.logEndOffset);
    if (durable > this.localDurableEndOffset) this.localDurableEndOffset = durable;
    return this.recomputeHighWatermark(view);
  }

  private recomputeHighWatermark(view: ReplicaLogView): boolean {
    if (this.fencedValue) return false; // a sealed leader's own progress must not count any more
    const members: QuorumMember[] = [
      {
        holdsEpochMarker: this.localDurableEndOffset >= this.epochStartOffset,
        durableEndOffset: this.localDurableEndOffset,
      },
    ];
    for (const pr of this.voters())
      members.push({ holdsEpochMarker: pr.holdsEpochMarker, durableEndOffset: pr.durableEndOffset });
    const before = this.highWatermarkValue;
    let durable = quorumDurableOffset(members, this.writeQuorum, this.epochStartOffset);
    // Joined learners hold back the high watermark too; they never stand in for a replica of W.
    for (const id of this.joinedLearnerIds) {
      if (durable === null) break;
      const pr = this.follower(id);
      durable = Math.min(durable, pr.holdsEpochMarker ? pr.durableEndOffset : this.epochStartOffset);
    }
    const next = nextHighWatermark(before, durable, view.logEndOffset);
    assert(next >= before, 'the high watermark never moves backwards');
    this.highWatermarkValue = next;
    return next > before;
  }

  // ---------------------------------------------------------------- health

  /** Replicas heard from within replicaLiveTimeoutMs, the leader included. */
  liveReplicas(now: number): number {
    return this.heardWithin(now, this.limits.replicaLiveTimeoutMs);
  }

  /** acks=all is accepted only with at least W live replicas (else NOT_ENOUGH_REPLICAS). */
  canAcceptAcksAll(now: number): boolean {
    return !this.fencedValue && this.liveReplicas(now) >= this.writeQuorum;
  }

  /**
   * At least W replicas (the leader included) heard from within the last `withinMs`: the test a
   * leader that may have been fenced applies to itself, over a window that may be shorter than
   * replicaLiveTimeoutMs but never shorter than two heartbeat intervals (each of which a live
   * follower answers).
   */
  hearsWriteQuorumWithin(now: number, withinMs: number): boolean {
    const windowMs = Math.min(
      this.limits.replicaLiveTimeoutMs,
      Math.max(withinMs, 2 * this.limits.heartbeatIntervalMs),
    );
    return !this.fencedValue && this.heardWithin(now, windowMs) >= this.writeQuorum;
  }

  /** Replicas heard from within the last `windowMs`, the leader included. */
  private heardWithin(now: number, windowMs: number): number {
    let heard = 1;
    for (const pr of this.voters()) if (now - pr.lastContactMs <= windowMs) heard++;
    return heard;
  }

  /** The leader and the live followers holding the marker that reached the log end within replicaLagTimeMaxMs. */
  inSyncReplicas(view: ReplicaLogView, now: number): number[] {
    const out = [this.replicaId];
    for (const pr of this.voters()) {
      const live = this.isLive(pr, now);
      const caughtUp =
        pr.matchEndOffset >= view.logEndOffset || now - pr.lastCaughtUpMs <= this.limits.replicaLagTimeMaxMs;
      if (pr.holdsEpochMarker && live && caughtUp) out.push(pr.replicaId);
    }
    return out;
  }

  // ---------------------------------------------------------------- internals

  /** The followers that are replicas, which alone count in the quorums; learners never do. */
  private voters(): readonly FollowerProgress[] {
    return this.voterProgress;
  }

  /** Heard from within replicaLiveTimeoutMs. */
  private isLive(pr: FollowerProgress, now: number): boolean {
    return now - pr.lastContactMs <= this.limits.replicaLiveTimeoutMs;
  }

  /** Holds this epoch's marker and is durable up to the high watermark. */
  private holdsHighWatermark(pr: FollowerProgress): boolean {
    return pr.holdsEpochMarker && pr.durableEndOffset >= this.highWatermarkValue;
  }

  private follower(id: number): FollowerProgress {
    const pr = this.progress.get(id);
    assert(pr !== undefined, `replica ${id} is not a follower of this partition`);
    return pr;
  }

  private prevEpochFor(view: ReplicaLogView, prevOffset: number): number {
    if (prevOffset < view.logStartOffset) return NO_EPOCH;
    return epochAt(view.epochEntries(), prevOffset);
  }

  private plan(
    followerId: number,
    prevOffset: number,
    prevEpoch: number,
    fromOffset: number,
    maxBytes: number,
    divergence: DivergenceAnswer | null,
  ): AppendPlan {
    return {
      followerId,
      epoch: this.epoch,
      leaderId: this.replicaId,
      prevOffset,
      prevEpoch,
      fromOffset,
      maxBytes,
      highWatermark: this.highWatermarkValue,
      epochStartOffset: this.epochStartOffset,
      divergence,
    };
  }
}
