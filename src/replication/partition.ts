// One partition replica on this node: its log, its role, its leader epoch and its high watermark.
// The high watermark is the end of what a write quorum holds durably. Consumers read below it,
// acks=all producers wait for it to pass their batch, and fetch long polls wake when it moves.
import { assert } from '../common/assert.js';
import { ErrorCode, KafkaError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { PartitionLog } from '../storage/index.js';

export interface FlushPolicy {
  /** Messages between fsyncs; 1 means every append is durable before it counts (the default). */
  readonly flushMessages: number;
  /** Longest time appended data may stay unsynced when flushMessages > 1; -1: no bound. */
  readonly flushMs: number;
}

export interface AppendResult {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly logAppendTime: number;
  readonly duplicate: boolean;
}

interface HighWatermarkWaiter {
  readonly offset: number;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
  timer: NodeJS.Timeout | null;
}

const HW_WAITERS_MAX = 100_000;

export class Partition {
  private highWatermarkValue: number;
  private waiters: HighWatermarkWaiter[] = [];
  private readonly listeners = new Set<() => void>();
  private unflushedMessages = 0;
  private lastFlushMs = Date.now();
  private flushing: Promise<void> | null = null;
  private closed = false;

  constructor(
    readonly topic: string,
    readonly topicId: string,
    readonly partition: number,
    readonly log: PartitionLog,
    private leaderEpochValue: number,
    private flushPolicy: FlushPolicy,
    private readonly logger: Logger,
  ) {
    // Everything recovered from disk was durable before the restart; a single replica is its own
    // write quorum, so the recovered log is committed.
    this.highWatermarkValue = log.logEndOffset;
  }

  get leaderEpoch(): number {
    return this.leaderEpochValue;
  }

  get highWatermark(): number {
    return this.highWatermarkValue;
  }

  get logStartOffset(): number {
    return this.log.logStartOffset;
  }

  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  /** Offsets below this are readable by consumers (no transactions: LSO equals HW). */
  get lastStableOffset(): number {
    return this.highWatermarkValue;
  }

  setFlushPolicy(policy: FlushPolicy): void {
    this.flushPolicy = policy;
  }

  becomeLeader(leaderEpoch: number): void {
    assert(leaderEpoch >= this.leaderEpochValue, 'leader epochs never go back');
    this.leaderEpochValue = leaderEpoch;
  }

  /** Appends validated batches as leader; durability and the high watermark follow asynchronously. */
  append(batches: Buffer[], options: { logAppendTime?: number; messageCount: number }): AppendResult {
    if (this.closed) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'partition is closed');
    const result = this.log.appendAsLeader(batches, this.leaderEpochValue, { logAppendTime: options.logAppendTime });
    if (result.duplicate) return { ...result, duplicate: true };
    this.unflushedMessages += options.messageCount;
    if (this.flushPolicy.flushMessages <= 1) {
      this.startFlush();
    } else {
      // Relaxed durability: the append counts at once; fsync happens by count or by time.
      this.advanceHighWatermark(this.log.logEndOffset);
      if (this.unflushedMessages >= this.flushPolicy.flushMessages) this.startFlush();
    }
    return { ...result, duplicate: false };
  }

  /** Called periodically so relaxed flush policies still sync within flush.ms. */
  maybeFlushByTime(nowMs: number): void {
    if (this.flushPolicy.flushMs < 0 || this.unflushedMessages === 0) return;
    if (nowMs - this.lastFlushMs >= this.flushPolicy.flushMs) this.startFlush();
  }

  /** Resolves when every byte appended so far is durable. */
  flush(): Promise<void> {
    return this.startFlush();
  }

  private startFlush(): Promise<void> {
    if (this.flushing) return this.flushing;
    // Group commit lives in the log: concurrent callers share one fdatasync. Here we only track
    // when the high watermark may move.
    const run = (async () => {
      try {
        while (this.log.durableEndOffset < this.log.logEndOffset && !this.closed) {
          this.unflushedMessages = 0;
          this.lastFlushMs = Date.now();
          await this.log.flush();
          if (this.flushPolicy.flushMessages <= 1) this.advanceHighWatermark(this.log.durableEndOffset);
        }
      } finally {
        this.flushing = null;
      }
    })();
    this.flushing = run;
    run.catch((err: unknown) => this.logger.error({ err, topic: this.topic, partition: this.partition }, 'flush failed'));
    return run;
  }

  /** Resolves once the high watermark reaches `offset`, or rejects with REQUEST_TIMED_OUT. */
  waitForHighWatermark(offset: number, timeoutMs: number): Promise<void> {
    if (this.highWatermarkValue >= offset) return Promise.resolve();
    if (this.waiters.length >= HW_WAITERS_MAX) {
      return Promise.reject(new KafkaError(ErrorCode.REQUEST_TIMED_OUT, 'too many produce requests waiting'));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: HighWatermarkWaiter = { offset, resolve, reject, timer: null };
      waiter.timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new KafkaError(ErrorCode.REQUEST_TIMED_OUT, `high watermark did not reach ${offset} in ${timeoutMs} ms`));
      }, Math.max(timeoutMs, 1));
      this.waiters.push(waiter);
    });
  }

  private advanceHighWatermark(offset: number): void {
    assert(offset <= this.log.logEndOffset, 'high watermark never passes the log end');
    if (offset <= this.highWatermarkValue) return; // the high watermark never moves backwards
    this.highWatermarkValue = offset;
    if (this.waiters.length > 0) {
      const still: HighWatermarkWaiter[] = [];
      for (const waiter of this.waiters) {
        if (waiter.offset <= offset) {
          if (waiter.timer) clearTimeout(waiter.timer);
          waiter.resolve();
        } else {
          still.push(waiter);
        }
      }
      this.waiters = still;
    }
    for (const listener of this.listeners) listener();
  }

  /** Subscribes to high-watermark advances (fetch long polls); returns the unsubscribe function. */
  onHighWatermark(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whole batches from fetchOffset up to the high watermark (or the log end, for replicas). */
  read(fetchOffset: number, maxBytes: number, upTo: 'highWatermark' | 'logEnd' = 'highWatermark') {
    const maxOffset = upTo === 'highWatermark' ? this.highWatermarkValue : this.log.logEndOffset;
    return this.log.read(fetchOffset, maxBytes, maxOffset);
  }

  async deleteRecordsBefore(offset: number): Promise<number> {
    const target = offset === -1 ? this.highWatermarkValue : offset;
    if (target < 0 || target > this.highWatermarkValue) {
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${offset} is beyond the high watermark ${this.highWatermarkValue}`);
    }
    if (target > this.log.logStartOffset) await this.log.deleteRecordsBefore(target);
    return this.log.logStartOffset;
  }

  /** Stops the replica: pending acks=all producers get NOT_LEADER_OR_FOLLOWER. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.waiters) {
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.reject(new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'partition closed'));
    }
    this.waiters = [];
    for (const listener of this.listeners) listener();
    this.listeners.clear();
    await this.flushing?.catch(() => undefined);
    await this.log.close();
  }
}
