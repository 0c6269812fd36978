// Where a partition log starts, and what moves it: DeleteRecords (to any offset up to the log end)
// and retention (whole inactive segments, oldest first, by age or total size). The log start is
// kept in `log-start-offset-checkpoint`, replaced atomically and durably before anything depends
// on it: the leader-epoch checkpoint follows it only once it is durable, and segments below it are
// deleted after it.
import path from 'node:path';
import type { Logger } from '../common/index.js';
import type { Disk } from './disk.js';
import type { SerialWrites } from './file-io.js';
import type { LeaderEpochCache } from './leader-epoch-cache.js';
import { appliesRetention, type LogConfig } from './log-config.js';
import type { LogSegments } from './log-segments.js';
import type { Segment } from './segment.js';

export const LOG_START_OFFSET_FILE = 'log-start-offset-checkpoint';

/** The checkpointed log start, or null when there is none (or it is damaged: the segments decide). */
export async function readLogStartCheckpoint(disk: Disk, dir: string): Promise<number | null> {
  const text = (await disk.readFile(path.join(dir, LOG_START_OFFSET_FILE)))?.toString('utf8');
  if (text === undefined) return null;
  const lines = text.split('\n');
  const value = Number(lines[1]);
  return lines[0] === '0' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

export class LogRetention {
  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
    private readonly segments: LogSegments,
    private readonly epochs: LeaderEpochCache,
    private readonly writes: SerialWrites,
  ) {}

  /** DeleteRecords: moves the log start (<= the log end: the caller checked) durably, then deletes what is below. */
  async deleteRecordsBefore(offset: number): Promise<void> {
    if (offset <= this.segments.logStartOffset) return;
    this.segments.moveLogStart(offset);
    await this.writeCheckpoint();
    await this.epochsFollowLogStart(offset);
    this.segments.deleteBelowLogStart();
  }

  /**
   * Deletes whole inactive segments, oldest first, while the oldest is past retentionMs (by its
   * largest timestamp) or the log exceeds retentionBytes; only when cleanup.policy includes
   * delete. Only segments entirely below `highWatermark` are eligible. Returns how many were deleted.
   */
  async apply(nowMs: number, highWatermark: number, config: LogConfig): Promise<number> {
    const { retentionMs, retentionBytes } = config;
    // cleanup.policy=compact alone keeps every key's latest record however old: no retention.
    if (!appliesRetention(config) || (retentionMs < 0 && retentionBytes < 0)) return 0;
    let totalBytes = this.segments.sizeBytes;
    let deleted = 0;
    // Bounded by the number of segments; the active one always stays.
    while (this.segments.all.length > 1) {
      const oldest = this.segments.all[0] as Segment;
      if (oldest.nextOffset > highWatermark) break;
      const newestMs = oldest.maxTimestamp >= 0 ? oldest.maxTimestamp : oldest.lastModifiedMs;
      const byTime = retentionMs >= 0 && nowMs - newestMs > retentionMs;
      const bySize = retentionBytes >= 0 && totalBytes - oldest.sizeBytes >= retentionBytes;
      if (!byTime && !bySize) break;
      this.logger.info({ dir: this.dir, segment: oldest.baseOffset, byTime, bySize }, 'retention deleting segment');
      this.segments.deleteOldest();
      totalBytes -= oldest.sizeBytes;
      deleted++;
    }
    if (deleted > 0) {
      const logStartOffset = this.segments.logStartOffset;
      await this.writeCheckpoint();
      await this.epochsFollowLogStart(logStartOffset);
    }
    return deleted;
  }

  /** Durably records the log start as it is when the write runs (serialized with the other small files). */
  writeCheckpoint(): Promise<void> {
    return this.writes.replace(
      path.join(this.dir, LOG_START_OFFSET_FILE),
      () => `0\n${this.segments.logStartOffset}\n`,
      true,
    );
  }

  /**
   * Moves the epoch checkpoint's first entry up to a log start that is already durable: written
   * before it, a crash could leave epochs starting above the recovered log start (a group commit
   * persists a dirty epoch cache at any moment).
   */
  private async epochsFollowLogStart(logStartOffset: number): Promise<void> {
    if (this.segments.logStartOffset < logStartOffset) return; // a full truncation restarted the log meanwhile
    this.epochs.truncateFromStart(logStartOffset);
    if (this.epochs.dirty) await this.epochs.persist();
  }
}
