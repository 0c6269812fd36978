// The log of one partition replica: the facade the rest of Brook uses. Its parts, each with one
// reason to change: admitting leader and follower batches (log-append.ts), the segments and their
// rolls (log-segments.ts), group commit and the flush
// policy (log-flush.ts), reads for fetch (log-read.ts) and by time (log-timestamps.ts), the log
// start with retention and DeleteRecords (log-retention.ts), truncation (log-truncation.ts), leader
// epochs (log-epochs.ts), the producer state, idempotence and transactions (producer-state.ts,
// producer-snapshots.ts), the aborted-transaction index of each segment (txn-index.ts), whether
// the log may be written (log-health.ts), and recovery at open (log-loader.ts).
//
// Concurrency model: appends are synchronous (writeSync into the page cache), so offsets are
// assigned in call order with no locks. Everything that waits on the disk (flush, reads, scans) is
// async and holds a reference on the segments it touches. truncateTo is the one operation that
// must not overlap appends; the replication layer calls it on followers only (asserted).
//
// Invariants, asserted where they must hold: logStartOffset <= logEndOffset (log-segments.ts),
// durableEndOffset <= logEndOffset (log-flush.ts), the log end is the active segment's next offset
// after every append, and a log always has an active segment.
import path from 'node:path';
import { assert, type Clock, ErrorCode, KafkaError, type Logger, systemClock } from '../common/index.js';
import type { Disk } from './disk.js';
import { replaceFile, SerialWrites } from './file-io.js';
import { LeaderEpochCache } from './leader-epoch-cache.js';
import { prepareFollowerAppend, prepareLeaderAppend } from './log-append.js';
import { type LogConfig, makeLogConfig } from './log-config.js';
import { LEADER_EPOCH_FILE, noteBatchEpoch, recoverEpochs } from './log-epochs.js';
import { LogFlusher, type LogStats } from './log-flush.js';
import { LogHealth } from './log-health.js';
import { CLEAN_SHUTDOWN_FILE, type CleanShutdownMarker, type LoadResult, loadSegments } from './log-loader.js';
import { type LogReadResult, readLog } from './log-read.js';
import { LogRetention, readLogStartCheckpoint } from './log-retention.js';
import { LogSegments } from './log-segments.js';
import { type TimestampOffset, findMaxTimestampOffset, findOffsetForTimestamp } from './log-timestamps.js';
import { LogTruncation } from './log-truncation.js';
import { nodeDisk } from './node-disk.js';
import { ProducerSnapshots } from './producer-snapshots.js';
import type {
  AppendOrigin,
  ProducerDescription,
  ProducerStateManager,
  TransactionStartRule,
  VerificationGuard,
} from './producer-state.js';
import { type BatchPlacement, Segment } from './segment.js';
import type { AbortedTxn } from './txn-index.js';
import { StructureLock } from './structure-lock.js';
import { CleanerCheckpoint } from './cleaner/cleaner-checkpoint.js';
import type { CleanableRange } from './cleaner/cleanable-range.js';
import { type CleanableBound, LogCompaction, type PassContext, type PassResult } from './cleaner/log-compaction.js';

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

export interface LeaderAppendOptions {
  /** The broker time to stamp with LogAppendTime (default: the clock). */
  readonly logAppendTime?: number;
  /** A client's produce (default) or a coordinator of this broker (markers, transactional offsets). */
  readonly origin?: AppendOrigin;
  /** How a client's transactional batch may open a transaction here (default 'sequence'). */
  readonly startRule?: TransactionStartRule;
  /** With startRule 'verified': the guard of the verification that cleared the batch. */
  readonly verificationGuard?: VerificationGuard | null;
}

export type { CleanableBound, LogReadResult, LogStats, TimestampOffset };

export class PartitionLog {
  private readonly health: LogHealth;
  private readonly segments: LogSegments;
  private readonly flusher: LogFlusher;
  private readonly producers: ProducerSnapshots;
  private readonly retention: LogRetention;
  private readonly truncation: LogTruncation;
  private readonly compaction: LogCompaction;
  /** Swaps, retention, DeleteRecords, truncation and close change segment files one at a time. */
  private readonly lock = new StructureLock();

