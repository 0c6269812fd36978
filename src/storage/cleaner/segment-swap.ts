// Replacing segments by a cleaned one so that a crash at any instant leaves either the old set
// or the new one, never a mix and never a loss (Kafka's file suffixes, LogLoader's recovery):
//
//   1. `<base>.log.cleaned` is written beside the old segments and fdatasync'ed (the cleaner);
//   2. renamed to `<base>.log.swap`, directory fsync: from here recovery completes the swap;
//   3. the old segments' files (.log, .index, .timeindex) are unlinked, directory fsync;
//   4. `<base>.log.swap` is renamed to `<base>.log`, directory fsync; its index files follow,
//      written after its bytes were durable like every inactive segment's (log-loader.ts). Its
//      txn index is the cleaner's rewrite of the sources' (the aborts whose batches remain).
//
// Recovery at open (`recoverSwaps`): a `.cleaned` file is an unfinished cleaning whose old
// segments are all still there: it is deleted (rolled back). A `.swap` file was durable before its
// name, so it is whole: every segment file whose base lies in its offset range is deleted and it is
// renamed to `.log` (completed). It has no index files then, so the loader scans it and the
// producer-state replay rebuilds its txn index; old `.txnindex` files of other bases in its range
// are removed by the loader as files without a segment. The range is exact because a cleaned segment ends where its last
// source did: the cleaner keeps each group's last batch, as an empty one if need be.
import path from 'node:path';
import { ErrorCode, KafkaError, type Logger } from '../../common/index.js';
import type { Disk } from '../disk.js';
import { unlinkIfExists } from '../file-io.js';
import type { LogSegments } from '../log-segments.js';
import { lastOffsetOf } from '../record-batch.js';
import {
  CLEANED_SUFFIX,
  INDEX_SUFFIX,
  LOG_SUFFIX,
  SWAP_SUFFIX,
  Segment,
  TIME_INDEX_SUFFIX,
  parseSegmentFileName,
  segmentFileName,
} from '../segment.js';
import { scanSegment } from '../segment-scan.js';

/** The swap steps, for tests that crash between them. */
export const SwapStep = {
  renamedToSwap: 'renamed-to-swap',
  replacedInMemory: 'replaced-in-memory',
  oldFilesUnlinked: 'old-files-unlinked',
  renamedToLog: 'renamed-to-log',
} as const;
export type SwapStep = (typeof SwapStep)[keyof typeof SwapStep];

export interface SwapParts {
  readonly disk: Disk;
  readonly dir: string;
  readonly segments: LogSegments;
}

/**
 * Steps 2-4 for `cleaned` (written and fdatasync'ed at `<base>.log.cleaned`) over `sources`.
 * The caller holds the log's structure lock and has checked that the sources are still in place.
 * Any failure leaves the files for recovery to settle; the caller then fails the log.
 */
export async function swapIn(
  parts: SwapParts,
  sources: readonly Segment[],
  cleaned: Segment,
  afterStep: (step: SwapStep) => Promise<void> = () => Promise.resolve(),
): Promise<void> {
  const { disk, dir, segments } = parts;
  const base = cleaned.baseOffset;
  const swapPath = path.join(dir, segmentFileName(base, SWAP_SUFFIX));
  cleaned.indexWritesHeld = true; // no index file for this base until its .log name is final
  await disk.rename(path.join(dir, segmentFileName(base, CLEANED_SUFFIX)), swapPath);
  await disk.fsyncDir(dir);
  await afterStep(SwapStep.renamedToSwap);
  const replaced = segments.replaceRange(sources, cleaned);
  if (!replaced) throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `${dir}: segments changed during a swap`);
  await afterStep(SwapStep.replacedInMemory);
  for (const old of sources) old.deleteFilesSync(); // each fd closes once its readers are done
  await disk.fsyncDir(dir);
  await afterStep(SwapStep.oldFilesUnlinked);
  await disk.rename(swapPath, cleaned.logPath);
  await disk.fsyncDir(dir);
  await afterStep(SwapStep.renamedToLog);
  cleaned.indexWritesHeld = false;
}

/**
 * Settles swaps a crash interrupted (before the segments are listed at open). Returns whether
 * directory entries changed (the caller's directory fsync covers the last of them).
 */
export async function recoverSwaps(
  disk: Disk,
  dir: string,
  names: readonly string[],
  logger: Logger,
): Promise<boolean> {
  let changed = false;
  for (const name of names) {
    if (!name.endsWith(CLEANED_SUFFIX)) continue;
    await unlinkIfExists(disk, path.join(dir, name));
    logger.warn({ dir, file: name }, 'rolled back an interrupted log compaction: the old segments stay');
    changed = true;
  }
  for (const name of names) {
    const base = parseSegmentFileName(name, SWAP_SUFFIX);
    if (base === null) continue;
    const end = await swapEndOffset(disk, dir, base);
    let removed = 0;
    for (const other of names) {
      const otherBase =
        parseSegmentFileName(other, LOG_SUFFIX) ??
        parseSegmentFileName(other, INDEX_SUFFIX) ??
        parseSegmentFileName(other, TIME_INDEX_SUFFIX);
      if (otherBase === null || otherBase < base || otherBase >= end) continue;
      await unlinkIfExists(disk, path.join(dir, other));
      removed++;
    }
    await disk.fsyncDir(dir);
    await disk.rename(path.join(dir, name), path.join(dir, segmentFileName(base, LOG_SUFFIX)));
    logger.warn(
      { dir, segment: base, endOffset: end, oldFilesRemoved: removed },
      'completed an interrupted log compaction swap: the cleaned segment replaces the old ones',
    );
    changed = true;
  }
  return changed;
}

/** One past the last offset of a swap file, which must be whole (it was durable before its name). */
async function swapEndOffset(disk: Disk, dir: string, base: number): Promise<number> {
  const segment = Segment.openExisting(disk, dir, base, SWAP_SUFFIX);
  try {
    let end = base;
    const scan = await scanSegment(segment, { fromPosition: 0, verifyCrc: true, minBaseOffset: base }, (header) => {
      end = lastOffsetOf(header) + 1;
    });
    if (scan.corruption !== null || end === base) {
      // The disk lost bytes it had fsynced; the old segments may be partly gone: nothing to trust.
      throw new KafkaError(
        ErrorCode.KAFKA_STORAGE_ERROR,
        `${dir}: the compaction swap file of segment ${base} is damaged (${scan.corruption ?? 'empty'})`,
      );
    }
    return end;
  } finally {
    segment.close();
  }
}
