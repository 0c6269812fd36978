// Cutting a partition log back (a follower whose tail diverged from its new leader's) and emptying
// it (a follower far behind the leader's log start). Both are durable before they resolve, and
// ordered so that a crash midway leaves a longer log, never one with a hole: later segments go
// first (newest first), then the cut segment is truncated and synced. Appends must not overlap a
// truncation (the replication layer runs it on followers, in its queue); flushes wait it out.
import { type Clock, type Logger } from '../common/index.js';
import type { LeaderEpochCache } from './leader-epoch-cache.js';
import type { LogConfig } from './log-config.js';
import type { LogFlusher } from './log-flush.js';
import type { LogHealth } from './log-health.js';
import type { LogRetention } from './log-retention.js';
import type { LogSegments } from './log-segments.js';
import type { ProducerSnapshots } from './producer-snapshots.js';
import { lastOffsetOf } from './record-batch.js';
import type { Segment } from './segment.js';
import { scanSegment } from './segment-scan.js';

export interface TruncationParts {
  readonly dir: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly health: LogHealth;
  readonly segments: LogSegments;
  readonly flusher: LogFlusher;
  readonly epochs: LeaderEpochCache;
  readonly producers: ProducerSnapshots;
  readonly retention: LogRetention;
}

export class LogTruncation {
  constructor(private readonly parts: TruncationParts) {}

  /**
   * Durably removes every batch at or after `offset`, and every leader-epoch entry starting at or
   * after it (also when `offset` is the log end). When `offset` falls inside a batch, that whole
   * batch goes too and the log end becomes its base offset (as Kafka's LogSegment.truncateTo). A
   * target at or below the log start, or inside the batch holding it, empties the log and restarts
   * it there.
   */
  async truncateTo(offset: number, config: LogConfig): Promise<void> {
    const { segments, epochs } = this.parts;
    if (offset >= segments.logEndOffset) {
      // No batch to cut, but a marker-only checkpoint entry at the log end (an epoch whose leader
      // wrote nothing the new leader has) must still go, durably (replication's divergence step).
      if (offset === segments.logEndOffset) {
        epochs.truncateFromEnd(offset);
        if (epochs.dirty) await epochs.persist();
      }
      return;
    }
    await this.whileTruncating(async () => {
      if (offset <= segments.logStartOffset) return this.empty(offset);
      const index = segments.indexFor(offset);
      const segment = segments.all[index] as Segment;
      const deleted = this.guard(() => segments.deleteAfter(index));
      if (deleted > 0) await this.guardAsync(() => segments.syncDirectory());
      const cutPosition = await this.rescanUpTo(segment, offset, config.indexIntervalBytes);
      if (segment.nextOffset < segments.logStartOffset) {
        // The batch holding `offset` starts below the log start (DeleteRecords cut inside it): it
        // goes whole, and with it everything readable; the log restarts where that batch began.
        return this.empty(segment.nextOffset);
      }
      await this.cut(segment, cutPosition, offset, deleted > 0);
    });
  }

  /** Empties the log and restarts it at `offset`. */
  truncateFullyAndStartAt(offset: number): Promise<void> {
    return this.whileTruncating(() => this.empty(offset));
  }

  private async whileTruncating(truncation: () => Promise<void>): Promise<void> {
    const { health, flusher } = this.parts;
    health.truncating = true;
    try {
      await flusher.idle();
      await truncation();
    } finally {
      health.truncating = false;
    }
  }

  /** Rebuilds the segment's indexes up to the batch holding `offset`; returns that batch's position. */
  private async rescanUpTo(segment: Segment, offset: number, indexIntervalBytes: number): Promise<number> {
    segment.resetIndexes();
    let cutPosition = segment.sizeBytes;
    await scanSegment(
      segment,
      { fromPosition: 0, verifyCrc: false, minBaseOffset: segment.baseOffset },
      (header, at) => {
        if (lastOffsetOf(header) >= offset) {
          cutPosition = at;
          return false;
        }
        const placement = {
          baseOffset: header.baseOffset,
          lastOffset: lastOffsetOf(header),
          maxTimestamp: header.maxTimestamp,
          sizeBytes: header.sizeBytes,
        };
        segment.noteBatch(placement, at, indexIntervalBytes);
        return true;
      },
    );
    return cutPosition;
  }

  private async cut(segment: Segment, cutPosition: number, requested: number, deletedLater: boolean): Promise<void> {
    const { segments, flusher, epochs, producers, logger, dir } = this.parts;
    const removedBytes = segment.sizeBytes - cutPosition;
    const previousEnd = segments.logEndOffset;
    await this.guardAsync(async () => {
      segment.truncateSync(cutPosition);
      segments.endAtActive();
      // The aborts whose markers were cut go from the segment's txn index (the rescan rebuilt the others').
      segment.txnIndex.truncateTo(segment.nextOffset);
      flusher.logEndMovedBack(segments.logEndOffset);
      await segment.sync();
      if (deletedLater || segment.indexesPersisted) {
        segment.removeIndexFilesSync(); // it is the active segment again
        await segments.syncDirectory();
      }
    });
    epochs.truncateFromEnd(segments.logEndOffset);
    if (epochs.dirty) await epochs.persist();
    await producers.rebuild(null);
    await producers.writeLatestDurably();
    logger.info({ dir, requested, logEndOffset: segments.logEndOffset, previousEnd, removedBytes }, 'log truncated');
  }

  private async empty(offset: number): Promise<void> {
    const { segments, flusher, epochs, producers, retention, clock, logger, dir } = this.parts;
    await this.guardAsync(async () => {
      segments.resetToEmptyAt(offset, clock.now());
      flusher.logEndMovedBack(offset);
      await segments.syncDirectory();
    });
    epochs.clear();
    await epochs.persist();
    await retention.writeCheckpoint();
    await producers.reset(offset);
    logger.info({ dir, offset }, 'log emptied and restarted');
  }

  /** A failure while files are half changed fails the log: only a reopen's recovery can vouch for them. */
  private guard<T>(step: () => T): T {
    try {
      return step();
    } catch (err) {
      throw this.parts.health.fail(err);
    }
  }

  private async guardAsync(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (err) {
      throw this.parts.health.fail(err);
    }
  }
}
