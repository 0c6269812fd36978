// Opening a partition directory: find the segments, trust what is provably whole, scan the rest.
//
// Invariant that makes this cheap and safe: a segment's index files exist only while the segment is
// inactive AND its log bytes were fdatasync'ed before the files were written (PartitionLog.flush
// writes them after the sync; the active segment's files are removed whenever it becomes active).
// So a segment with valid index files needs only a check that its last batch is whole; a segment
// without them (the active one, a rolled one that never got synced, or one whose index was lost or
// damaged) is scanned batch by batch with every CRC checked, and the first bad byte ends the log:
// the torn or corrupt tail is cut and every later segment deleted, with a warning naming the spot.
// Segments are contiguous (each ends where the next begins; the cleaner keeps that true), so a
// missing range between two is a lost tail. Before all this, an interrupted compaction swap is
// completed or rolled back (cleaner/segment-swap.ts).
import path from 'node:path';
import { ErrorCode, KafkaError, type Logger } from '../common/index.js';
import type { Disk } from './disk.js';
import { TEMP_SUFFIX, unlinkIfExists } from './file-io.js';
import type { EpochEntry } from './leader-epoch-cache.js';
import { OffsetIndex } from './offset-index.js';
import { computeBatchCrc, lastOffsetOf, readBatchHeader } from './record-batch.js';
import {
  INDEX_SUFFIX,
  LOG_SUFFIX,
  Segment,
  TIME_INDEX_SUFFIX,
  TXN_INDEX_SUFFIX,
  parseSegmentFileName,
} from './segment.js';
import { scanSegment } from './segment-scan.js';
import { recoverSwaps } from './cleaner/segment-swap.js';
import { TimeIndex } from './time-index.js';
import { TxnIndex } from './txn-index.js';

export const CLEAN_SHUTDOWN_FILE = '.clean-shutdown';

export interface CleanShutdownMarker {
  readonly version: 1;
  readonly activeBaseOffset: number;
  readonly activeSizeBytes: number;
  readonly logEndOffset: number;
}

export interface LoadResult {
  readonly segments: Segment[];
  readonly cleanShutdown: boolean;
  /** Epoch increases seen in scanned batches, in log order: checkpoint entries a crash may have lost. */
  readonly epochStarts: EpochEntry[];
  /** Bytes cut from the log by recovery (0 after a clean shutdown). */
  readonly truncatedBytes: number;
}

export interface LoadOptions {
  readonly disk: Disk;
  readonly dir: string;
  readonly indexIntervalBytes: number;
  readonly logger: Logger;
}

