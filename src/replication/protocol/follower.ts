// A follower replica of one partition: a pure function from (its state, an AppendRequest, the facts
// of its log) to the actions its shell performs, in order, then the response to send.
//
//   fenced    a request from an epoch below the sealed or current one is refused: its sender is deposed;
//   verify    until the follower knows its whole log is a prefix of the leader's, it answers
//             `diverged` with its last epoch (the divergence query) and truncates by the leader's
//             answers (divergence.ts). A follower holding the current epoch's start marker is a
//             prefix already: it matched the leader up to the marker and took the rest from it;
//   append    a verified follower checks prevOffset/prevEpoch, skips batches it has, appends the
//             rest, and records the epoch start marker once its log reaches the epoch start;
//   HW        it learns the high watermark: min(leader's HW, its log end), never backwards.
import { assert } from '../../common/index.js';
import { divergenceStep } from './divergence.js';
import {
  epochAt,
  type EpochEntry,
  epochStartWithin,
  hasEpochStart,
  lastEpochOf,
  type ReplicaLogView,
} from './log-view.js';
import {
  AppendError,
  type AppendRequest,
  type AppendResponse,
  type BatchInfo,
  NO_EPOCH,
  type SealRequest,
} from './messages.js';
import { type SealDecision, seal } from './seal.js';

export const FollowerActionType = {
  persistSealedEpoch: 'persistSealedEpoch',
  truncateTo: 'truncateTo',
  assignEpochStart: 'assignEpochStart',
  append: 'append',
  respond: 'respond',
} as const;
export type FollowerActionType = (typeof FollowerActionType)[keyof typeof FollowerActionType];

/**
 * What the shell must do, in order; each action completes before the next starts, and all of
 * them before `respond` is sent:
 * * persistSealedEpoch: write the epoch durably (it refuses older epochs from now on);
 * * truncateTo: durably remove every batch at or after `offset` (a batch holding `offset` goes
 *   whole) AND every checkpoint entry starting at or after the new log end, even when `offset`
 *   equals the log end (a marker-only entry there must go);
 * * assignEpochStart: durably record "epoch starts at startOffset" (PartitionLog.assignEpochStart);
 * * append: append request.batches[from, to) as they are (PartitionLog.appendAsFollower), then
 *   flush by the flush policy (the default flushes before responding);
 * * respond: send the response, refreshed with refreshResponse() after the actions and the flush.
 */
export type FollowerAction =
  | { readonly type: 'persistSealedEpoch'; readonly epoch: number }
  | { readonly type: 'truncateTo'; readonly offset: number }
  | { readonly type: 'assignEpochStart'; readonly epoch: number; readonly startOffset: number }
  | { readonly type: 'append'; readonly from: number; readonly to: number; readonly batches: readonly BatchInfo[] }
  | { readonly type: 'respond'; readonly response: AppendResponse };

/** The follower's log as it will be once the actions decided so far are done. */
interface Projection {
  logStartOffset: number;
  logEndOffset: number;
  durableEndOffset: number;
  entries: EpochEntry[];
}

export class FollowerCore {
  private sealedEpochValue: number;
  /** Epoch of the newest leader heard from in this process (volatile). */
  private epochValue = NO_EPOCH;
  private leaderIdValue = -1;
  private epochStartOffsetValue = -1;
  /** This process knows its whole log is a prefix of the current leader's (volatile). */
  private verified = false;
  /** Committed offsets below this are known; volatile, and never above the log end. */
  private highWatermarkValue = 0;
  private lastReportedDurable = -1;

  /** `sealedEpoch`: the durable sealed epoch read at start (NO_EPOCH when never sealed). */
  constructor(
    readonly replicaId: number,
    sealedEpoch: number,
  ) {
    this.sealedEpochValue = sealedEpoch;
  }

  get sealedEpoch(): number {
    return this.sealedEpochValue;
  }

  /** The epoch of the leader this replica follows (NO_EPOCH before any leader spoke to it). */
  get leaderEpoch(): number {
    return this.epochValue;
  }

  get leaderId(): number {
    return this.leaderIdValue;
  }

  get highWatermark(): number {
    return this.highWatermarkValue;
  }

  /** The epoch below which everything is refused. */
  get fencingEpoch(): number {
    return Math.max(this.sealedEpochValue, this.epochValue);
  }

