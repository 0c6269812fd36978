// The log of one partition replica: segments of RecordBatch v2 bytes, sparse indexes, recovery,
// group-commit flushes, reads for fetch, truncation, retention, the leader-epoch checkpoint and the
// idempotent-producer state.
//
// Concurrency model: appends are synchronous (writeSync into the page cache), so offsets are
// assigned in call order with no locks. Everything that waits on the disk (flush, reads, scans) is
// async and holds a reference on the segments it touches. truncateTo is the one operation that
// must not overlap appends; the replication layer calls it on followers only (asserted).
//
// Durability and flush policy: `flush()` resolves once every byte appended before the call is
// fdatasync'ed, and concurrent callers share fsyncs (group commit: one runs, the next one covers
// every caller that arrived meanwhile). With the default policy (flush.messages = 1) the produce
// path awaits flush() before an append counts; `needsFlushBeforeAck()` says so. With a relaxed
// policy there is no timer in here: the owner calls `flushDue(now)` after appends and on its own
// periodic tick and starts `flush()` when it returns true.
import path from 'node:path';
import { assert, type Clock, ErrorCode, KafkaError, type Logger, systemClock } from '../common/index.js';
import type { Disk } from './disk.js';
import { replaceFile } from './file-io.js';
import { nodeDisk } from './node-disk.js';
import { LeaderEpochCache } from './leader-epoch-cache.js';
import { type LogConfig, makeLogConfig } from './log-config.js';
import { CLEAN_SHUTDOWN_FILE, type CleanShutdownMarker, type LoadResult, loadSegments } from './log-loader.js';
import { GroupCommit } from './group-commit.js';
import { readSegment } from './log-read.js';
import { type TimestampOffset, findMaxTimestampOffset, findOffsetForTimestamp } from './log-timestamps.js';
import { ProducerStateManager } from './producer-state.js';
import {
  type BatchHeader,
  InvalidBatchError,
  checkStoredBatch,
  lastOffsetOf,
  readBatchHeader,
  setBaseOffsetAndEpoch,
  setLogAppendTime,
} from './record-batch.js';
import { type BatchPlacement, Segment } from './segment.js';
import { scanSegment } from './segment-scan.js';

export const LOG_START_OFFSET_FILE = 'log-start-offset-checkpoint';
export const LEADER_EPOCH_FILE = 'leader-epoch-checkpoint';
export const PRODUCER_SNAPSHOT_FILE = 'producer-state.snapshot';

const INT32_MAX = 0x7fffffff;

export interface PartitionLogOptions {
  /** Where the log's files live (default: node:fs). The simulation passes its own. */
  readonly disk?: Disk;
  /** Time for segment.ms rolls, flush.ms, LogAppendTime and new segments (only `now` is read). */
  readonly clock?: Clock;
  /**
   * After each fsync, the kernel may drop cached pages of each segment but its newest this many
   * bytes (page-cache.ts); negative (the default here) leaves the page cache alone.
   */
  readonly pageCacheRetainBytes?: number;
}

export interface LogAppendResult {
  readonly baseOffset: number;
  readonly lastOffset: number;
  /** The broker time stamped into the batch with LogAppendTime; -1 with CreateTime or a duplicate. */
  readonly logAppendTime: number;
  /** The batch repeated one already in the log: nothing was stored and these are its original offsets. */
  readonly duplicate: boolean;
}

export interface LogReadResult {
  /** Whole batches, to be written to the socket back to back. */
  readonly chunks: Buffer[];
  readonly bytes: number;
}

export type { TimestampOffset };

export interface LogStats {
  /** fdatasync calls on segment files. */
  fsyncs: number;
  /** Group-commit rounds (each covers every flush() caller waiting when it started). */
  flushes: number;
}

export class PartitionLog {
  readonly stats: LogStats = { fsyncs: 0, flushes: 0 };
  private segments: Segment[];
  private logStartOffsetValue = 0;
  private logEndOffsetValue = 0;
  private durableEndOffsetValue = 0;
  /** Bumped by every change that needs an fsync to be durable; flushes record the one they cover. */
  private changeGeneration = 1;
  private readonly groupCommit = new GroupCommit(
    () => this.changeGeneration,
    () => this.syncOnce(),
  );
  private dirDirty = false;
  private unflushedMessages = 0;
  private lastFlushMs: number;
  private failure: Error | null = null;
  private closed = false;
  private truncating = false;
  private closing = false;
  /** Producer state as of a recent offset (taken at roll and open): truncation restarts from it. */
  private producerSnapshot: { offset: number; text: string } | null = null;
  private checkpointChain: Promise<void> = Promise.resolve();