export async function loadSegments(options: LoadOptions): Promise<LoadResult> {
  const { disk, dir, logger } = options;
  const listed = (await disk.readdir(dir)).map((entry) => entry.name);
  // A compaction swap a crash interrupted is completed or rolled back before segments are listed.
  let dirChanged = await recoverSwaps(disk, dir, listed, logger);
  const names = dirChanged ? (await disk.readdir(dir)).map((entry) => entry.name) : listed;
  const bases = new Set<number>();
  for (const name of names) {
    if (name.endsWith(TEMP_SUFFIX)) {
      // An atomic replace that never reached its rename: the old file is still whole.
      await unlinkIfExists(disk, path.join(dir, name));
      dirChanged = true;
      continue;
    }
    const base = parseSegmentFileName(name, LOG_SUFFIX);
    if (base !== null) bases.add(base);
  }
  for (const name of names) {
    const base =
      parseSegmentFileName(name, INDEX_SUFFIX) ??
      parseSegmentFileName(name, TIME_INDEX_SUFFIX) ??
      parseSegmentFileName(name, TXN_INDEX_SUFFIX);
    if (base !== null && !bases.has(base)) {
      await unlinkIfExists(disk, path.join(dir, name));
      dirChanged = true;
    }
  }
  const marker = await readMarker(disk, path.join(dir, CLEAN_SHUTDOWN_FILE));
  if (marker !== null) {
    // A crash from here on must not look clean: the marker goes before anything is appended.
    await unlinkIfExists(disk, path.join(dir, CLEAN_SHUTDOWN_FILE));
    dirChanged = true;
  }

  const sorted = [...bases].sort((a, b) => a - b);
  const segments: Segment[] = [];
  const epochStarts: EpochEntry[] = [];
  let truncatedBytes = 0;
  let cleanShutdown = marker !== null;
  /** Nothing after a hole can be trusted or acknowledged: the segments from `from` on go, newest first. */
  const deleteFrom = (from: number, reason: string): void => {
    for (const laterBase of sorted.slice(from).reverse()) {
      logger.warn({ dir, segment: laterBase, reason }, 'deleting a segment after the end of the recovered log');
      const later = Segment.openExisting(disk, dir, laterBase);
      truncatedBytes += later.sizeBytes;
      later.deleteFilesSync();
    }
    dirChanged = true;
    cleanShutdown = false;
  };
  for (let i = 0; i < sorted.length; i++) {
    const base = sorted[i] as number;
    const previous = segments[segments.length - 1];
    if (previous && base > previous.nextOffset) {
      // The previous segment lost its tail (a crash before its fsync) but this one's entry survived.
      deleteFrom(i, `offsets ${previous.nextOffset}..${base - 1} are missing before it`);
      break;
    }
    const segment = Segment.openExisting(disk, dir, base);
    if (previous && base < previous.nextOffset) {
      segment.close();
      for (const loaded of segments) loaded.close();
      throw new KafkaError(
        ErrorCode.KAFKA_STORAGE_ERROR,
        `${dir}: segment ${base} overlaps the previous one, which ends at ${previous.nextOffset}`,
      );
    }
    const isLast = i === sorted.length - 1;
    const markerMatches =
      isLast && marker !== null && marker.activeBaseOffset === base && marker.activeSizeBytes === segment.sizeBytes;
    if (isLast && marker !== null && !markerMatches) cleanShutdown = false;
    let damage: string | null = 'the active segment after an unclean shutdown';
    if (!isLast || markerMatches) damage = await loadFromIndexFiles(disk, segment);
    if (damage !== null) {
      if (!isLast || markerMatches)
        logger.warn({ dir, segment: base, reason: damage }, 'rebuilding segment index by a full scan');
      const cut = await recoverByScan(segment, options, epochStarts);
      segments.push(segment);
      if (cut > 0) {
        truncatedBytes += cut;
        deleteFrom(i + 1, `segment ${base} was truncated`);
        break;
      }
    } else {
      const txnDamage = await loadTxnIndexFile(disk, segment);
      if (txnDamage !== null) {
        // Only aborts are missing: the producer-state replay at open rebuilds it (PartitionLog).
        logger.warn({ dir, segment: base, reason: txnDamage }, 'rebuilding segment txn index from the log');
        segment.txnIndexNeedsRebuild = true;
      }
      segments.push(segment);
    }
  }
  const active = segments[segments.length - 1];
  const hasIndexFile = async (file: string) => (await disk.stat(file)) !== null;
  if (
    active &&
    ((await hasIndexFile(active.indexPath)) ||
      (await hasIndexFile(active.timeIndexPath)) ||
      (await hasIndexFile(active.txnIndexPath)))
  ) {
    active.removeIndexFilesSync();
    dirChanged = true;
  }
  if (dirChanged) await disk.fsyncDir(dir);
  return { segments, cleanShutdown, epochStarts, truncatedBytes };
}

async function readMarker(disk: Disk, file: string): Promise<CleanShutdownMarker | null> {
  const bytes = await disk.readFile(file);
  if (bytes === null) return null;
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as Partial<CleanShutdownMarker>;
    if (
      parsed.version !== 1 ||
      !Number.isSafeInteger(parsed.activeBaseOffset) ||
      !Number.isSafeInteger(parsed.activeSizeBytes)
    ) {
      return null;
    }
    return parsed as CleanShutdownMarker;
  } catch {
    return null;
  }
}

/**
 * Scans the whole segment checking every CRC and rebuilds its indexes; cuts a torn or corrupt tail.
 * Returns the number of bytes cut.
 */
async function recoverByScan(segment: Segment, options: LoadOptions, epochStarts: EpochEntry[]): Promise<number> {
  segment.resetIndexes();
  // Aborts need the producer state before the segment: the replay at open rebuilds them.
  segment.txnIndex.clear();
  segment.txnIndexNeedsRebuild = true;
  let lastEpoch = epochStarts[epochStarts.length - 1]?.epoch ?? -1;
  const result = await scanSegment(
    segment,
    { fromPosition: 0, verifyCrc: true, minBaseOffset: segment.baseOffset },
    (header, position) => {
      segment.noteBatch(
        {
          baseOffset: header.baseOffset,
          lastOffset: lastOffsetOf(header),
          maxTimestamp: header.maxTimestamp,
          sizeBytes: header.sizeBytes,
        },
        position,
        options.indexIntervalBytes,
      );
      if (header.partitionLeaderEpoch > lastEpoch) {
        lastEpoch = header.partitionLeaderEpoch;
        epochStarts.push({ epoch: lastEpoch, startOffset: header.baseOffset });
      }
    },
  );
  // Scanned bytes may be only in the page cache of a crashed process: the next flush syncs them.
  segment.syncedSizeBytes = 0;
  if (result.corruption === null) return 0;
  const cut = segment.sizeBytes - result.endPosition;
  options.logger.warn(
    {
      dir: options.dir,
      segment: segment.baseOffset,
      position: result.endPosition,
      bytesCut: cut,
      reason: result.corruption,
    },
    'truncating torn or corrupt log tail',
  );
  segment.truncateSync(result.endPosition);
  return cut;
}