  /**
   * Seal(epoch) from the controller. On acceptance the sealed epoch applies at once (appends below
   * it are refused from this call on); persist it durably when `persist`, then send the response
   * (see seal() about flushing first and asking again).
   */
  onSeal(request: SealRequest, view: ReplicaLogView): SealDecision {
    const decision = seal(view, this.replicaId, this.sealedEpochValue, request.epoch);
    if (decision.response.accepted) {
      assert(request.epoch >= this.sealedEpochValue, 'sealed epoch never decreases');
      this.sealedEpochValue = request.epoch;
    }
    return decision;
  }

  /**
   * The replica became leader of `epoch` (after its PartitionChange committed and the shell
   * recorded the epoch start durably): appends of older epochs are refused from now on.
   */
  onBecomeLeader(epoch: number, epochStartOffset: number): void {
    assert(epoch >= this.fencingEpoch, `leader epoch ${epoch} below the fencing epoch ${this.fencingEpoch}`);
    this.sealedEpochValue = epoch;
    this.epochValue = epoch;
    this.leaderIdValue = this.replicaId;
    this.epochStartOffsetValue = epochStartOffset;
    this.verified = false;
  }

  onAppendRequest(req: AppendRequest, view: ReplicaLogView): FollowerAction[] {
    const actions: FollowerAction[] = [];
    const p: Projection = {
      logStartOffset: view.logStartOffset,
      logEndOffset: view.logEndOffset,
      durableEndOffset: Math.min(view.durableEndOffset, view.logEndOffset),
      entries: [...view.epochEntries()],
    };
    // A checkpoint that already has a newer epoch fences too (its sealed epoch may not have been persisted).
    const fencing = Math.max(this.fencingEpoch, lastEpochOf(p.entries));
    if (req.epoch < fencing) {
      actions.push(this.respond(AppendError.fenced, p, fencing));
      return actions;
    }
    if (req.epoch > this.epochValue) {
      this.epochValue = req.epoch;
      this.leaderIdValue = req.leaderId;
      this.epochStartOffsetValue = req.epochStartOffset;
      this.verified = false;
    }
    assert(
      req.leaderId === this.leaderIdValue,
      `two leaders in epoch ${req.epoch}: ${this.leaderIdValue} and ${req.leaderId}`,
    );
    assert(req.epochStartOffset === this.epochStartOffsetValue, `epoch ${req.epoch} start moved`);
    assert(req.highWatermark >= 0 && req.epochStartOffset >= 0, 'bad append request');
    if (req.epoch > this.sealedEpochValue) {
      // Following epoch e: refuse every older leader from now on, across restarts too.
      actions.push({ type: FollowerActionType.persistSealedEpoch, epoch: req.epoch });
      this.sealedEpochValue = req.epoch;
    }
    const e = req.epoch;
    // Where this replica holds (or will hold) the epoch's start marker: the epoch start, or its own
    // log start when its log begins later.
    const s = epochStartWithin(req.epochStartOffset, p.logStartOffset);
    if (hasEpochStart(p.entries, e, s)) this.verified = true;

    if (req.divergence !== null && !this.verified) {
      const step = divergenceStep(p, req.divergence);
      if (step === null) {
        // Answers an older query: ask again with the current last epoch.
        actions.push(this.respond(AppendError.diverged, p));
        return actions;
      }
      this.truncate(step.truncateTo, p, actions);
      if (!step.converged) {
        actions.push(this.respond(AppendError.diverged, p));
        return actions;
      }
      this.verified = true;
    }
    if (!this.verified) {
      if (p.entries.length === 0 && p.logEndOffset === p.logStartOffset) {
        this.verified = true; // an empty log is a prefix of any log that starts no later
      } else {
        actions.push(this.respond(AppendError.diverged, p));
        return actions;
      }
    }
    assert(lastEpochOf(p.entries) <= e, `a verified follower's last epoch is at most the leader's ${e}`);
    assert(
      p.logEndOffset <= s || hasEpochStart(p.entries, e, s),
      'a verified follower beyond the epoch start holds the marker',
    );

    if (req.divergence === null) {
      const prev = req.prevOffset;
      if (prev >= p.logEndOffset) {
        actions.push(this.respond(AppendError.gap, p));
        return actions;
      }
      if (prev >= p.logStartOffset && epochAt(p.entries, prev) !== req.prevEpoch) {
        // A verified prefix cannot differ from its leader; treat it as divergence, not a crash.
        this.verified = false;
        actions.push(this.respond(AppendError.diverged, p));
        return actions;
      }
      if (!this.appendBatches(req, p, actions)) return actions;
    }
    this.placeMarkerIfReached(e, s, p, actions);
    const hw = Math.min(req.highWatermark, p.logEndOffset);
    if (hw > this.highWatermarkValue) this.highWatermarkValue = hw;
    actions.push(this.respond(AppendError.none, p));
    return actions;
  }

