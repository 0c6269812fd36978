// The follower side of one replica: a FollowerCore and the I/O that performs its decisions
// (protocol/README.md, "Driving it"). An AppendRequest's actions run in order, each complete before
// the next — persist the sealed epoch, truncate, place the epoch marker, append — in the replica's
// queue; the flush that makes them count runs outside it, so many requests share one fsync (group
// commit), and only then does the answer leave, built from the log as it is after the flush. A
// Seal persists the sealed epoch and flushes before it answers with the durable log.
import { assert, type Clock, type Logger } from '../common/index.js';
import type { PartitionLog } from '../storage/index.js';
import type { AppendRequest, AppendResponse, SealResponse } from './protocol/index.js';
import { AppendError, FollowerCore } from './protocol/index.js';
import { flushIfDue, type PartitionLogView } from './replica-log-view.js';
import type { SealedEpochFile } from './sealed-epoch.js';

/** An AppendRequest applied to the log, not yet acknowledged. */
export interface AppliedAppend {
  readonly response: AppendResponse;
  /** Batches were appended (they need a flush before they count, with the default policy). */
  readonly appended: boolean;
}

export class FollowerReplica {
  private coreValue: FollowerCore;

  constructor(
    private readonly nodeId: number,
    private readonly log: PartitionLog,
    /** What counts as durable by the flush policy. */
    private readonly view: PartitionLogView,
    /** Only fsynced offsets count, whatever the policy (Seal answers). */
    private readonly sealView: PartitionLogView,
    private readonly sealed: SealedEpochFile,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.coreValue = new FollowerCore(nodeId, sealed.value);
  }

  get core(): FollowerCore {
    return this.coreValue;
  }

  /**
   * In the replica's queue: performs the core's actions for `request` in order. Also moves the log
   * start up to the leader's (DeleteRecords), never beyond what this replica knows is committed.
   */
  async apply(
    request: AppendRequest,
    buffers: readonly Buffer[],
    leaderLogStartOffset: number,
  ): Promise<AppliedAppend> {
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
      this.reset();
    }
    const actions = this.coreValue.onAppendRequest(request, this.view);
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
            assert(
              this.log.logEndOffset <= a.offset,
              `truncation to ${a.offset} left the log at ${this.log.logEndOffset}`,
            );
            break;
          case 'assignEpochStart':
            await this.log.assignEpochStart(a.epoch, a.startOffset);
            assert(this.log.lastEpoch === a.epoch, `the marker of epoch ${a.epoch} is the newest entry`);
            break;
          case 'append':
            // The core decided from the same log: a batch it appends continues it, at the log end or
            // after it where the leader's cleaner removed whole batches (the bytes are the leader's
            // word, checked by appendAsFollower; the decision is ours).
            assert(
              (request.batches[a.from]?.baseOffset ?? -1) >= this.log.logEndOffset,
              `the follower core appends at or after the log end ${this.log.logEndOffset}`,
            );
            this.log.appendAsFollower(buffers.slice(a.from, a.to));
            appended = true;
            break;
          case 'respond':
            response = a.response;
            break;
        }
      }
    } catch (err) {
      // An operating error (the disk) stopped the actions half way: the core's projection no
      // longer matches the log. Forget its volatile state, as a restart would.
      this.reset();
      throw err;
    }
    assert(response !== null, 'every append request is answered');
    const done: AppendResponse = response;
    if (done.error === AppendError.none && leaderLogStartOffset > this.log.logStartOffset) {
      const target = Math.min(leaderLogStartOffset, this.coreValue.highWatermark, this.log.logEndOffset);
      if (target > this.log.logStartOffset) await this.log.deleteRecordsBefore(target);
    }
    // What the leader says is committed is stable here too (bounds the ended transactions kept).
    this.log.onHighWatermark(this.coreValue.highWatermark);
    return { response: done, appended };
  }

  /**
   * Outside the queue: makes what `applied` did count by the flush policy (with the default one, an
   * fsync shared with the other requests waiting), then the answer, built from the log as it is.
   */
  async acknowledge(applied: AppliedAppend): Promise<AppendResponse> {
    if (this.view.strict) {
      if (applied.appended || this.log.durableEndOffset < this.log.logEndOffset) await this.log.flush();
    } else {
      flushIfDue(this.log, this.clock.now(), this.logger);
    }
    return this.coreValue.refreshResponse(applied.response, this.view);
  }

  /** Seal(epoch): the core's decision on the durable log (appends below it are refused from now on if accepted). */
  sealDecision(epoch: number): SealResponse {
    return this.coreValue.onSeal({ epoch }, this.sealView).response;
  }

  /** In the queue, after an accepted seal: persists the sealed epoch and flushes, then answers with the durable log. */
  async sealDurably(epoch: number): Promise<SealResponse> {
    await this.sealed.persist(epoch);
    await this.log.flush();
    return this.coreValue.onSeal({ epoch }, this.sealView).response;
  }

  /** A new core on the durable sealed epoch, as after a restart. */
  private reset(): void {
    this.coreValue = new FollowerCore(this.nodeId, this.sealed.value);
  }
}