/** Loads a trusted segment's txn index; returns why it cannot be trusted instead, or null. */
async function loadTxnIndexFile(disk: Disk, segment: Segment): Promise<string | null> {
  const bytes = await disk.readFile(segment.txnIndexPath);
  if (bytes === null) return 'txn index file missing';
  const index = TxnIndex.parse(segment.baseOffset, bytes, segment.nextOffset);
  if (typeof index === 'string') return `txn index: ${index}`;
  segment.txnIndex = index;
  return null;
}

/**
 * Loads a segment's index files and checks them against the log: sizes, order, no entry beyond the
 * log, the last indexed position holding the indexed batch, and whole batches (the last one with a
 * good CRC) from there to the end. Returns why the files cannot be trusted, or null.
 */
async function loadFromIndexFiles(disk: Disk, segment: Segment): Promise<string | null> {
  const indexBytes = await disk.readFile(segment.indexPath);
  const timeIndexBytes = await disk.readFile(segment.timeIndexPath);
  if (indexBytes === null || timeIndexBytes === null) return 'index file missing';
  const offsetIndex = OffsetIndex.parse(segment.baseOffset, indexBytes, Math.max(segment.sizeBytes, 1));
  if (typeof offsetIndex === 'string') return `offset index: ${offsetIndex}`;
  if (segment.sizeBytes === 0) {
    if (offsetIndex.entries > 0 || timeIndexBytes.length > 0) return 'index entries for an empty log';
    segment.indexesPersisted = true;
    return null;
  }
  const lastEntry = offsetIndex.last();
  const from = lastEntry?.position ?? 0;
  let nextOffset = segment.baseOffset;
  let lastBatchPosition = -1;
  let lastBatchBytes = 0;
  let maxTimestamp = -1;
  let offsetOfMaxTimestamp = -1;
  let firstChecked = false;
  let mismatch: string | null = null;
  const tail = await scanSegment(
    segment,
    { fromPosition: from, verifyCrc: false, minBaseOffset: segment.baseOffset },
    (header, position) => {
      if (!firstChecked && lastEntry && header.baseOffset !== lastEntry.offset) {
        mismatch = `last index entry names offset ${lastEntry.offset}, the log holds ${header.baseOffset} there`;
        return false;
      }
      firstChecked = true;
      nextOffset = lastOffsetOf(header) + 1;
      lastBatchPosition = position;
      lastBatchBytes = header.sizeBytes;
      if (header.maxTimestamp > maxTimestamp) {
        maxTimestamp = header.maxTimestamp;
        offsetOfMaxTimestamp = header.baseOffset;
      }
    },
  );
  if (mismatch !== null) return mismatch;
  if (tail.corruption !== null) return `log tail after the last index entry: ${tail.corruption}`;
  if (lastBatchPosition < 0) return 'no batch at the last index entry';
  if (!segment.acquire()) return 'segment closed';
  try {
    const last = await segment.read(lastBatchPosition, lastBatchBytes);
    if (last.length !== lastBatchBytes || computeBatchCrc(last) !== readBatchHeader(last).crc)
      return 'last batch fails its CRC';
  } finally {
    segment.release();
  }
  const timeIndex = TimeIndex.parse(segment.baseOffset, timeIndexBytes, nextOffset);
  if (typeof timeIndex === 'string') return `time index: ${timeIndex}`;
  segment.offsetIndex = offsetIndex;
  segment.timeIndex = timeIndex;
  segment.nextOffset = nextOffset;
  segment.bytesSinceLastIndexEntry = segment.sizeBytes - from;
  const sealed = timeIndex.last();
  segment.maxTimestamp = sealed?.timestamp ?? -1;
  segment.offsetOfMaxTimestamp = sealed?.offset ?? -1;
  if (maxTimestamp > segment.maxTimestamp) {
    segment.maxTimestamp = maxTimestamp;
    segment.offsetOfMaxTimestamp = offsetOfMaxTimestamp;
  }
  segment.indexesPersisted = true;
  return null;
}
