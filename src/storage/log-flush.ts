// Group commit and the flush policy of one partition log. `flush()` resolves once every byte
// appended before the call is fdatasync'ed, and concurrent callers share fsyncs (group-commit.ts:
// one round runs, the next covers every caller that arrived meanwhile). A round syncs the dirty
// segments, then the directory when entries changed, then the leader-epoch checkpoint; only then
// does the durable end move. With the default policy (flush.messages = 1) the produce path awaits
// flush() before an append counts (`needsFlushBeforeAck`); with a relaxed one there is no timer in
// here: the owner asks `flushDue(now)` after appends and on its own tick.
import { assert, type Clock, type Logger } from '../common/index.js';
import { GroupCommit } from './group-commit.js';
import type { LeaderEpochCache } from './leader-epoch-cache.js';
import type { LogConfig } from './log-config.js';
import type { LogHealth } from './log-health.js';
import type { LogSegments } from './log-segments.js';

export interface LogStats {
  /** fdatasync calls on segment files. */
  fsyncs: number;
  /** Group-commit rounds (each covers every flush() caller waiting when it started). */
  flushes: number;
}

export class LogFlusher {
  readonly stats: LogStats = { fsyncs: 0, flushes: 0 };
  /** Bumped by every change that needs an fsync to be durable; rounds record the one they cover. */
  private changeGeneration = 1;
  private readonly groupCommit = new GroupCommit(
    () => this.changeGeneration,
    () => this.syncOnce(),
  );
  private durableEndOffsetValue = 0;
  /** Rounds in flight and the log end each may vouch for (lowered when the log end moves back). */
  private readonly rounds = new Set<{ endOffset: number }>();
  private unflushedMessages = 0;
  private lastFlushMs: number;

  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly segments: LogSegments,
    private readonly epochs: LeaderEpochCache,
    private readonly health: LogHealth,
    private readonly pageCacheRetainBytes: number,
  ) {
    this.lastFlushMs = clock.now();
  }

  /** Offsets below this are fdatasync'ed. */
  get durableEndOffset(): number {
    return this.durableEndOffsetValue;
  }

  /** Something changed that a flush must make durable; `messages` appended records count for flush.messages. */
  noteChange(messages = 0): void {
    this.changeGeneration++;
    this.unflushedMessages += messages;
  }

  /** The log end moved back to `offset` (truncation, emptying): what was durable beyond it is gone. */
  logEndMovedBack(offset: number): void {
    this.durableEndOffsetValue = Math.min(this.durableEndOffsetValue, offset);
    // A round in flight synced bytes that are gone beyond `offset`; what is appended there next is not its.
    for (const round of this.rounds) round.endOffset = Math.min(round.endOffset, offset);
    this.changeGeneration++;
  }

  /** True when the produce path must await flush() before an append counts (flush.messages = 1). */
  needsFlushBeforeAck(config: LogConfig): boolean {
    return config.flushMessages <= 1;
  }

  /** Whether the flush policy asks for a flush now (message count or flush.ms reached). */
  flushDue(nowMs: number, config: LogConfig): boolean {
    if (this.unflushedMessages === 0) return false;
    if (this.unflushedMessages >= config.flushMessages) return true;
    return config.flushMs >= 0 && nowMs - this.lastFlushMs >= config.flushMs;
  }

  /** Resolves when every byte appended before the call is durable (group commit). */
  flush(): Promise<void> {
    const failed = this.health.failedError();
    if (failed !== null) return Promise.reject(failed);
    return this.groupCommit.request();
  }

  /** Waits until no round runs or is queued. */
  idle(): Promise<void> {
    return this.groupCommit.idle();
  }

  /** One group-commit round: syncs every dirty segment, the directory and the epoch checkpoint. */
  private async syncOnce(): Promise<void> {
    // A caller queued behind a failed round must not be told its bytes are durable: the disk may
    // have dropped the failed round's writes even if this fsync succeeds.
    const failed = this.health.failedError();
    if (failed !== null) throw failed;
    const round = { endOffset: this.segments.logEndOffset };
    this.rounds.add(round);
    try {
      await this.syncRound(round);
    } finally {
      this.rounds.delete(round);
    }
  }

  private async syncRound(round: { endOffset: number }): Promise<void> {
    this.unflushedMessages = 0;
    this.lastFlushMs = this.clock.now();
    this.stats.flushes++;
    const dirty = this.segments.all.filter((s) => s.sizeBytes > s.syncedSizeBytes);
    try {
      await Promise.all(
        dirty.map(async (segment) => {
          this.stats.fsyncs++;
          await segment.sync(this.pageCacheRetainBytes);
        }),
      );
      if (this.segments.dirDirty) await this.segments.syncDirectory();
      // Unconditionally: a persist already in flight (assignEpochStart's) has cleared `dirty` but is
      // not durable yet, and the index files written below must not outlive the entries they rely
      // on (recovery trusts a segment with index files and does not rescan it for its epochs).
      await this.epochs.persist();
    } catch (err) {
      throw this.health.fail(err);
    }
    if (round.endOffset > this.durableEndOffsetValue) this.durableEndOffsetValue = round.endOffset;
    assert(this.durableEndOffsetValue <= this.segments.logEndOffset, 'the durable end never passes the log end');
    // Inactive segments now durable get their index files (see log-loader.ts for why only now).
    for (const segment of this.segments.all.slice(0, -1)) {
      if (segment.indexesPersisted || segment.indexWritesHeld || segment.syncedSizeBytes < segment.sizeBytes) continue;
      await segment
        .persistIndexes()
        .catch((err: unknown) => this.logger.warn({ dir: this.dir, err }, 'index write failed'));
    }
  }
}
