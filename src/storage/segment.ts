// One segment: `<20-digit base offset>.log` with its sparse offset and time indexes. Appends are
// synchronous positional writes into the page cache; reads are async positional reads. The fd is
// reference counted so a read or fsync in flight never touches a closed (and maybe reused) fd.
import path from 'node:path';
import { assert } from '../common/index.js';
import type { Disk } from './disk.js';
import { replaceFile, unlinkIfExistsSync } from './file-io.js';
import { OffsetIndex } from './offset-index.js';
import { TimeIndex } from './time-index.js';
import { TxnIndex } from './txn-index.js';

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
export const TXN_INDEX_SUFFIX = '.txnindex';
/** A segment the cleaner is writing beside the ones it replaces (Kafka's suffix); removed at open. */
export const CLEANED_SUFFIX = '.log.cleaned';
/** A cleaned segment being swapped in (Kafka's suffix); the open completes the swap. */
export const SWAP_SUFFIX = '.log.swap';

/**
 * Bytes below the last dropped point advised again at each sync: pages the kernel could not drop
 * yet (still held by a write-back in progress) get another chance. Measured: advising only new
 * ranges left about 40% of each file cached.
 */
const CACHE_DROP_RETRY_BYTES = 4 * 1024 * 1024;

export function segmentFileName(baseOffset: number, suffix: string): string {
  return String(baseOffset).padStart(20, '0') + suffix;
}

/** The base offset named by a segment file, or null for any other file. */
export function parseSegmentFileName(name: string, suffix: string): number | null {
  if (!name.endsWith(suffix)) return null;
  const digits = name.slice(0, -suffix.length);
  if (!/^\d{20}$/.test(digits)) return null;
  const value = Number(digits);
  return Number.isSafeInteger(value) ? value : null;
}

/** What the log knows of a batch once it is in a segment: no bytes, just its place. */
export interface BatchPlacement {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly maxTimestamp: number;
  readonly sizeBytes: number;
}

export class Segment {
  /** Bytes of whole batches in the file; the next append goes here. */
  sizeBytes: number;
  /** Bytes known durable (fdatasync'ed). */
  syncedSizeBytes: number;
  /** One past the last offset in this segment; == baseOffset while empty. */
  nextOffset: number;
  offsetIndex: OffsetIndex;
  timeIndex: TimeIndex;
  /** Aborted transactions whose ABORT marker is in this segment. */
  txnIndex: TxnIndex;
  /**
   * The txn index misses entries (recovery scanned the segment, or its file was missing or
   * damaged): the producer-state replay at open fills it in (PartitionLog).
   */
  txnIndexNeedsRebuild = false;
  bytesSinceLastIndexEntry = 0;
  maxTimestamp = -1;
  offsetOfMaxTimestamp = -1;
  /** The first batch's largest timestamp (-1 when unknown: a segment trusted from its index files). */
  firstBatchTimestamp = -1;
  /** Wall-clock time the segment was created (or the file's birth time after a restart): segment.ms. */
  createdMs: number;
  /** Wall-clock time of the last append (file mtime after a restart): retention of timestamp-less data. */
  lastModifiedMs: number;
  /** Index files on disk describe this (immutable) segment; false while active. */
  indexesPersisted = false;
  /** A failed write could not be undone: the file may hold a partial batch. */
  broken = false;
  /** The cleaner is renaming this segment's files: index files wait until its name is final. */
  indexWritesHeld = false;
  private indexWrite: Promise<void> | null = null;
  /** Cached pages below this were advised to be dropped (see page-cache.ts). */
  private cacheDroppedBelow = 0;
  /** The file's size when this process opened it (cut by truncations): bytes it did not write. */
  private openedSizeBytes: number;
  /** Bumped by every cut: an fsync that started before one vouches for bytes that are gone. */
  private cuts = 0;
  private refs = 0;
  private closeRequested = false;
  private fdOpen = true;

