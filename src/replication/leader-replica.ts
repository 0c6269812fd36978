// The I/O around a LeaderCore: takes batches for each follower as the core plans them (from a
// small in-memory tail of what it just appended, else from the log), sends them (pipelined within the core's window; the peer channel batches across
// partitions), and feeds the answers back. Reads are asynchronous, so a plan is checked against the
// core again once its bytes are in hand: anything that changed meanwhile (an answer moved the
// follower back to probing, say) drops the read and the core plans afresh.
import type { Clock, Logger } from '../common/index.js';
import { type PartitionLog, readBatchHeader, splitBatches } from '../storage/index.js';
import {
  type AppendPlan,
  type AppendRequest,
  type AppendResponse,
  type BatchInfo,
  buildAppendRequest,
  type LeaderCore,
} from './protocol/index.js';
import type { PartitionLogView } from './replica-log-view.js';
import { type Fatal, stopIfBroken } from './invariants.js';
import type { ReplicationThrottle } from './replication-throttle.js';
import { TailCache } from './tail-cache.js';
import { appendRequestToWire, type WireAppendRequest } from './wire.js';

/** Plans taken for one follower in one pass (the core's window bounds them too). */
const PLANS_PER_PASS_MAX = 16;
const READ_ERROR_LOG_INTERVAL_MS = 10_000;

export interface LeaderIo {
  readonly ids: { topic: string; topicId: string; partition: number };
  readonly clock: Clock;
  send(to: number, request: WireAppendRequest): Promise<AppendResponse | null>;
  /** Bytes to learners (replicas a reassignment adds) are sent within this throttle. */
  readonly leaderThrottle: ReplicationThrottle;
  /** The core's high watermark moved. */
  highWatermarkAdvanced(): void;
  /** A follower answered from a newer epoch: this leader is deposed. */
  deposed(): void;
  readonly logger: Logger;
  readonly fatal: Fatal;
}

export class LeaderReplica {
  private readonly reading = new Set<number>();
  private readonly tail = new TailCache();
  private pumpScheduled = false;
  private stopped = false;
  private lastReadErrorLogMs = 0;

  constructor(
    readonly core: LeaderCore,
    private readonly log: PartitionLog,
    private readonly view: PartitionLogView,
    private readonly io: LeaderIo,
  ) {}

  get epoch(): number {
    return this.core.epoch;
  }

  /** Serving: not stopped and not fenced by a newer epoch. */
  get active(): boolean {
    return !this.stopped && !this.core.fenced;
  }

  /** Stops sending and fences the core: nothing more is appended or acknowledged in this epoch. */
  stop(): void {
    this.stopped = true;
    this.core.fence();
  }

  /**
   * A batch this leader just appended (offsets and epoch stamped), for followers that keep up.
   * Without followers (replication factor 1) nothing would ever read it: not kept.
   */
  appended(batch: Buffer): void {
    if (!this.core.hasFollowers) return;
    const header = readBatchHeader(batch);
    this.tail.add(
      {
        baseOffset: header.baseOffset,
        lastOffset: header.baseOffset + header.lastOffsetDelta,
        epoch: header.partitionLeaderEpoch,
        sizeBytes: batch.length,
      },
      batch,
      this.io.clock.now(),
    );
  }