  /**
   * After a flush made more of the log durable: an unsolicited success response to send the
   * leader, or null when there is nothing new (with the default flush policy responses already
   * carry durable offsets and this is rarely needed).
   */
  onLocalDurable(view: ReplicaLogView): AppendResponse | null {
    // Sealed past the leader's epoch: no more acknowledgements to it (its Seal answer covered them).
    if (!this.verified || this.epochValue === NO_EPOCH || this.sealedEpochValue > this.epochValue) return null;
    const durable = Math.min(view.durableEndOffset, view.logEndOffset);
    if (durable <= this.lastReportedDurable) return null;
    return this.refreshResponse(
      this.respondFrom(AppendError.none, view.logStartOffset, view.logEndOffset, durable, [...view.epochEntries()]),
      view,
    );
  }

  /**
   * The response of a `respond` action, updated from the log as it is now (after the actions and
   * the flush): log end, durable end, last epoch and (for a success) the marker flag. A truncation
   * inside a batch cuts the whole batch, so the log may end below the projected offset. A fenced
   * refusal, or a response of an epoch this follower has left, is returned unchanged.
   */
  refreshResponse(response: AppendResponse, view: ReplicaLogView): AppendResponse {
    if (response.error === AppendError.fenced || response.epoch !== this.epochValue) return response;
    if (response.error === AppendError.none && !this.verified) return response;
    const durable = Math.min(view.durableEndOffset, view.logEndOffset);
    return this.respondFrom(response.error, view.logStartOffset, view.logEndOffset, durable, view.epochEntries());
  }

  // ---------------------------------------------------------------- internals

  /** Appends what the follower lacks; false when it responded with a refusal instead. */
  private appendBatches(req: AppendRequest, p: Projection, actions: FollowerAction[]): boolean {
    const batches = req.batches;
    let expected = req.prevOffset + 1;
    let i = 0;
    // Batches the follower already has are skipped: its log is a prefix of the leader's, so they
    // are the same batches (same offsets and epochs). Offsets may be missing between batches
    // where the leader's cleaner removed whole batches; batches never overlap.
    for (; i < batches.length; i++) {
      const b = batches[i] as BatchInfo;
      assert(
        b.baseOffset >= expected && b.lastOffset >= b.baseOffset,
        `batches in an append are in order from ${expected}`,
      );
      expected = b.lastOffset + 1;
      if (b.lastOffset >= p.logEndOffset) break;
      if (b.baseOffset >= p.logStartOffset && epochAt(p.entries, b.baseOffset) !== b.epoch) {
        this.verified = false;
        actions.push(this.respond(AppendError.diverged, p));
        return false;
      }
    }
    if (i === batches.length) return true;
    const first = batches[i] as BatchInfo;
    if (first.baseOffset < p.logEndOffset) {
      // The follower's log ends inside this batch: batch boundaries differ, so the logs differ.
      this.verified = false;
      actions.push(this.respond(AppendError.diverged, p));
      return false;
    }
    const e = req.epoch;
    let runStart = i;
    for (let j = i; j < batches.length; j++) {
      const b = batches[j] as BatchInfo;
      assert(b.baseOffset >= p.logEndOffset, 'appends follow the log end');
      assert(b.epoch <= e && b.epoch >= lastEpochOf(p.entries), `batch epoch ${b.epoch} out of order`);
      const markerAt = epochStartWithin(req.epochStartOffset, p.logStartOffset);
      if (b.epoch === e && !hasEpochStart(p.entries, e, markerAt)) {
        // The first batch of the leader's epoch: record the marker durably before it.
        assert(b.baseOffset === markerAt, `epoch ${e} starts at ${markerAt}, not ${b.baseOffset}`);
        if (j > runStart) actions.push(this.appendAction(batches, runStart, j));
        runStart = j;
        this.assignMarker(e, markerAt, p, actions);
      }
      if (b.epoch > lastEpochOf(p.entries)) p.entries.push({ epoch: b.epoch, startOffset: b.baseOffset }); // as appendAsFollower does
      p.logEndOffset = b.lastOffset + 1;
    }
    actions.push(this.appendAction(batches, runStart, batches.length));
    return true;
  }