  private constructor(
    private readonly disk: Disk,
    readonly dir: string,
    readonly baseOffset: number,
    readonly fd: number,
    sizeBytes: number,
    createdMs: number,
  ) {
    this.sizeBytes = sizeBytes;
    this.syncedSizeBytes = 0;
    this.openedSizeBytes = sizeBytes;
    this.nextOffset = baseOffset;
    this.offsetIndex = new OffsetIndex(baseOffset);
    this.timeIndex = new TimeIndex(baseOffset);
    this.txnIndex = new TxnIndex(baseOffset);
    this.createdMs = createdMs;
    this.lastModifiedMs = createdMs;
  }

  get logPath(): string {
    return path.join(this.dir, segmentFileName(this.baseOffset, LOG_SUFFIX));
  }
  get indexPath(): string {
    return path.join(this.dir, segmentFileName(this.baseOffset, INDEX_SUFFIX));
  }
  get timeIndexPath(): string {
    return path.join(this.dir, segmentFileName(this.baseOffset, TIME_INDEX_SUFFIX));
  }
  get txnIndexPath(): string {
    return path.join(this.dir, segmentFileName(this.baseOffset, TXN_INDEX_SUFFIX));
  }

  /** A new, empty segment. An old file of the same name (a crash leftover) is emptied. */
  static create(disk: Disk, dir: string, baseOffset: number, nowMs: number): Segment {
    const fd = disk.openSync(path.join(dir, segmentFileName(baseOffset, LOG_SUFFIX)), 'w+');
    unlinkIfExistsSync(disk, path.join(dir, segmentFileName(baseOffset, INDEX_SUFFIX)));
    unlinkIfExistsSync(disk, path.join(dir, segmentFileName(baseOffset, TIME_INDEX_SUFFIX)));
    unlinkIfExistsSync(disk, path.join(dir, segmentFileName(baseOffset, TXN_INDEX_SUFFIX)));
    return new Segment(disk, dir, baseOffset, fd, 0, nowMs);
  }

  /**
   * A new, empty segment the cleaner writes at `<base>.log.cleaned` (an old file of that name, a
   * crash leftover, is emptied). It becomes `<base>.log` by renames (cleaner/segment-swap.ts),
   * after which the usual paths name it.
   */
  static createCleaned(disk: Disk, dir: string, baseOffset: number, nowMs: number): Segment {
    const fd = disk.openSync(path.join(dir, segmentFileName(baseOffset, CLEANED_SUFFIX)), 'w+');
    return new Segment(disk, dir, baseOffset, fd, 0, nowMs);
  }

  /** An existing file (`suffix` .log unless a swap is recovered); its indexes and nextOffset are filled in by the loader. */
  static openExisting(disk: Disk, dir: string, baseOffset: number, suffix = LOG_SUFFIX): Segment {
    const fd = disk.openSync(path.join(dir, segmentFileName(baseOffset, suffix)), 'r+');
    const stat = disk.fstatSync(fd);
    const createdMs = stat.birthtimeMs > 0 ? stat.birthtimeMs : stat.mtimeMs;
    const segment = new Segment(disk, dir, baseOffset, fd, stat.sizeBytes, createdMs);
    segment.syncedSizeBytes = stat.sizeBytes;
    segment.lastModifiedMs = stat.mtimeMs;
    return segment;
  }

  get isEmpty(): boolean {
    return this.sizeBytes === 0;
  }

  /** Resets the in-memory indexes before a rebuild scan. */
  resetIndexes(): void {
    this.offsetIndex = new OffsetIndex(this.baseOffset);
    this.timeIndex = new TimeIndex(this.baseOffset);
    this.bytesSinceLastIndexEntry = 0;
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = -1;
    this.nextOffset = this.baseOffset;
  }