  private constructor(
    /** The disk the log lives on; files kept beside it (replication's sealed epoch) use it too. */
    readonly disk: Disk,
    readonly dir: string,
    private config: LogConfig,
    private readonly logger: Logger,
    private readonly clock: Clock,
    segments: Segment[],
    private readonly epochs: LeaderEpochCache,
    private readonly producers: ProducerStateManager,
    private readonly pageCacheRetainBytes: number,
  ) {
    assert(segments.length > 0, 'a log always has an active segment');
    this.segments = segments;
    this.lastFlushMs = clock.now();
  }

  // ---------------------------------------------------------------- open

  static async open(
    dir: string,
    config: LogConfig,
    logger: Logger,
    options: PartitionLogOptions = {},
  ): Promise<PartitionLog> {
    const clock = options.clock ?? systemClock;
    const disk = options.disk ?? nodeDisk;
    const checked = makeLogConfig(config);
    await disk.mkdir(dir, true);
    const loaded = await loadSegments({ disk, dir, indexIntervalBytes: checked.indexIntervalBytes, logger });
    const checkpointText = (await disk.readFile(path.join(dir, LOG_START_OFFSET_FILE)))?.toString('utf8') ?? null;
    const checkpointStart = parseLogStartOffset(checkpointText);
    const { cache: epochs, damage: epochDamage } = await LeaderEpochCache.load(disk, path.join(dir, LEADER_EPOCH_FILE));
    const segments = loaded.segments;
    if (segments.length === 0) segments.push(Segment.create(disk, dir, Math.max(checkpointStart ?? 0, 0), clock.now()));
    const log = new PartitionLog(
      disk,
      dir,
      checked,
      logger,
      clock,
      segments,
      epochs,
      new ProducerStateManager(),
      options.pageCacheRetainBytes ?? -1,
    );
    // The files found here may be entries a crashed process created and never made durable (it
    // died before its directory fsync): the flush at the end of the open fsyncs the directory.
    log.dirDirty = true;
    try {
      await log.finishOpen(loaded, checkpointStart, epochDamage);
    } catch (err) {
      for (const segment of log.segments) segment.close();
      throw err;
    }
    return log;
  }

  private async finishOpen(
    loaded: LoadResult,
    checkpointStart: number | null,
    epochDamage: string | null,
  ): Promise<void> {
    const first = this.segments[0] as Segment;
    this.logEndOffsetValue = this.active.nextOffset;
    this.logStartOffsetValue = Math.max(checkpointStart ?? 0, first.baseOffset);
    if (this.logStartOffsetValue > this.logEndOffsetValue) {
      // Recovery cut below a log start that DeleteRecords had moved: nothing readable is left.
      this.logger.warn(
        { dir: this.dir, logStartOffset: this.logStartOffsetValue, logEndOffset: this.logEndOffsetValue },
        'log start beyond recovered log end; starting empty',
      );
      this.resetToEmptyAt(this.logStartOffsetValue);
    }
    this.deleteSegmentsBelowLogStart();
    if (epochDamage !== null) {
      this.logger.warn(
        { dir: this.dir, reason: epochDamage },
        'leader-epoch checkpoint damaged; rebuilding from batch headers',
      );
      await this.forEachBatchFrom(this.logStartOffsetValue, (header) => {
        if (header.partitionLeaderEpoch > this.epochs.lastEpoch)
          this.epochs.assign(header.partitionLeaderEpoch, header.baseOffset);
      });
    } else {
      for (const entry of loaded.epochStarts) {
        if (entry.epoch > this.epochs.lastEpoch) this.epochs.assign(entry.epoch, entry.startOffset);
      }
    }
    this.epochs.dropBeyond(this.logEndOffsetValue);
    this.epochs.truncateFromStart(this.logStartOffsetValue);
    const snapshot = await this.disk.readFile(path.join(this.dir, PRODUCER_SNAPSHOT_FILE));
    await this.rebuildProducerState(snapshot?.toString('utf8') ?? null);
    if (checkpointStart !== this.logStartOffsetValue) await this.writeLogStartCheckpoint();
    // Whatever recovery kept may sit only in the page cache of the process that crashed: sync it
    // once so that durableEndOffset == logEndOffset from here on.
    await this.flush();
    this.logger.info(
      {
        dir: this.dir,
        logStartOffset: this.logStartOffsetValue,
        logEndOffset: this.logEndOffsetValue,
        segments: this.segments.length,
        cleanShutdown: loaded.cleanShutdown,
        truncatedBytes: loaded.truncatedBytes,
      },
      'partition log opened',
    );
  }

  // ---------------------------------------------------------------- state