  /** Sends what is due on the next turn of the event loop, so appends made together leave together. */
  schedulePump(): void {
    if (this.pumpScheduled || !this.active) return;
    this.pumpScheduled = true;
    this.io.clock.soon(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Sends what is due now: batches, heartbeats, divergence answers, re-probes after timeouts. */
  pump(): void {
    if (!this.active) return;
    this.tail.releaseIfIdle(this.io.clock.now());
    for (const f of this.core.followerIds) this.pumpFollower(f);
  }

  /** The replication tick: learners join or leave the write quorum, then what is due is sent. */
  tick(): void {
    if (!this.active) return;
    if (this.core.updateJoinedLearners(this.view, this.io.clock.now())) this.io.highWatermarkAdvanced();
    this.pump();
  }

  /** The leader's own log became durable further. */
  onLocalDurable(): void {
    if (this.active && this.core.onLocalDurable(this.view)) this.io.highWatermarkAdvanced();
  }

  private pumpFollower(f: number): void {
    // A learner whose reassignment was cancelled is no follower any more.
    if (!this.active || this.reading.has(f) || !this.core.hasFollower(f)) return;
    const now = this.io.clock.now();
    const throttled = this.core.isThrottledLearner(f);
    for (let i = 0; i < PLANS_PER_PASS_MAX; i++) {
      const plan = this.core.nextRequest(f, this.view, now);
      if (plan === null) return;
      // A learner gets no batches while the leader throttle is in debt (heartbeats still go); the
      // replication tick tries again. One that joined the write quorum is not held back.
      if (throttled && plan.maxBytes > 0 && this.io.leaderThrottle.delayMs() > 0) return;
      if (plan.maxBytes === 0 || plan.fromOffset < this.log.logStartOffset) {
        // Nothing to send, or what the follower needs next was deleted here (retention,
        // DeleteRecords): an empty request carries this log's start, and a follower whose log
        // ends below it starts over there (see FollowerReplica.apply).
        this.send(f, buildAppendRequest(plan, []), []);
        continue;
      }
      const cached = this.tail.read(plan.fromOffset, plan.maxBytes);
      if (cached !== null && cached.infos.length > 0) {
        this.send(f, buildAppendRequest(plan, cached.infos), cached.buffers);
        continue;
      }
      this.reading.add(f);
      void this.readAndSend(f, plan);
      return;
    }
  }

  private async readAndSend(f: number, plan: AppendPlan): Promise<void> {
    let infos: BatchInfo[] = [];
    let buffers: Buffer[] = [];
    let failed = false;
    try {
      ({ infos, buffers } = await this.readBatches(plan.fromOffset, plan.maxBytes));
    } catch (err) {
      stopIfBroken(err, this.io.fatal);
      failed = true;
      const now = this.io.clock.now();
      if (now - this.lastReadErrorLogMs >= READ_ERROR_LOG_INTERVAL_MS) {
        this.lastReadErrorLogMs = now;
        this.io.logger.warn(
          { err: (err as Error).message, follower: f, fromOffset: plan.fromOffset },
          'reading batches for a follower failed',
        );
      }
    } finally {
      this.reading.delete(f);
    }
    if (!this.active || !this.core.hasFollower(f)) return;
    const first = infos[0];
    // The first batch starts at fromOffset, or after it where the cleaner removed whole batches.
    if (first !== undefined && first.baseOffset >= plan.fromOffset) {
      const again = this.core.nextRequest(f, this.view, this.io.clock.now());
      const unchanged =
        again !== null &&
        again.maxBytes > 0 &&
        again.divergence === null &&
        again.fromOffset === plan.fromOffset &&
        again.prevOffset === plan.prevOffset &&
        again.prevEpoch === plan.prevEpoch;
      if (unchanged) {
        // The window may have shrunk meanwhile: keep whole batches within it, at least one.
        let n = 1;
        let bytes = first.sizeBytes;
        for (; n < infos.length; n++) {
          const size = (infos[n] as BatchInfo).sizeBytes;
          if (bytes + size > again.maxBytes) break;
          bytes += size;
        }
        this.send(f, buildAppendRequest(again, infos.slice(0, n)), buffers.slice(0, n));
      }
    }
    // After a failed read the periodic tick tries again, not a tight loop.
    if (!failed) this.pumpFollower(f);
  }

  /** Whole batches from `fromOffset` (a batch boundary), at most `maxBytes` (at least one batch). */
  private async readBatches(fromOffset: number, maxBytes: number): Promise<{ infos: BatchInfo[]; buffers: Buffer[] }> {
    const { chunks } = await this.log.read(fromOffset, maxBytes, this.log.logEndOffset);
    const infos: BatchInfo[] = [];
    const buffers: Buffer[] = [];
    let bytes = 0;
    for (const chunk of chunks) {
      for (const batch of splitBatches(chunk)) {
        const header = readBatchHeader(batch);
        const lastOffset = header.baseOffset + header.lastOffsetDelta;
        if (lastOffset < fromOffset) continue;
        if (infos.length > 0 && bytes + batch.length > maxBytes) return { infos, buffers };
        infos.push({
          baseOffset: header.baseOffset,
          lastOffset,
          epoch: header.partitionLeaderEpoch,
          sizeBytes: batch.length,
        });
        buffers.push(batch);
        bytes += batch.length;
      }
    }
    return { infos, buffers };
  }

  private send(f: number, request: AppendRequest, buffers: Buffer[]): void {
    this.core.onSent(f, request, this.io.clock.now());
    if (buffers.length > 0 && this.core.isThrottledLearner(f)) {
      let bytes = 0;
      for (const b of buffers) bytes += b.length;
      this.io.leaderThrottle.charge(bytes);
    }
    this.io
      .send(f, appendRequestToWire(request, this.io.ids, buffers, this.log.logStartOffset))
      .then((response) => this.onResponse(f, response))
      .catch((err: unknown) => {
        // A send that failed (rather than lost) or an answer the core cannot take.
        stopIfBroken(err, this.io.fatal);
        this.io.logger.error({ err, follower: f }, 'append send failed');
      });
  }

  private onResponse(f: number, response: AppendResponse | null): void {
    // A lost request: the core's request timeout re-probes the follower.
    if (response === null || !this.active || response.replicaId !== f) return;
    const outcome = this.core.onAppendResponse(response, this.view, this.io.clock.now());
    if (outcome.deposed) {
      this.io.deposed();
      return;
    }
    if (outcome.invalid !== undefined) this.reportInvalid(outcome.invalid);
    if (outcome.highWatermarkAdvanced) this.io.highWatermarkAdvanced();
    this.pumpFollower(f);
  }

  private lastInvalidLogMs = 0;

  /** Logs a refused follower response, at most once per interval (a confused peer repeats itself). */
  private reportInvalid(reason: string): void {
    const now = this.io.clock.now();
    if (now - this.lastInvalidLogMs < READ_ERROR_LOG_INTERVAL_MS) return;
    this.lastInvalidLogMs = now;
    this.io.logger.error({ reason }, 'refused a follower response that contradicts this log');
  }
}