  /** Records a batch that now sits at `position` (after an append, or during a rebuild scan). */
  noteBatch(batch: BatchPlacement, position: number, indexIntervalBytes: number): void {
    assert(
      batch.baseOffset >= this.nextOffset,
      `batch ${batch.baseOffset} below segment next offset ${this.nextOffset}`,
    );
    if (position === 0) this.firstBatchTimestamp = batch.maxTimestamp;
    if (batch.maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = batch.maxTimestamp;
      this.offsetOfMaxTimestamp = batch.baseOffset;
    }
    if (this.bytesSinceLastIndexEntry >= indexIntervalBytes && position > 0) {
      this.offsetIndex.append(batch.baseOffset, position);
      if (this.maxTimestamp >= 0) this.timeIndex.maybeAppend(this.maxTimestamp, batch.baseOffset);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += batch.sizeBytes;
    this.nextOffset = batch.lastOffset + 1;
  }

  /** Appends whole batches at the end of the file (page cache, no fsync). */
  append(buffers: readonly Buffer[], placements: readonly BatchPlacement[], indexIntervalBytes: number): void {
    assert(this.fdOpen && !this.closeRequested, 'append to a closed segment');
    assert(buffers.length === placements.length, 'one placement per batch');
    const startSizeBytes = this.sizeBytes;
    let position = startSizeBytes;
    try {
      for (const buffer of buffers) {
        this.disk.writeSync(this.fd, buffer, position);
        position += buffer.length;
      }
    } catch (err) {
      // Leave no partial batch behind: a later append must start at a batch boundary.
      try {
        this.disk.truncateSync(this.fd, startSizeBytes);
      } catch {
        this.broken = true;
      }
      throw err;
    }
    position = startSizeBytes;
    placements.forEach((placement, i) => {
      this.noteBatch(placement, position, indexIntervalBytes);
      position += (buffers[i] as Buffer).length;
    });
    this.sizeBytes = position;
  }

  /**
   * Writes whole batches back to back in one write at the end of the file (the cleaner's output:
   * many small batches, one system call). No undo: the caller discards the file on failure.
   */
  appendRun(bytes: Buffer, placements: readonly BatchPlacement[], indexIntervalBytes: number): void {
    assert(this.fdOpen && !this.closeRequested, 'append to a closed segment');
    this.disk.writeSync(this.fd, bytes, this.sizeBytes);
    let position = this.sizeBytes;
    for (const placement of placements) {
      this.noteBatch(placement, position, indexIntervalBytes);
      position += placement.sizeBytes;
    }
    assert(position === this.sizeBytes + bytes.length, 'placements cover the bytes written');
    this.sizeBytes = position;
  }

  /** The final time-index entry that records the segment's largest timestamp (on roll and close). */
  seal(): void {
    if (this.maxTimestamp >= 0) this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
  }

  acquire(): boolean {
    if (!this.fdOpen || this.closeRequested) return false;
    this.refs++;
    return true;
  }

  release(): void {
    assert(this.refs > 0, 'segment released more often than acquired');
    this.refs--;
    if (this.refs === 0 && this.closeRequested) this.closeFd();
  }

  /** Async positional read (caller holds a reference). */
  /** See Disk.read for `into`. */
  read(position: number, length: number, into?: Buffer): Promise<Buffer> {
    assert(this.fdOpen, 'read from a closed segment');
    return this.disk.read(this.fd, length, position, into);
  }

  /**
   * fdatasync: afterwards the first `sizeBytes` bytes (captured now) are durable. Then, unless
   * `cacheRetainBytes` is negative, the kernel may drop the cached pages of all but the newest
   * `cacheRetainBytes` of them.
   */
  async sync(cacheRetainBytes = -1): Promise<number> {
    const sizeBytes = this.sizeBytes;
    const cuts = this.cuts;
    if (!this.acquire()) return sizeBytes;
    try {
      await this.disk.fdatasync(this.fd);
      if (cacheRetainBytes >= 0 && this.cuts === cuts) this.dropCachedBelow(sizeBytes - cacheRetainBytes);
    } catch (err) {
      this.cutUnsynced();
      throw err;
    } finally {
      this.release();
    }
    // A cut meanwhile (truncation) replaced what this fsync covered: it vouches for nothing now.
    if (this.cuts === cuts && sizeBytes > this.syncedSizeBytes) this.syncedSizeBytes = sizeBytes;
    return sizeBytes;
  }

  /**
   * After a failed fdatasync: the bytes beyond the last successful one may never reach the disk,
   * though the page cache shows them and a later fdatasync would succeed without writing them
   * (Linux marks the pages clean). Cut the file back, so that neither this process nor the next one
   * on this machine reads them as the log. The log refuses writes from now on (PartitionLog.fail).
   */
  private cutUnsynced(): void {
    // What this process wrote since then: what it found at open is not its to judge (recovery
    // resets syncedSizeBytes of scanned segments to 0 until its first fdatasync).
    const keep = Math.max(this.syncedSizeBytes, this.openedSizeBytes);
    if (this.sizeBytes <= keep) return;
    try {
      this.disk.truncateSync(this.fd, keep);
      this.cuts++;
    } catch {
      this.broken = true;
    }
  }

  /** Advises the kernel to drop cached pages below `end` (durable bytes; the caller holds the fd). */
  private dropCachedBelow(end: number): void {
    if (end <= this.cacheDroppedBelow) return;
    const from = Math.max(0, this.cacheDroppedBelow - CACHE_DROP_RETRY_BYTES);
    if (this.disk.pageCache?.dropCachedRange(this.fd, from, end - from) === true) this.cacheDroppedBelow = end;
  }

  /**
   * Writes the index files. Only for a segment that is immutable and durable (see recovery).
   * Concurrent callers (a flush round, the cleaner, close) share one write.
   */
  persistIndexes(): Promise<void> {
    if (this.indexesPersisted) return Promise.resolve();
    this.indexWrite ??= this.writeIndexes().finally(() => (this.indexWrite = null));
    return this.indexWrite;
  }

  private async writeIndexes(): Promise<void> {
    this.seal();
    await replaceFile(this.disk, this.indexPath, this.offsetIndex.serialize(), false);
    await replaceFile(this.disk, this.timeIndexPath, this.timeIndex.serialize(), false);
    await this.persistTxnIndex();
    this.indexesPersisted = true;
  }

  /**
   * Writes the txn index file, durably: unlike the other indexes, a txn index cut short by a power
   * loss would still look whole and hide aborts, so it is replaced atomically (the loader rebuilds a
   * missing one). Also alone, after a rebuild of a segment whose other index files are on disk.
   */
  async persistTxnIndex(): Promise<void> {
    assert(!this.txnIndexNeedsRebuild, 'a txn index is written only once complete');
    await replaceFile(this.disk, this.txnIndexPath, this.txnIndex.serialize(), true);
  }

  /** Index files must not outlive the moment the segment becomes active (recovery relies on it). */
  removeIndexFilesSync(): void {
    unlinkIfExistsSync(this.disk, this.indexPath);
    unlinkIfExistsSync(this.disk, this.timeIndexPath);
    unlinkIfExistsSync(this.disk, this.txnIndexPath);
    this.indexesPersisted = false;
  }

  /** Cuts the file at `position` (a batch boundary). Indexes are the caller's: it rebuilt them. */
  truncateSync(position: number): void {
    assert(position <= this.sizeBytes, 'truncate beyond the segment end');
    this.disk.truncateSync(this.fd, position);
    this.cuts++;
    this.sizeBytes = position;
    if (this.syncedSizeBytes > position) this.syncedSizeBytes = position;
    if (this.openedSizeBytes > position) this.openedSizeBytes = position;
    if (this.cacheDroppedBelow > position) this.cacheDroppedBelow = position;
  }

  /** Closes the fd once no reader holds it. */
  close(): void {
    this.closeRequested = true;
    if (this.refs === 0) this.closeFd();
  }

  /** Removes the files now; the fd stays readable for readers in flight (POSIX unlink semantics). */
  deleteFilesSync(): void {
    this.close();
    unlinkIfExistsSync(this.disk, this.logPath);
    this.removeIndexFilesSync();
  }

  private closeFd(): void {
    if (!this.fdOpen) return;
    this.fdOpen = false;
    this.disk.closeSync(this.fd);
  }
}
