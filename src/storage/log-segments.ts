// The segments of one partition log, oldest first, and the offsets they span: the log start
// (DeleteRecords and retention move it, past whole segments or into one) and the log end (the
// next offset to assign: the active segment's next offset once an append is done). Rolls a new
// active segment by size, age or offset range, deletes segments, empties the log. A change of
// directory entries (a segment created or deleted) is recorded in `dirDirty` for the next flush
// to make durable with a directory fsync.
import { assert, ErrorCode, KafkaError, type Logger } from '../common/index.js';
import type { Disk } from './disk.js';
import type { LogConfig } from './log-config.js';
import type { LogHealth } from './log-health.js';
import { type BatchHeader, lastOffsetOf } from './record-batch.js';
import { type BatchPlacement, Segment } from './segment.js';
import { scanSegment } from './segment-scan.js';

/** Offsets in a segment are int32 relative to its base (the offset index's format). */
const INT32_MAX = 0x7fffffff;

export class LogSegments {
  /** A directory entry changed since the last directory fsync. */
  dirDirty = false;
  private segments: Segment[];
  private logStartOffsetValue: number;
  private logEndOffsetValue: number;

  constructor(
    private readonly disk: Disk,
    private readonly dir: string,
    private readonly logger: Logger,
    private readonly health: LogHealth,
    segments: Segment[],
  ) {
    assert(segments.length > 0, 'a log always has an active segment');
    this.segments = segments;
    this.logStartOffsetValue = (segments[0] as Segment).baseOffset;
    this.logEndOffsetValue = this.active.nextOffset;
  }

  get logStartOffset(): number {
    return this.logStartOffsetValue;
  }

  /** The next offset to assign. */
  get logEndOffset(): number {
    return this.logEndOffsetValue;
  }

  get active(): Segment {
    return this.segments[this.segments.length - 1] as Segment;
  }

  /** Oldest first; the last is the active segment. */
  get all(): readonly Segment[] {
    return this.segments;
  }