  private constructor(
    /** The disk the log lives on; files kept beside it (replication's sealed epoch) use it too. */
    readonly disk: Disk,
    readonly dir: string,
    private config: LogConfig,
    private readonly logger: Logger,
    private readonly clock: Clock,
    segments: Segment[],
    private readonly epochs: LeaderEpochCache,
    pageCacheRetainBytes: number,
    /** Small files (log-start checkpoint, producer snapshots, cleaner checkpoint) replaced in call order. */
    private readonly writes: SerialWrites,
    private readonly cleanerCheckpoint: CleanerCheckpoint,
  ) {
    this.health = new LogHealth(dir, logger);
    this.segments = new LogSegments(disk, dir, logger, this.health, segments);
    this.flusher = new LogFlusher(dir, logger, clock, this.segments, epochs, this.health, pageCacheRetainBytes);
    this.producers = new ProducerSnapshots(dir, logger, this.segments, this.writes);
    this.retention = new LogRetention(dir, logger, this.segments, epochs, this.writes);
    this.truncation = new LogTruncation({
      dir,
      logger,
      clock,
      health: this.health,
      segments: this.segments,
      flusher: this.flusher,
      epochs,
      producers: this.producers,
      retention: this.retention,
    });
    this.compaction = new LogCompaction({
      disk,
      dir,
      logger,
      clock,
      health: this.health,
      segments: this.segments,
      producers: this.producers.state,
      lock: this.lock,
      checkpoint: cleanerCheckpoint,
      config: () => this.config,
      epochStartOffsets: () => this.epochs.all.map((entry) => entry.startOffset),
    });
  }

  // ---------------------------------------------------------------- open and close

