// Admitting batches into a partition log. A leader's batches (validated by the produce path, or a
// coordinator's markers and transactional offsets) get their offsets and the leader's epoch
// written into them, the broker time with LogAppendTime, and pass the producer-state checks
// (idempotence, transactions); a follower's batches keep the leader's offsets and must follow
// the log end in order (with gaps where the leader's cleaner removed batches), each checked
// (header, CRC) since it came over the network. Both end as
// placements for the segments to write; a transaction marker's content comes along.
//
import { assert, ErrorCode, KafkaError } from '../common/index.js';
import { readMarker, type TxnMarker } from './control-record.js';
import type { LeaderAppendPlan, ProducerBatch, ProducerStateManager, StateAppendOptions } from './producer-state.js';
import {
  type BatchHeader,
  InvalidBatchError,
  checkStoredBatch,
  isControlBatch,
  lastOffsetOf,
  readBatchHeader,
  setBaseOffsetAndEpoch,
  setLogAppendTime,
} from './record-batch.js';
import type { BatchPlacement } from './segment.js';

export interface PreparedAppend {
  readonly placements: BatchPlacement[];
  /** Records in the batches (flush.messages counts them). */
  readonly messages: number;
}

export type LeaderAppend =
  /** The single batch repeats one the producer state retains: store nothing, answer with its offsets. */
  | { readonly duplicate: ProducerBatch }
  | (PreparedAppend & {
      readonly duplicate: null;
      /** `commit()` records the batches in the producer state: call it once they are in the log. */
      readonly plan: LeaderAppendPlan;
    });

/** The transaction marker a batch carries, read only for control batches. */
function markerOf(header: BatchHeader, batch: Buffer): TxnMarker | null {
  return isControlBatch(header.attributes) ? readMarker(batch) : null;
}

/**
 * Checks validated batches against the producer state and, unless a duplicate, assigns them
 * offsets from `baseOffset` and `leaderEpoch` in place. `logAppendTimeMs` is the broker time to
 * stamp, or -1 to keep the batches' own timestamps; `options` say who writes and how a
 * transactional batch may open a transaction (producer-state.ts).
 */
export function prepareLeaderAppend(
  batches: readonly Buffer[],
  leaderEpoch: number,
  baseOffset: number,
  producers: ProducerStateManager,
  logAppendTimeMs: number,
  options: StateAppendOptions,
): LeaderAppend {
  const headers = batches.map((batch) => {
    const header = readBatchHeader(batch);
    assert(header.magic === 2 && header.sizeBytes === batch.length, 'appendAsLeader takes validated batches');
    return header;
  });
  const firstOffsets: number[] = [];
  let next = baseOffset;
  for (const header of headers) {
    firstOffsets.push(next);
    next += header.lastOffsetDelta + 1;
  }
  const stateBatches = headers.map((header, i) => ({ header, marker: markerOf(header, batches[i] as Buffer) }));
  const plan = producers.prepareLeaderAppend(stateBatches, firstOffsets, options);
  if (plan.duplicate) return { duplicate: plan.duplicate };
  const placements: BatchPlacement[] = [];
  let messages = 0;
  headers.forEach((header, i) => {
    const batch = batches[i] as Buffer;
    const first = firstOffsets[i] as number;
    setBaseOffsetAndEpoch(batch, first, leaderEpoch);
    if (logAppendTimeMs >= 0) setLogAppendTime(batch, logAppendTimeMs);
    placements.push({
      baseOffset: first,
      lastOffset: first + header.lastOffsetDelta,
      maxTimestamp: logAppendTimeMs >= 0 ? logAppendTimeMs : header.maxTimestamp,
      sizeBytes: batch.length,
    });
    messages += header.recordsCount;
  });
  return { duplicate: null, placements, messages, plan };
}

/** Checks a leader's batches for a follower's log that ends at `logEndOffset`: in order, none overlapping. */
export function prepareFollowerAppend(
  batches: readonly Buffer[],
  logEndOffset: number,
): PreparedAppend & { readonly headers: BatchHeader[]; readonly markers: (TxnMarker | null)[] } {
  const headers: BatchHeader[] = [];
  const markers: (TxnMarker | null)[] = [];
  let expected = logEndOffset;
  let messages = 0;
  for (const batch of batches) {
    const problem = checkStoredBatch(batch);
    if (problem !== null) throw new InvalidBatchError(ErrorCode.CORRUPT_MESSAGE, `replicated batch: ${problem}`);
    const header = readBatchHeader(batch);
    // A compacted range has offsets missing between batches (the cleaner removed whole batches),
    // so a batch may start beyond the previous end, never before it.
    if (header.baseOffset < expected) {
      throw new KafkaError(
        ErrorCode.OFFSET_OUT_OF_RANGE,
        `replicated batch at ${header.baseOffset} overlaps the log, which continues at ${expected}`,
      );
    }
    expected = lastOffsetOf(header) + 1;
    messages += header.recordsCount;
    headers.push(header);
    markers.push(markerOf(header, batch));
  }
  const placements = headers.map((h) => ({
    baseOffset: h.baseOffset,
    lastOffset: lastOffsetOf(h),
    maxTimestamp: h.maxTimestamp,
    sizeBytes: h.sizeBytes,
  }));
  return { headers, markers, placements, messages };
}
