// Which part of a compacted log the cleaner may rewrite, and how dirty it is (Kafka's
// LogCleanerManager.cleanableOffsets and LogToClean), as a pure function of the segments.
//
//   [log start ........ first dirty ............ first uncleanable ...... log end)
//        clean section        dirty section            not cleanable
//
// The cleanable range ends at the first segment that is not wholly below the replica's
// "cleanable up to" bound (its high watermark; the last stable offset once transactions exist),
// never includes the active segment, and stops at the first dirty segment whose newest record is
// younger than min.compaction.lag.ms. Whole segments only: a segment that straddles the bound
// waits, so a follower's truncation (always at or above its high watermark) never meets a segment
// the cleaner rewrites. The dirty ratio is dirty bytes over clean + dirty bytes; a log is due when
// it reaches min.cleanable.dirty.ratio, or when its oldest dirty record has waited
// max.compaction.lag.ms.

export interface SegmentExtent {
  readonly baseOffset: number;
  /** One past the segment's last offset. */
  readonly nextOffset: number;
  readonly sizeBytes: number;
  /** Largest record timestamp, -1 when none. */
  readonly maxTimestamp: number;
  /** The first batch's (largest) timestamp, -1 when unknown (Kafka's getFirstBatchTimestamp). */
  readonly firstBatchTimestamp: number;
}

export interface CleanableInput {
  /** Oldest first; the last is the active segment. */
  readonly segments: readonly SegmentExtent[];
  readonly logStartOffset: number;
  /** Where the last cleaning stopped (the cleaner checkpoint); below it the log is clean. */
  readonly cleanedUpToOffset: number;
  /** Offsets at or beyond this must not be cleaned (the high watermark). */
  readonly cleanableEndOffset: number;
  readonly nowMs: number;
  readonly minCompactionLagMs: number;
  readonly maxCompactionLagMs: number;
}

export interface CleanableRange {
  /** Start of the dirty section. */
  readonly firstDirtyOffset: number;
  /** End of the cleanable range: a segment base; nothing at or beyond it is rewritten. */
  readonly firstUncleanableOffset: number;
  readonly cleanBytes: number;
  readonly dirtyBytes: number;
  /** dirty / (clean + dirty); 0 when nothing is cleanable. */
  readonly dirtyRatio: number;
  /** The oldest dirty record has waited max.compaction.lag.ms: clean whatever the ratio. */
  readonly lagDue: boolean;
}

export function cleanableRange(input: CleanableInput): CleanableRange {
  const { segments, logStartOffset, nowMs } = input;
  const inactive = segments.slice(0, -1);
  let firstDirty = Math.max(input.cleanedUpToOffset, logStartOffset);
  const logEnd = segments[segments.length - 1]?.nextOffset ?? logStartOffset;
  if (firstDirty > logEnd) firstDirty = logStartOffset; // a checkpoint from a log since emptied
  let cleanBytes = 0;
  let dirtyBytes = 0;
  let end = logStartOffset;
  let lagDue = false;
  let firstDirtySegment = true;
  // Bounded by the number of segments.
  for (const segment of inactive) {
    if (segment.nextOffset <= logStartOffset) continue;
    const dirty = segment.nextOffset > firstDirty;
    if (!dirty) {
      cleanBytes += segment.sizeBytes;
      end = segment.nextOffset;
      continue;
    }
    if (segment.nextOffset > input.cleanableEndOffset) break;
    if (input.minCompactionLagMs > 0 && segment.maxTimestamp > nowMs - input.minCompactionLagMs) break;
    if (firstDirtySegment) {
      firstDirtySegment = false;
      const first = segment.firstBatchTimestamp >= 0 ? segment.firstBatchTimestamp : segment.maxTimestamp;
      lagDue = first >= 0 && nowMs - first >= input.maxCompactionLagMs;
    }
    dirtyBytes += segment.sizeBytes;
    end = segment.nextOffset;
  }
  const total = cleanBytes + dirtyBytes;
  return {
    firstDirtyOffset: firstDirty,
    firstUncleanableOffset: Math.max(end, firstDirty),
    cleanBytes,
    dirtyBytes,
    dirtyRatio: total === 0 ? 0 : dirtyBytes / total,
    lagDue: lagDue && dirtyBytes > 0,
  };
}

/** Whether the range is worth a cleaning pass now by the log's thresholds. */
export function cleaningDue(range: CleanableRange, minCleanableDirtyRatio: number): boolean {
  if (range.dirtyBytes === 0) return false;
  return range.lagDue || range.dirtyRatio >= minCleanableDirtyRatio;
}