  get sizeBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.sizeBytes, 0);
  }

  /** Moves the log start to `offset` (DeleteRecords, retention, recovery): within the log, never back. */
  moveLogStart(offset: number): void {
    assert(offset <= this.logEndOffsetValue, `log start ${offset} beyond the log end ${this.logEndOffsetValue}`);
    assert(offset >= this.logStartOffsetValue, `log start ${offset} below ${this.logStartOffsetValue}`);
    this.logStartOffsetValue = offset;
  }

  /** Index of the segment holding `offset`: the last one whose base is <= offset (0 if none). */
  indexFor(offset: number): number {
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

  /**
   * Visits every batch header from the batch containing `fromOffset` to the log end; false stops.
   * With `controlBatches` the bytes of control batches come too (null for every other batch).
   */
  async forEachBatchFrom(
    fromOffset: number,
    visit: (header: BatchHeader, segment: Segment, position: number, batch: Buffer | null) => boolean | void,
    controlBatches = false,
  ): Promise<void> {
    for (const segment of this.segments.slice(this.indexFor(fromOffset))) {
      if (segment.nextOffset <= fromOffset) continue;
      const position = segment.baseOffset <= fromOffset ? segment.offsetIndex.lookup(fromOffset).position : 0;
      let stopped = false;
      await scanSegment(
        segment,
        { fromPosition: position, verifyCrc: false, minBaseOffset: segment.baseOffset, controlBatches },
        (header, at, batch) => {
          if (lastOffsetOf(header) < fromOffset) return true;
          if (visit(header, segment, at, batch) === false) {
            stopped = true;
            return false;
          }
          return true;
        },
      );
      if (stopped) return;
    }
  }

  /**
   * Starts a new active segment at the log end when the next append (`appendBytes`, ending at
   * `lastOffset`) would overgrow segment.bytes, the active one reached segment.ms, or the offsets
   * would leave its int32 range. Returns whether it rolled.
   */
  rollIfDue(appendBytes: number, lastOffset: number, config: LogConfig, nowMs: number): boolean {
    const active = this.active;
    if (active.isEmpty) return false;
    const due =
      active.sizeBytes + appendBytes > config.segmentBytes ||
      nowMs - active.createdMs >= config.segmentMs ||
      lastOffset - active.baseOffset > INT32_MAX;
    if (!due) return false;
    active.seal();
    let segment: Segment;
    try {
      segment = Segment.create(this.disk, this.dir, this.logEndOffsetValue, nowMs);
    } catch (err) {
      throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `cannot roll ${this.dir}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    assert(segment.baseOffset === active.nextOffset, 'a rolled segment starts where the last one ends');
    this.segments.push(segment);
    this.dirDirty = true;
    this.logger.debug({ dir: this.dir, baseOffset: segment.baseOffset }, 'rolled segment');
    return true;
  }

  /**
   * Writes whole batches at the end of the active segment (into the page cache) and moves the log
   * end past them. A write that fails and cannot be undone fails the log (a partial batch stays).
   */
  appendToActive(
    batches: readonly Buffer[],
    placements: readonly BatchPlacement[],
    indexIntervalBytes: number,
    nowMs: number,
  ): void {
    const active = this.active;
    const last = placements[placements.length - 1] as BatchPlacement;
    // A follower copying a compacted range may find offsets missing before a batch, never overlapping.
    assert((placements[0] as BatchPlacement).baseOffset >= this.logEndOffsetValue, 'appends start at the log end');
    try {
      active.append(batches, placements, indexIntervalBytes);
    } catch (err) {
      if (active.broken) throw this.health.fail(err);
      throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `append to ${this.dir} failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    active.lastModifiedMs = nowMs;
    this.logEndOffsetValue = last.lastOffset + 1;
    assert(this.logEndOffsetValue === active.nextOffset, 'log end offset follows the active segment');
  }

  /** After the active segment was cut (truncation): the log end follows it down. */
  endAtActive(): void {
    const end = this.active.nextOffset;
    assert(end <= this.logEndOffsetValue, 'a cut moves the log end back');
    assert(end >= this.logStartOffsetValue, 'a cut keeps the log start within the log');
    this.logEndOffsetValue = end;
  }

  /**
   * Deletes the segments after the one at `index` (truncation), newest first, so that a crash
   * midway leaves a shorter log, never one with a hole. Returns how many went.
   */
  deleteAfter(index: number): number {
    const later = this.segments.splice(index + 1);
    for (const segment of later.reverse()) segment.deleteFilesSync();
    if (later.length > 0) this.dirDirty = true;
    return later.length;
  }

  /** Deletes every segment and starts an empty one at `offset`, where the log now starts and ends. */
  resetToEmptyAt(offset: number, nowMs: number): void {
    // Newest first: a crash midway leaves a prefix of the old log, never one with a hole.
    for (const segment of [...this.segments].reverse()) segment.deleteFilesSync();
    this.segments = [Segment.create(this.disk, this.dir, offset, nowMs)];
    this.dirDirty = true;
    this.logStartOffsetValue = offset;
    this.logEndOffsetValue = offset;
  }

  /**
   * Puts `replacement` (a cleaned segment over the same offsets) in place of the consecutive
   * inactive segments `sources`, in one synchronous step: reads that start after it see the new
   * segment; reads holding an old one finish on it (its fd stays open until released). False,
   * and nothing changed, when the sources are no longer there as they were (retention,
   * truncation or a restart of the log came first).
   */
  replaceRange(sources: readonly Segment[], replacement: Segment): boolean {
    const first = sources[0];
    const last = sources[sources.length - 1];
    if (first === undefined || last === undefined) return false;
    const at = this.segments.indexOf(first);
    if (at < 0 || at + sources.length >= this.segments.length) return false; // never the active one
    for (let i = 0; i < sources.length; i++) if (this.segments[at + i] !== sources[i]) return false;
    assert(replacement.baseOffset === first.baseOffset, 'a cleaned segment starts where its first source does');
    assert(replacement.nextOffset === last.nextOffset, 'a cleaned segment ends where its last source does');
    this.segments.splice(at, sources.length, replacement);
    return true;
  }

  /** Deletes the oldest segment (retention); the log start moves to the next one's base if beyond. */
  deleteOldest(): Segment {
    assert(this.segments.length > 1, 'the active segment is never deleted by retention');
    const oldest = this.segments.shift() as Segment;
    oldest.deleteFilesSync();
    this.dirDirty = true;
    const next = this.segments[0] as Segment;
    if (next.baseOffset > this.logStartOffsetValue) this.logStartOffsetValue = next.baseOffset;
    return oldest;
  }

  /** Deletes the inactive segments that lie wholly below the log start. */
  deleteBelowLogStart(): void {
    while (this.segments.length > 1 && (this.segments[0] as Segment).nextOffset <= this.logStartOffsetValue) {
      const oldest = this.segments.shift() as Segment;
      this.logger.info({ dir: this.dir, segment: oldest.baseOffset }, 'deleting segment below the log start');
      oldest.deleteFilesSync();
      this.dirDirty = true;
    }
  }

  /** Makes the directory's entries durable (the changes made before the call). */
  async syncDirectory(): Promise<void> {
    const wasDirty = this.dirDirty;
    this.dirDirty = false;
    try {
      await this.disk.fsyncDir(this.dir);
    } catch (err) {
      this.dirDirty ||= wasDirty;
      throw err;
    }
  }

  /** Closes every descriptor once no reader holds it. */
  closeAll(): void {
    for (const segment of this.segments) segment.close();
  }
}