  /** Opens (recovers) the log in `dir`, creating it when absent. */
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
    const checkpointStart = await readLogStartCheckpoint(disk, dir);
    const { cache: epochs, damage: epochDamage } = await LeaderEpochCache.load(disk, path.join(dir, LEADER_EPOCH_FILE));
    const writes = new SerialWrites(disk);
    const cleanerCheckpoint = await CleanerCheckpoint.load(disk, dir, writes);
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
      options.pageCacheRetainBytes ?? -1,
      writes,
      cleanerCheckpoint,
    );
    // The files found here may be entries a crashed process created and never made durable (it
    // died before its directory fsync): the flush at the end of the open fsyncs the directory.
    log.segments.dirDirty = true;
    try {
      await log.recover(loaded, checkpointStart, epochDamage);
    } catch (err) {
      log.segments.closeAll();
      throw err;
    }
    return log;
  }

  /** Brings the loaded segments, the checkpoints and the producer state into agreement. */
  private async recover(loaded: LoadResult, checkpointStart: number | null, epochDamage: string | null): Promise<void> {
    const { segments, logger, dir } = this;
    const logStartOffset = Math.max(checkpointStart ?? 0, segments.logStartOffset);
    if (logStartOffset > segments.logEndOffset) {
      // Recovery cut below a log start that DeleteRecords had moved: nothing readable is left.
      logger.warn(
        { dir, logStartOffset, logEndOffset: segments.logEndOffset },
        'log start beyond recovered log end; starting empty',
      );
      segments.resetToEmptyAt(logStartOffset, this.clock.now());
    } else {
      segments.moveLogStart(logStartOffset);
    }
    segments.deleteBelowLogStart();
    await recoverEpochs(this.epochs, epochDamage, loaded.epochStarts, segments, logger, dir);
    const rebuilding = segments.all.filter((segment) => segment.txnIndexNeedsRebuild);
    const producerReplayFrom = await this.producers.rebuild(
      await ProducerSnapshots.read(this.disk, dir),
      rebuilding[0]?.baseOffset ?? Infinity,
    );
    if (checkpointStart !== segments.logStartOffset) await this.retention.writeCheckpoint();
    // Whatever recovery kept may sit only in the page cache of the process that crashed: sync it
    // once so that durableEndOffset == logEndOffset from here on.
    await this.flush();
    assert(this.durableEndOffset === segments.logEndOffset, 'an opened log is durable to its end');
    // Inactive segments whose other index files were trusted get their rebuilt txn index now (the
    // flush wrote the files of the scanned ones; the active segment's stays in memory).
    for (const segment of rebuilding) {
      if (segment === segments.active || !segment.indexesPersisted) continue;
      await segment.persistTxnIndex().catch((err: unknown) => logger.warn({ dir, err }, 'txn index write failed'));
    }
    // One line per partition at every start: debug, unless recovery cut something (that one matters).
    const level = loaded.truncatedBytes > 0 ? 'info' : 'debug';
    logger[level](
      {
        dir,
        logStartOffset: segments.logStartOffset,
        logEndOffset: segments.logEndOffset,
        segments: segments.all.length,
        cleanShutdown: loaded.cleanShutdown,
        truncatedBytes: loaded.truncatedBytes,
        producerReplayFrom,
      },
      'partition log opened',
    );
  }

  /** Flushes, writes index files, the producer snapshot and the clean-shutdown marker; closes fds. */
  async close(): Promise<void> {
    if (this.health.closed) return;
    this.health.closing = true; // appends are refused from here; reads still work until the fds close
    await this.lock.run(() => this.closeNow()); // after a swap in progress
  }

  private async closeNow(): Promise<void> {
    const { health, segments } = this;
    if (health.closed) return;
    if (!health.failed) {
      try {
        await this.flush();
        await this.flusher.idle();
      } catch (err) {
        this.logger.error({ dir: this.dir, err }, 'final flush failed');
      }
    }
    health.closed = true;
    await this.writes.idle();
    if (!health.failed) {
      try {
        for (const segment of segments.all) if (!segment.indexesPersisted) await segment.persistIndexes();
        await this.producers.writeOnClose();
        const marker: CleanShutdownMarker = {
          version: 1,
          activeBaseOffset: segments.active.baseOffset,
          activeSizeBytes: segments.active.sizeBytes,
          logEndOffset: segments.logEndOffset,
        };
        await replaceFile(this.disk, path.join(this.dir, CLEAN_SHUTDOWN_FILE), JSON.stringify(marker), true);
      } catch (err) {
        this.logger.warn({ dir: this.dir, err }, 'clean-shutdown files not written; the next open scans the tail');
      }
    }
    segments.closeAll();
  }

  /** Closes without flushing and removes the directory (topic deletion). */
  async delete(): Promise<void> {
    this.health.closed = true;
    await this.lock.run(async () => {
      await this.writes.idle();
      this.segments.closeAll();
      await this.disk.removeTree(this.dir);
    });
  }

  // ---------------------------------------------------------------- state

  get logStartOffset(): number {
    return this.segments.logStartOffset;
  }

  /** The next offset to assign. */
  get logEndOffset(): number {
    return this.segments.logEndOffset;
  }

  /** Offsets below this are fdatasync'ed. */
  get durableEndOffset(): number {
    return this.flusher.durableEndOffset;
  }

  /** Newest epoch in the leader-epoch checkpoint, -1 if none. */
  get lastEpoch(): number {
    return this.epochs.lastEpoch;
  }

  get logConfig(): LogConfig {
    return this.config;
  }

  get stats(): LogStats {
    return this.flusher.stats;
  }

  get segmentCount(): number {
    return this.segments.all.length;
  }

  get sizeBytes(): number {
    return this.segments.sizeBytes;
  }

  /** Base offsets of the segments, oldest first (tests, admin). */
  get segmentBaseOffsets(): number[] {
    return this.segments.all.map((s) => s.baseOffset);
  }

  updateConfig(config: LogConfig): void {
    this.config = makeLogConfig(config);
  }

  /** The log saw a storage failure (a failed fsync, say): it refuses writes until it is opened again. */
  get failed(): boolean {
    return this.health.failed;
  }

  // ---------------------------------------------------------------- append

  /**
   * Appends batches a leader validated (validateClientBatch): assigns offsets by rewriting
   * baseOffset and partitionLeaderEpoch in place (and maxTimestamp + CRC with LogAppendTime), checks
   * them against the producer state (idempotence, transactions), writes into the page cache; an
   * ABORT marker enters the txn index of the segment it lands in. Synchronous: offsets follow call
   * order.
   */
  appendAsLeader(batches: Buffer[], leaderEpoch: number, opts: LeaderAppendOptions = {}): LogAppendResult {
    this.health.checkWritable();
    assert(batches.length > 0, 'append needs at least one batch');
    if (leaderEpoch < this.epochs.lastEpoch) {
      throw new KafkaError(
        ErrorCode.FENCED_LEADER_EPOCH,
        `leader epoch ${leaderEpoch} is older than the log's ${this.epochs.lastEpoch}`,
      );
    }
    const baseOffset = this.segments.logEndOffset;
    const logAppendTimeMs =
      this.config.messageTimestampType === 'LogAppendTime' ? (opts.logAppendTime ?? this.clock.now()) : -1;
    const prepared = prepareLeaderAppend(batches, leaderEpoch, baseOffset, this.producers.state, logAppendTimeMs, {
      origin: opts.origin ?? 'client',
      startRule: opts.startRule ?? 'sequence',
      verificationGuard: opts.verificationGuard ?? null,
    });
    if (prepared.duplicate !== null) {
      const { firstOffset, lastOffset } = prepared.duplicate;
      return { baseOffset: firstOffset, lastOffset, logAppendTime: -1, duplicate: true };
    }
    this.appendToSegments(batches, prepared.placements, prepared.messages);
    noteBatchEpoch(this.epochs, leaderEpoch, baseOffset);
    // One append lands in one segment (a roll happens before it), the one whose markers these are.
    for (const aborted of prepared.plan.commit()) this.segments.active.txnIndex.append(aborted);
    return {
      baseOffset,
      lastOffset: this.segments.logEndOffset - 1,
      logAppendTime: logAppendTimeMs,
      duplicate: false,
    };
  }

  /**
   * Appends batches received from the leader as they are (offsets included). They follow the log
   * end in order, with gaps where the leader's cleaner removed whole batches, never overlapping;
   * each is checked (header, CRC) since it came over the network.
   */
  appendAsFollower(batches: Buffer[]): { firstOffset: number; lastOffset: number } {
    this.health.checkWritable();
    assert(batches.length > 0, 'append needs at least one batch');
    const firstOffset = this.segments.logEndOffset;
    const append = prepareFollowerAppend(batches, firstOffset);
    this.appendToSegments(batches, append.placements, append.messages);
    append.headers.forEach((header, i) => {
      noteBatchEpoch(this.epochs, header.partitionLeaderEpoch, header.baseOffset);
      const aborted = this.producers.state.applyStored(header, append.markers[i] ?? null, header.baseOffset);
      if (aborted) this.segments.active.txnIndex.append(aborted);
    });
    return { firstOffset, lastOffset: this.segments.logEndOffset - 1 };
  }

  private appendToSegments(batches: readonly Buffer[], placements: readonly BatchPlacement[], messages: number): void {
    const nowMs = this.clock.now();
    let totalBytes = 0;
    for (const batch of batches) totalBytes += batch.length;
    const lastOffset = (placements[placements.length - 1] as BatchPlacement).lastOffset;
    if (this.segments.rollIfDue(totalBytes, lastOffset, this.config, nowMs)) {
      this.flusher.noteChange();
      this.producers.takeAtLogEnd();
    }
    this.segments.appendToActive(batches, placements, this.config.indexIntervalBytes, nowMs);
    this.flusher.noteChange(messages);
  }

  // ---------------------------------------------------------------- flush

  /** True when the produce path must await flush() before an append counts (flush.messages = 1). */
  needsFlushBeforeAck(): boolean {
    return this.flusher.needsFlushBeforeAck(this.config);
  }

  /** Whether the flush policy asks for a flush now (message count or flush.ms reached). */
  flushDue(nowMs: number): boolean {
    return this.flusher.flushDue(nowMs, this.config);
  }

  /** Resolves when every byte appended before the call is durable (group commit). */
  flush(): Promise<void> {
    return this.flusher.flush();
  }

  // ---------------------------------------------------------------- read

  /**
   * Whole batches for a fetch: from the batch CONTAINING fetchOffset, stopping before a batch whose
   * baseOffset >= maxOffset (exclusive, e.g. the high watermark) or before exceeding maxBytes. With
   * minOneBatch (the default) the first batch comes even when larger than maxBytes (KIP-74); without
   * it a first batch that does not fit yields nothing, as for a fetch's later partitions. Never a
   * partial batch. One read per segment touched, returned as views.
   */
  read(
    fetchOffset: number,
    maxBytes: number,
    maxOffset: number,
    options: { readonly minOneBatch?: boolean; readonly pooled?: boolean } = {},
  ): Promise<LogReadResult> {
    if (this.health.closed)
      return Promise.reject(new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `log ${this.dir} is closed`));
    return readLog(this.segments, {
      fetchOffset,
      maxBytes,
      maxOffset,
      minOneBatch: options.minOneBatch ?? true,
      slackBytes: this.config.indexIntervalBytes,
      pooled: options.pooled ?? false,
    });
  }

  /**
   * ListOffsets by time: the first offset (>= logStartOffset) whose record timestamp is >= timestamp,
   * or null. See log-timestamps.ts for the precision. The caller compares it with its high watermark.
   */
  offsetForTimestamp(timestamp: number): Promise<TimestampOffset | null> {
    return findOffsetForTimestamp([...this.segments.all], this.segments.logStartOffset, timestamp);
  }

  /** ListOffsets MAX_TIMESTAMP (-3): the offset of the record with the largest timestamp, or null. */
  maxTimestampOffset(): Promise<TimestampOffset | null> {
    return findMaxTimestampOffset([...this.segments.all], this.segments.logStartOffset);
  }

  // ---------------------------------------------------------------- truncation, retention, DeleteRecords

  /**
   * Durably removes every batch at or after `offset`, and every leader-epoch entry starting at or
   * after it (also when `offset` is the log end); see log-truncation.ts. Followers only: appends
   * must not run concurrently.
   */
  async truncateTo(offset: number): Promise<void> {
    this.health.checkWritable();
    assert(offset >= 0, 'truncation offset must be >= 0');
    await this.lock.run(() => this.truncation.truncateTo(offset, this.config));
    this.cleanerCheckpoint.lowerTo(this.logEndOffset);
  }

  /** Empties the log and restarts it at `offset` (a follower far behind the leader's log start). */
  async truncateFullyAndStartAt(offset: number): Promise<void> {
    this.health.checkWritable();
    await this.lock.run(() => this.truncation.truncateFullyAndStartAt(offset));
    this.cleanerCheckpoint.lowerTo(offset);
  }

  /** DeleteRecords: moves the log start durably and deletes segments entirely below it. */
  async deleteRecordsBefore(offset: number): Promise<void> {
    this.health.checkWritable();
    if (offset > this.logEndOffset || offset < 0) {
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${offset} outside [0, ${this.logEndOffset}]`);
    }
    await this.lock.run(() => this.retention.deleteRecordsBefore(offset));
    this.producers.state.truncateHead(this.logStartOffset);
  }

  /**
   * Retention: deletes whole inactive segments, oldest first, while the oldest is past retentionMs
   * (by its largest timestamp) or the log exceeds retentionBytes. Only segments entirely below
   * `highWatermark` (default: the log end) and below the replica's bound (setCleanableBound) are
   * eligible: above its high watermark a segment may hold a record no other replica has, and retention
   * must not delete it any more than the cleaner may rewrite it. Returns how many were deleted.
   */
  async applyRetention(nowMs: number, highWatermark: number = this.logEndOffset): Promise<number> {
    if (this.health.closed || this.health.failed) return 0;
    const bound = this.compaction.bound?.cleanableEndOffset() ?? highWatermark;
    const deleted = await this.lock.run(() => this.retention.apply(nowMs, Math.min(highWatermark, bound), this.config));
    if (deleted > 0) this.producers.state.truncateHead(this.logStartOffset);
    return deleted;
  }

  // ---------------------------------------------------------------- compaction (cleaner/)

  /**
   * Gives the cleaner its upper bound: offsets at or beyond `bound.cleanableEndOffset()` (the
   * replica's high watermark) are never cleaned. Until one is set nothing is cleaned.
   */
  setCleanableBound(bound: CleanableBound | null): void {
    this.compaction.bound = bound;
  }

  /** The cleanable range and its dirty ratio now; null when the log is not compacted or cannot be cleaned. */
  cleanableRange(nowMs: number): CleanableRange | null {
    if (this.config.cleanupPolicy === 'delete') return null;
    return this.compaction.range(nowMs);
  }

  /** One cleaning pass (LogCleaner calls it); null when there was nothing to do. */
  async clean(context: PassContext, tombstonesOnly = false): Promise<PassResult | null> {
    if (this.config.cleanupPolicy === 'delete') return null;
    return this.compaction.cleanOnce(context, tombstonesOnly);
  }

  /** Where the dirty section starts (the cleaner checkpoint). */
  get cleanedUpToOffset(): number {
    return this.cleanerCheckpoint.offset;
  }

  // ---------------------------------------------------------------- leader epochs

  /** Records durably that `epoch` starts at `startOffset` (<= log end). */
  async assignEpochStart(epoch: number, startOffset: number): Promise<void> {
    this.health.checkWritable();
    assert(startOffset <= this.logEndOffset, `epoch ${epoch} cannot start beyond the log end`);
    if (this.epochs.assign(epoch, startOffset)) this.flusher.noteChange();
    await this.epochs.persist();
  }

  /** OffsetForLeaderEpoch: largest epoch <= `epoch` and where the next epoch starts (LEO for the newest). */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } {
    return this.epochs.endOffsetFor(epoch, this.logEndOffset);
  }

  /** The checkpoint entries, oldest first. */
  epochEntries(): readonly { epoch: number; startOffset: number }[] {
    return this.epochs.all;
  }

  // ---------------------------------------------------------------- producer state

  /** Last batch recorded for an idempotent producer (tests, DescribeProducers). */
  producerLastBatch(producerId: number): ReturnType<ProducerStateManager['lastBatch']> {
    return this.producers.state.lastBatch(producerId);
  }

  /** Every producer the partition tracks (DescribeProducers). */
  describeProducers(): ProducerDescription[] {
    return this.producers.state.describe();
  }

  /** The open transaction of `producerId` on this partition: its first offset and epoch, or null. */
  ongoingTransaction(producerId: number): { firstOffset: number; producerEpoch: number } | null {
    return this.producers.state.ongoingTransaction(producerId);
  }

  /** Whether a transactional batch of this producer and epoch would open a transaction here. */
  transactionStartsHere(producerId: number, producerEpoch: number): boolean {
    return this.producers.state.needsVerification(producerId, producerEpoch);
  }

  /** KIP-890: the guard to hold while the coordinator verifies (see ProducerStateManager). */
  startTransactionVerification(producerId: number): VerificationGuard {
    return this.producers.state.startVerification(producerId);
  }

  /**
   * The start of the earliest transaction still open, or ended by a marker the high watermark has
   * not passed (`onHighWatermark`); null when none. The last stable offset is the lower of it and
   * the high watermark.
   */
  get firstUnstableOffset(): number | null {
    return this.producers.state.firstUnstableOffset;
  }

  /** The replica's high watermark moved: transactions whose marker lies below it become stable. */
  onHighWatermark(highWatermark: number): void {
    this.producers.state.onHighWatermark(highWatermark);
  }

  /**
   * The aborted transactions a read_committed fetch of [fetchOffset, upperBoundOffset) must be told
   * of, from the segments' txn indexes (Kafka's collectAbortedTransactions): every segment from
   * the one holding fetchOffset, until an entry shows that every transaction starting below the
   * bound had ended. No log bytes are read.
   */
  abortedTransactions(fetchOffset: number, upperBoundOffset: number): AbortedTxn[] {
    const found: AbortedTxn[] = [];
    const all = this.segments.all;
    for (let i = this.segments.indexFor(fetchOffset); i < all.length; i++) {
      const search = (all[i] as Segment).txnIndex.collect(fetchOffset, upperBoundOffset);
      found.push(...search.found);
      if (search.complete) break;
    }
    return found;
  }
}