  private appendAction(batches: readonly BatchInfo[], from: number, to: number): FollowerAction {
    return { type: FollowerActionType.append, from, to, batches: batches.slice(from, to) };
  }

  /** A verified follower whose log ends exactly at the epoch start records the marker. */
  private placeMarkerIfReached(e: number, s: number, p: Projection, actions: FollowerAction[]): void {
    if (p.logEndOffset === s && !hasEpochStart(p.entries, e, s)) this.assignMarker(e, s, p, actions);
  }

  private assignMarker(e: number, s: number, p: Projection, actions: FollowerAction[]): void {
    assert(p.logEndOffset === s, `the marker for epoch ${e} is placed at the log end`);
    assert(lastEpochOf(p.entries) < e, 'a marker for a newer epoch');
    actions.push({ type: FollowerActionType.assignEpochStart, epoch: e, startOffset: s });
    // As LeaderEpochCache.assign: entries starting at or after the new one give way to it.
    p.entries = p.entries.filter((x) => x.epoch < e && x.startOffset < s);
    p.entries.push({ epoch: e, startOffset: s });
  }

  /**
   * Cuts the projected log at `offset`: batches at or after it, and checkpoint entries starting at
   * or after it — also a marker-only entry sitting exactly at the log end (an epoch whose leader
   * this log followed but the current leader never had).
   */
  private truncate(offset: number, p: Projection, actions: FollowerAction[]): void {
    assert(offset <= p.logEndOffset, 'truncation never extends the log');
    const dropsEntries = p.entries.some((x) => x.startOffset >= offset);
    if (offset === p.logEndOffset && !dropsEntries) return;
    // Invariant: nothing below a known high watermark is ever cut (it is committed).
    assert(
      offset >= this.highWatermarkValue,
      `replica ${this.replicaId} asked to truncate to ${offset} below its high watermark ${this.highWatermarkValue}`,
    );
    actions.push({ type: FollowerActionType.truncateTo, offset });
    p.logEndOffset = offset;
    p.durableEndOffset = Math.min(p.durableEndOffset, offset);
    if (offset <= p.logStartOffset) {
      // PartitionLog empties the log and restarts it at `offset`.
      p.logStartOffset = offset;
      p.entries = [];
    } else {
      p.entries = p.entries.filter((x) => x.startOffset < offset);
    }
  }

  private respond(error: AppendError, p: Projection, epoch = this.epochValue): FollowerAction {
    // On the projection (the log once this request's actions are done). Not on the log as it is
    // when an earlier answer is refreshed: the shell may have decided a later request already,
    // whose batches count toward the high watermark before they are in the log.
    assert(
      error !== AppendError.none || this.highWatermarkValue <= p.logEndOffset,
      `follower high watermark ${this.highWatermarkValue} beyond its log end ${p.logEndOffset}`,
    );
    return {
      type: FollowerActionType.respond,
      response: this.respondFrom(error, p.logStartOffset, p.logEndOffset, p.durableEndOffset, p.entries, epoch),
    };
  }

  private respondFrom(
    error: AppendError,
    logStartOffset: number,
    logEndOffset: number,
    durableEndOffset: number,
    entries: readonly EpochEntry[],
    epoch = this.epochValue,
  ): AppendResponse {
    const s = epochStartWithin(this.epochStartOffsetValue, logStartOffset);
    const holdsEpochMarker =
      error === AppendError.none && hasEpochStart(entries, this.epochValue, s) && durableEndOffset >= s;
    if (error === AppendError.none && durableEndOffset > this.lastReportedDurable)
      this.lastReportedDurable = durableEndOffset;
    return {
      replicaId: this.replicaId,
      epoch,
      error,
      logEndOffset,
      durableEndOffset,
      lastEpoch: lastEpochOf(entries),
      holdsEpochMarker,
    };
  }
}