  get logStartOffset(): number {
    return this.logStartOffsetValue;
  }

  /** The next offset to assign. */
  get logEndOffset(): number {
    return this.logEndOffsetValue;
  }

  /** Offsets below this are fdatasync'ed. */
  get durableEndOffset(): number {
    return this.durableEndOffsetValue;
  }

  /** Newest epoch in the leader-epoch checkpoint, -1 if none. */
  get lastEpoch(): number {
    return this.epochs.lastEpoch;
  }

  get logConfig(): LogConfig {
    return this.config;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  get sizeBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.sizeBytes, 0);
  }

  /** Base offsets of the segments, oldest first (tests, admin). */
  get segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  updateConfig(config: LogConfig): void {
    this.config = makeLogConfig(config);
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1] as Segment;
  }

  /** The log saw a storage failure (a failed fsync, say): it refuses writes until it is opened again. */
  get failed(): boolean {
    return this.failure !== null;
  }

  private checkWritable(): void {
    if (this.closed || this.closing) throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `log ${this.dir} is closed`);
    if (this.failure)
      throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `log ${this.dir} failed: ${this.failure.message}`, {
        cause: this.failure,
      });
    assert(!this.truncating, 'no append while the log is being truncated');
  }

  private fail(err: unknown): KafkaError {
    const error = err instanceof Error ? err : new Error(String(err));
    if (!this.failure) {
      this.failure = error;
      this.logger.error({ dir: this.dir, err: error }, 'partition log failed; it refuses further writes');
    }
    return new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `log ${this.dir}: ${error.message}`, { cause: error });
  }

  // ---------------------------------------------------------------- append

  /**
   * Appends batches a leader validated (validateClientBatch): assigns offsets by rewriting
   * baseOffset and partitionLeaderEpoch in place (and maxTimestamp + CRC with LogAppendTime), checks
   * idempotent producers, writes into the page cache. Synchronous: offsets follow call order.
   */
  appendAsLeader(batches: Buffer[], leaderEpoch: number, opts: { logAppendTime?: number } = {}): LogAppendResult {
    this.checkWritable();
    assert(batches.length > 0, 'append needs at least one batch');
    if (leaderEpoch < this.epochs.lastEpoch) {
      throw new KafkaError(
        ErrorCode.FENCED_LEADER_EPOCH,
        `leader epoch ${leaderEpoch} is older than the log's ${this.epochs.lastEpoch}`,
      );
    }
    const headers = batches.map((batch) => {
      const header = readBatchHeader(batch);
      assert(header.magic === 2 && header.sizeBytes === batch.length, 'appendAsLeader takes validated batches');
      return header;
    });
    const baseOffset = this.logEndOffsetValue;
    const firstOffsets: number[] = [];
    let next = baseOffset;
    for (const header of headers) {
      firstOffsets.push(next);
      next += header.lastOffsetDelta + 1;
    }
    const plan = this.producers.prepareLeaderAppend(headers, firstOffsets);
    if (plan.duplicate) {
      return {
        baseOffset: plan.duplicate.firstOffset,
        lastOffset: plan.duplicate.lastOffset,
        logAppendTime: -1,
        duplicate: true,
      };
    }
    const logAppendTime =
      this.config.messageTimestampType === 'LogAppendTime' ? (opts.logAppendTime ?? this.clock.now()) : -1;
    const placements: BatchPlacement[] = [];
    let messages = 0;
    headers.forEach((header, i) => {
      const batch = batches[i] as Buffer;
      const first = firstOffsets[i] as number;
      setBaseOffsetAndEpoch(batch, first, leaderEpoch);
      if (logAppendTime >= 0) setLogAppendTime(batch, logAppendTime);
      placements.push({
        baseOffset: first,
        lastOffset: first + header.lastOffsetDelta,
        maxTimestamp: logAppendTime >= 0 ? logAppendTime : header.maxTimestamp,
        sizeBytes: batch.length,
      });
      messages += header.recordsCount;
    });
    this.appendToSegments(batches, placements, messages);
    if (leaderEpoch > this.epochs.lastEpoch) this.epochs.assign(leaderEpoch, baseOffset);
    plan.commit();
    return { baseOffset, lastOffset: this.logEndOffsetValue - 1, logAppendTime, duplicate: false };
  }

  /**
   * Appends batches received from the leader as they are (offsets included). They must continue
   * the log end exactly; each is checked (header, CRC) since it came over the network.
   */
  appendAsFollower(batches: Buffer[]): { firstOffset: number; lastOffset: number } {
    this.checkWritable();
    assert(batches.length > 0, 'append needs at least one batch');
    const headers: BatchHeader[] = [];
    let expected = this.logEndOffsetValue;
    for (const batch of batches) {
      const problem = checkStoredBatch(batch);
      if (problem !== null) throw new InvalidBatchError(ErrorCode.CORRUPT_MESSAGE, `replicated batch: ${problem}`);
      const header = readBatchHeader(batch);
      if (header.baseOffset !== expected) {
        throw new KafkaError(
          ErrorCode.OFFSET_OUT_OF_RANGE,
          `replicated batch at ${header.baseOffset} does not continue the log at ${expected}`,
        );
      }
      expected = lastOffsetOf(header) + 1;
      headers.push(header);
    }
    const firstOffset = this.logEndOffsetValue;
    const placements = headers.map((h) => ({
      baseOffset: h.baseOffset,
      lastOffset: lastOffsetOf(h),
      maxTimestamp: h.maxTimestamp,
      sizeBytes: h.sizeBytes,
    }));
    this.appendToSegments(
      batches,
      placements,
      headers.reduce((n, h) => n + h.recordsCount, 0),
    );
    for (const header of headers) {
      // Only a newer epoch starts an entry: a marker the replication layer already placed stays.
      if (header.partitionLeaderEpoch > this.epochs.lastEpoch)
        this.epochs.assign(header.partitionLeaderEpoch, header.baseOffset);
      this.producers.applyStored(header, header.baseOffset);
    }
    return { firstOffset, lastOffset: this.logEndOffsetValue - 1 };
  }

  private appendToSegments(batches: readonly Buffer[], placements: readonly BatchPlacement[], messages: number): void {
    const now = this.clock.now();
    const totalBytes = batches.reduce((sum, b) => sum + b.length, 0);
    const last = placements[placements.length - 1] as BatchPlacement;
    let active = this.active;
    if (
      !active.isEmpty &&
      (active.sizeBytes + totalBytes > this.config.segmentBytes ||
        now - active.createdMs >= this.config.segmentMs ||
        last.lastOffset - active.baseOffset > INT32_MAX)
    ) {
      active = this.roll(now);
    }
    try {
      active.append(batches, placements, this.config.indexIntervalBytes);
    } catch (err) {
      if (active.broken) throw this.fail(err);
      throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `append to ${this.dir} failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    active.lastModifiedMs = now;
    this.logEndOffsetValue = last.lastOffset + 1;
    assert(this.logEndOffsetValue === active.nextOffset, 'log end offset follows the active segment');
    this.changeGeneration++;
    this.unflushedMessages += messages;
  }

  private roll(now: number): Segment {
    const previous = this.active;
    previous.seal();
    let segment: Segment;
    try {
      segment = Segment.create(this.disk, this.dir, this.logEndOffsetValue, now);
    } catch (err) {
      throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `cannot roll ${this.dir}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    this.segments.push(segment);
    this.dirDirty = true;
    this.changeGeneration++;
    this.takeProducerSnapshot();
    this.logger.debug({ dir: this.dir, baseOffset: segment.baseOffset }, 'rolled segment');
    return segment;
  }

  private takeProducerSnapshot(): void {
    const offset = this.logEndOffsetValue;
    const text = this.producers.serialize(offset);
    this.producerSnapshot = { offset, text };
    // Rebuildable from the log, so not fsynced; written off the append path.
    this.writeProducerSnapshotFile(text, false).catch((err: unknown) =>
      this.logger.warn({ dir: this.dir, err }, 'producer snapshot write failed'),
    );
  }

  /**
   * Serialized with the other small-file writes so an older snapshot never lands after a newer one.
   * After a truncation the write is durable: a snapshot describing removed batches must not survive.
   */
  private writeProducerSnapshotFile(text: string, durable: boolean): Promise<void> {
    const write = this.checkpointChain.then(() =>
      replaceFile(this.disk, path.join(this.dir, PRODUCER_SNAPSHOT_FILE), text, durable),
    );
    this.checkpointChain = write.catch(() => undefined);
    return write;
  }

  // ---------------------------------------------------------------- flush

  /** True when the produce path must await flush() before an append counts (flush.messages = 1). */
  needsFlushBeforeAck(): boolean {
    return this.config.flushMessages <= 1;
  }

  /** Whether the flush policy asks for a flush now (message count or flush.ms reached). */
  flushDue(nowMs: number): boolean {
    if (this.unflushedMessages === 0) return false;
    if (this.unflushedMessages >= this.config.flushMessages) return true;
    return this.config.flushMs >= 0 && nowMs - this.lastFlushMs >= this.config.flushMs;
  }

  /** Resolves when every byte appended before the call is durable (group commit). */
  flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.fail(this.failure));
    return this.groupCommit.request();
  }

  /** One group-commit round: syncs every dirty segment, the directory and the epoch checkpoint. */
  private async syncOnce(): Promise<void> {
    // A caller queued behind a failed round must not be told its bytes are durable: the disk may
    // have dropped the failed round's writes even if this fsync succeeds.
    if (this.failure) throw this.fail(this.failure);
    const endOffset = this.logEndOffsetValue;
    this.unflushedMessages = 0;
    this.lastFlushMs = this.clock.now();
    this.stats.flushes++;
    const dirty = this.segments.filter((s) => s.sizeBytes > s.syncedSizeBytes);
    try {
      await Promise.all(
        dirty.map(async (segment) => {
          this.stats.fsyncs++;
          await segment.sync(this.pageCacheRetainBytes);
        }),
      );
      if (this.dirDirty) {
        this.dirDirty = false;
        try {
          await this.disk.fsyncDir(this.dir);
        } catch (err) {
          this.dirDirty = true;
          throw err;
        }
      }
      if (this.epochs.dirty) await this.epochs.persist();
    } catch (err) {
      throw this.fail(err);
    }
    if (endOffset > this.durableEndOffsetValue)
      this.durableEndOffsetValue = Math.min(endOffset, this.logEndOffsetValue);
    // Inactive segments now durable get their index files (see log-loader.ts for why only now).
    for (const segment of this.segments.slice(0, -1)) {
      if (segment.indexesPersisted || segment.syncedSizeBytes < segment.sizeBytes) continue;
      await segment
        .persistIndexes()
        .catch((err: unknown) => this.logger.warn({ dir: this.dir, err }, 'index write failed'));
    }
  }

  // ---------------------------------------------------------------- read

  /**
   * Whole batches for a fetch: from the batch CONTAINING fetchOffset, stopping before a batch whose
   * baseOffset >= maxOffset (exclusive, e.g. the high watermark) or before exceeding maxBytes, but
   * always at least the first batch (KIP-74). One read per segment touched, returned as views.
   */
  async read(fetchOffset: number, maxBytes: number, maxOffset: number): Promise<LogReadResult> {
    if (this.closed) throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `log ${this.dir} is closed`);
    if (fetchOffset < this.logStartOffsetValue || fetchOffset > this.logEndOffsetValue) {
      throw new KafkaError(
        ErrorCode.OFFSET_OUT_OF_RANGE,
        `offset ${fetchOffset} outside [${this.logStartOffsetValue}, ${this.logEndOffsetValue}]`,
      );
    }
    const limit = Math.min(maxOffset, this.logEndOffsetValue);
    const chunks: Buffer[] = [];
    let bytes = 0;
    if (fetchOffset >= limit) return { chunks, bytes };
    const touched = this.segments.slice(this.segmentIndexFor(fetchOffset));
    let first = true;
    for (const segment of touched) {
      if (segment.baseOffset >= limit || (!first && bytes >= maxBytes)) break;
      const result = await readSegment(segment, {
        startPosition: first ? segment.offsetIndex.lookup(fetchOffset).position : 0,
        fetchOffset,
        maxOffset: limit,
        budgetBytes: maxBytes - bytes,
        atLeastOne: chunks.length === 0,
        slackBytes: first ? this.config.indexIntervalBytes : 0,
      });
      first = false;
      if (result.chunk) {
        chunks.push(result.chunk);
        bytes += result.bytes;
      }
      if (result.full) break;
    }
    // Retention or DeleteRecords may have removed the data while we read: never hand out a gap.
    if (fetchOffset < this.logStartOffsetValue) {
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${fetchOffset} was deleted during the read`);
    }
    return { chunks, bytes };
  }

  /** Index of the segment holding `offset`: the last one whose base is <= offset (0 if none). */
  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.segments[mid] as Segment).baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** Visits every batch header from the batch containing `fromOffset` to the log end. */
  private async forEachBatchFrom(
    fromOffset: number,
    visit: (header: BatchHeader, segment: Segment, position: number) => boolean | void,
  ): Promise<void> {
    const start = this.segmentIndexFor(fromOffset);
    for (const segment of this.segments.slice(start)) {
      if (segment.nextOffset <= fromOffset) continue;
      const position = segment.baseOffset <= fromOffset ? segment.offsetIndex.lookup(fromOffset).position : 0;
      let stopped = false;
      await scanSegment(
        segment,
        { fromPosition: position, verifyCrc: false, minBaseOffset: segment.baseOffset },
        (header, at) => {
          if (lastOffsetOf(header) < fromOffset) return true;
          if (visit(header, segment, at) === false) {
            stopped = true;
            return false;
          }
          return true;
        },
      );
      if (stopped) return;
    }
  }

  // ---------------------------------------------------------------- timestamps

  /**
   * ListOffsets by time: the first offset (>= logStartOffset) whose record timestamp is >= timestamp,
   * or null. See log-timestamps.ts for the precision. The caller compares it with its high watermark.
   */
  offsetForTimestamp(timestamp: number): Promise<TimestampOffset | null> {
    return findOffsetForTimestamp([...this.segments], this.logStartOffsetValue, timestamp);
  }

  /** ListOffsets MAX_TIMESTAMP (-3): the offset of the record with the largest timestamp, or null. */
  maxTimestampOffset(): Promise<TimestampOffset | null> {
    return findMaxTimestampOffset([...this.segments], this.logStartOffsetValue);
  }

  // ---------------------------------------------------------------- truncation and deletion

  /**
   * Durably removes every batch at or after `offset`, and every leader-epoch entry starting at or
   * after it (also when `offset` is the log end). When `offset` falls inside a batch, that
   * whole batch goes too and the log end becomes its base offset (as Kafka's LogSegment.truncateTo).
   * A target at or below logStartOffset empties the log and restarts it at `offset`.
   * Appends must not run concurrently (followers only).
   */
  async truncateTo(offset: number): Promise<void> {
    this.checkWritable();
    assert(offset >= 0, 'truncation offset must be >= 0');
    if (offset >= this.logEndOffsetValue) {
      // No batch to cut, but a marker-only checkpoint entry at the log end (an epoch whose leader
      // wrote nothing the new leader has) must still go, durably (replication's divergence step).
      if (offset === this.logEndOffsetValue) {
        this.epochs.truncateFromEnd(offset);
        if (this.epochs.dirty) await this.epochs.persist();
      }
      return;
    }
    this.truncating = true;
    try {
      await this.groupCommit.idle();
      if (offset <= this.logStartOffsetValue) {
        await this.truncateFullyInternal(offset);
        return;
      }
      const index = this.segmentIndexFor(offset);
      const segment = this.segments[index] as Segment;
      // Later segments go first, durably: a crash then leaves a longer log, never a gap that a
      // restart would mistake for the end.
      const later = this.segments.splice(index + 1);
      try {
        // Newest first: a crash midway leaves a shorter log, never one with a hole.
        for (const s of [...later].reverse()) s.deleteFilesSync();
        if (later.length > 0) await this.disk.fsyncDir(this.dir);
      } catch (err) {
        throw this.fail(err);
      }
      segment.resetIndexes();
      let cutPosition = segment.sizeBytes;
      const interval = this.config.indexIntervalBytes;
      await scanSegment(
        segment,
        { fromPosition: 0, verifyCrc: false, minBaseOffset: segment.baseOffset },
        (header, position) => {
          if (lastOffsetOf(header) >= offset) {
            cutPosition = position;
            return false;
          }
          segment.noteBatch(
            {
              baseOffset: header.baseOffset,
              lastOffset: lastOffsetOf(header),
              maxTimestamp: header.maxTimestamp,
              sizeBytes: header.sizeBytes,
            },
            position,
            interval,
          );
          return true;
        },
      );
      if (segment.nextOffset < this.logStartOffsetValue) {
        // The batch holding `offset` starts below the log start (DeleteRecords cut inside it): it
        // goes whole, and with it everything readable; the log restarts where that batch began.
        await this.truncateFullyInternal(segment.nextOffset);
        return;
      }
      const removedBytes = segment.sizeBytes - cutPosition;
      const previousEnd = this.logEndOffsetValue;
      try {
        segment.truncateSync(cutPosition);
        this.logEndOffsetValue = segment.nextOffset;
        this.durableEndOffsetValue = Math.min(this.durableEndOffsetValue, this.logEndOffsetValue);
        this.changeGeneration++;
        await segment.sync();
        if (later.length > 0 || segment.indexesPersisted) {
          segment.removeIndexFilesSync(); // it is the active segment again
          await this.disk.fsyncDir(this.dir);
        }
      } catch (err) {
        throw this.fail(err);
      }
      assert(this.logStartOffsetValue <= this.logEndOffsetValue, 'truncation keeps the log start within the log');
      this.epochs.truncateFromEnd(this.logEndOffsetValue);
      if (this.epochs.dirty) await this.epochs.persist();
      await this.rebuildProducerState(null);
      await this.writeProducerSnapshotFile((this.producerSnapshot as { text: string }).text, true);
      this.logger.info(
        { dir: this.dir, requested: offset, logEndOffset: this.logEndOffsetValue, previousEnd, removedBytes },
        'log truncated',
      );
    } finally {
      this.truncating = false;
    }
  }

  /** Empties the log and restarts it at `offset` (a follower far behind the leader's log start). */
  async truncateFullyAndStartAt(offset: number): Promise<void> {
    this.checkWritable();
    this.truncating = true;
    try {
      await this.groupCommit.idle();
      await this.truncateFullyInternal(offset);
    } finally {
      this.truncating = false;
    }
  }

  private async truncateFullyInternal(offset: number): Promise<void> {
    try {
      this.resetToEmptyAt(offset);
      await this.disk.fsyncDir(this.dir);
      this.dirDirty = false;
    } catch (err) {
      throw this.fail(err);
    }
    this.epochs.clear();
    await this.epochs.persist();
    await this.writeLogStartCheckpoint();
    this.producers.clear();
    this.producerSnapshot = { offset, text: this.producers.serialize(offset) };
    await this.writeProducerSnapshotFile(this.producerSnapshot.text, true);
    this.logger.info({ dir: this.dir, offset }, 'log emptied and restarted');
  }

  private resetToEmptyAt(offset: number): void {
    // Newest first: a crash midway leaves a prefix of the old log, never one with a hole.
    for (const segment of [...this.segments].reverse()) segment.deleteFilesSync();
    this.segments = [Segment.create(this.disk, this.dir, offset, this.clock.now())];
    this.dirDirty = true;
    this.logStartOffsetValue = offset;
    this.logEndOffsetValue = offset;
    this.durableEndOffsetValue = Math.min(this.durableEndOffsetValue, offset);
    this.changeGeneration++;
  }

  /** DeleteRecords: moves the log start durably and deletes segments entirely below it. */
  async deleteRecordsBefore(offset: number): Promise<void> {
    this.checkWritable();
    if (offset > this.logEndOffsetValue || offset < 0) {
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${offset} outside [0, ${this.logEndOffsetValue}]`);
    }
    if (offset <= this.logStartOffsetValue) return;
    this.logStartOffsetValue = offset;
    await this.writeLogStartCheckpoint();
    await this.epochsFollowLogStart(offset);
    this.deleteSegmentsBelowLogStart();
  }

  /**
   * Retention: deletes whole inactive segments, oldest first, while the oldest is past retentionMs
   * (by its largest timestamp) or the log exceeds retentionBytes. Only segments entirely below
   * `highWatermark` (default: the log end) are eligible. Returns how many were deleted.
   */
  async applyRetention(nowMs: number, highWatermark: number = this.logEndOffsetValue): Promise<number> {
    if (this.closed || this.failure) return 0;
    const { retentionMs, retentionBytes } = this.config;
    if (retentionMs < 0 && retentionBytes < 0) return 0;
    let totalBytes = this.sizeBytes;
    let deleted = 0;
    // Bounded by the number of segments; the active one always stays.
    while (this.segments.length > 1) {
      const oldest = this.segments[0] as Segment;
      if (oldest.nextOffset > highWatermark) break;
      const newestMs = oldest.maxTimestamp >= 0 ? oldest.maxTimestamp : oldest.lastModifiedMs;
      const byTime = retentionMs >= 0 && nowMs - newestMs > retentionMs;
      const bySize = retentionBytes >= 0 && totalBytes - oldest.sizeBytes >= retentionBytes;
      if (!byTime && !bySize) break;
      this.segments.shift();
      totalBytes -= oldest.sizeBytes;
      deleted++;
      this.logger.info({ dir: this.dir, segment: oldest.baseOffset, byTime, bySize }, 'retention deleting segment');
      oldest.deleteFilesSync();
      const next = this.segments[0] as Segment;
      if (next.baseOffset > this.logStartOffsetValue) this.logStartOffsetValue = next.baseOffset;
    }
    if (deleted > 0) {
      const logStartOffset = this.logStartOffsetValue;
      await this.writeLogStartCheckpoint();
      await this.epochsFollowLogStart(logStartOffset);
    }
    return deleted;
  }

  /**
   * Moves the epoch checkpoint's first entry up to a log start that is already durable: written
   * before it, a crash could leave epochs starting above the recovered log start (a group commit
   * persists a dirty epoch cache at any moment).
   */
  private async epochsFollowLogStart(logStartOffset: number): Promise<void> {
    if (this.logStartOffsetValue < logStartOffset) return; // a full truncation restarted the log meanwhile
    this.epochs.truncateFromStart(logStartOffset);
    if (this.epochs.dirty) await this.epochs.persist();
  }

  private deleteSegmentsBelowLogStart(): void {
    while (this.segments.length > 1 && (this.segments[0] as Segment).nextOffset <= this.logStartOffsetValue) {
      const oldest = this.segments.shift() as Segment;
      this.logger.info({ dir: this.dir, segment: oldest.baseOffset }, 'deleting segment below the log start');
      oldest.deleteFilesSync();
    }
  }

  private writeLogStartCheckpoint(): Promise<void> {
    // Serialized: each write stores the value current when it runs (atomic replace, durable).
    const write = this.checkpointChain.then(() =>
      replaceFile(this.disk, path.join(this.dir, LOG_START_OFFSET_FILE), `0\n${this.logStartOffsetValue}\n`, true),
    );
    this.checkpointChain = write.catch(() => undefined);
    return write;
  }

  // ---------------------------------------------------------------- leader epochs

  /** Records durably that `epoch` starts at `startOffset` (<= log end). */
  async assignEpochStart(epoch: number, startOffset: number): Promise<void> {
    this.checkWritable();
    assert(startOffset <= this.logEndOffsetValue, `epoch ${epoch} cannot start beyond the log end`);
    if (this.epochs.assign(epoch, startOffset)) this.changeGeneration++;
    await this.epochs.persist();
  }

  /** OffsetForLeaderEpoch: largest epoch <= `epoch` and where the next epoch starts (LEO for the newest). */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } {
    return this.epochs.endOffsetFor(epoch, this.logEndOffsetValue);
  }

  /** The checkpoint entries, oldest first. */
  epochEntries(): readonly { epoch: number; startOffset: number }[] {
    return this.epochs.all;
  }

  // ---------------------------------------------------------------- producer state

  /** Last batch recorded for an idempotent producer (tests, DescribeProducers). */
  producerLastBatch(producerId: number): ReturnType<ProducerStateManager['lastBatch']> {
    return this.producers.lastBatch(producerId);
  }

  private async rebuildProducerState(snapshotText: string | null): Promise<void> {
    this.producers.clear();
    let from = this.logStartOffsetValue;
    /** Batches starting below this are in the snapshot (a batch boundary: the log end when it was taken). */
    let snapshotOffset = 0;
    const candidate =
      snapshotText ??
      (this.producerSnapshot && this.producerSnapshot.offset <= this.logEndOffsetValue
        ? this.producerSnapshot.text
        : null);
    if (candidate !== null) {
      const offset = this.producers.restore(candidate);
      if (offset !== null && offset <= this.logEndOffsetValue) {
        snapshotOffset = offset;
        from = Math.max(offset, this.logStartOffsetValue);
      } else {
        this.producers.clear();
      }
    }
    const end = this.logEndOffsetValue;
    // The batch holding the log start counts too (DeleteRecords may have cut inside it).
    await this.forEachBatchFrom(from, (header) => {
      if (header.baseOffset >= end) return false;
      if (header.baseOffset >= snapshotOffset) this.producers.applyStored(header, header.baseOffset);
      return true;
    });
    this.producerSnapshot = { offset: end, text: this.producers.serialize(end) };
  }

  // ---------------------------------------------------------------- close

  /** Flushes, writes index files, the producer snapshot and the clean-shutdown marker; closes fds. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true; // appends are refused from here; reads still work until the fds close
    if (!this.failure) {
      try {
        await this.flush();
        await this.groupCommit.idle();
      } catch (err) {
        this.logger.error({ dir: this.dir, err }, 'final flush failed');
      }
    }
    this.closed = true;
    await this.checkpointChain;
    if (!this.failure) {
      try {
        for (const segment of this.segments) if (!segment.indexesPersisted) await segment.persistIndexes();
        const active = this.active;
        await this.writeProducerSnapshotFile(this.producers.serialize(this.logEndOffsetValue), false);
        const marker: CleanShutdownMarker = {
          version: 1,
          activeBaseOffset: active.baseOffset,
          activeSizeBytes: active.sizeBytes,
          logEndOffset: this.logEndOffsetValue,
        };
        await replaceFile(this.disk, path.join(this.dir, CLEAN_SHUTDOWN_FILE), JSON.stringify(marker), true);
      } catch (err) {
        this.logger.warn({ dir: this.dir, err }, 'clean-shutdown files not written; the next open scans the tail');
      }
    }
    for (const segment of this.segments) segment.close();
  }

  /** Closes without flushing and removes the directory (topic deletion). */
  async delete(): Promise<void> {
    this.closed = true;
    await this.checkpointChain;
    for (const segment of this.segments) segment.close();
    await this.disk.removeTree(this.dir);
  }
}

function parseLogStartOffset(text: string | null): number | null {
  if (text === null) return null;
  const lines = text.split('\n');
  const value = Number(lines[1]);
  return lines[0] === '0' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}
