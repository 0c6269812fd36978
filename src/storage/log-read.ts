// The consume hot path: a fetch from a partition log, as whole batches, with one read per segment
// touched, in (ideally) a single contiguous read per segment that is handed out as a view. Only the
// 27 header bytes that locate batch boundaries are parsed; records are never touched. A consumer
// fetch (`pooled`) reads into buffers leased from read-buffers.ts, which the connection gives back
// once written; every window this read does not hand out is given back here.
import { ErrorCode, KafkaError } from '../common/index.js';
import type { LogSegments } from './log-segments.js';
import { BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD_BYTES, BatchOffsets, readInt64 } from './record-batch.js';
import { fetchReadBuffers } from './read-buffers.js';
import type { Segment } from './segment.js';

export interface LogReadResult {
  /** Whole batches, to be written to the socket back to back. */
  readonly chunks: Buffer[];
  readonly bytes: number;
  /** One past the last offset of the last batch returned; the fetch offset when none was. */
  readonly nextOffset: number;
}

export interface LogReadRequest {
  readonly fetchOffset: number;
  readonly maxBytes: number;
  /** Exclusive: no batch whose baseOffset is at or beyond it (e.g. the high watermark). */
  readonly maxOffset: number;
  /** The first batch comes even when larger than maxBytes (KIP-74); else it yields nothing. */
  readonly minOneBatch: boolean;
  /** Read ahead in the first segment to cover the batches between its index entry and fetchOffset. */
  readonly slackBytes: number;
  /** Read into leased buffers (fetchReadBuffers): whoever writes the chunks out gives them back. */
  readonly pooled?: boolean;
}

/**
 * Whole batches for a fetch: from the batch CONTAINING fetchOffset, stopping before a batch whose
 * baseOffset >= maxOffset or before exceeding maxBytes (see `minOneBatch`). Never a partial batch;
 * one read per segment touched, returned as views.
 */
export async function readLog(segments: LogSegments, request: LogReadRequest): Promise<LogReadResult> {
  const { fetchOffset, maxBytes, maxOffset, minOneBatch, slackBytes, pooled = false } = request;
  if (fetchOffset < segments.logStartOffset || fetchOffset > segments.logEndOffset) {
    throw new KafkaError(
      ErrorCode.OFFSET_OUT_OF_RANGE,
      `offset ${fetchOffset} outside [${segments.logStartOffset}, ${segments.logEndOffset}]`,
    );
  }
  const limit = Math.min(maxOffset, segments.logEndOffset);
  const chunks: Buffer[] = [];
  let bytes = 0;
  if (fetchOffset >= limit) return { chunks, bytes, nextOffset: fetchOffset };
  /** The offset the next batch must hold or follow: fetchOffset, then one past the last batch read. */
  let next = fetchOffset;
  let first = true;
  let index = segments.indexFor(fetchOffset);
  let view = segments.all;
  // Each step reads one segment or re-resolves after a closed one (bounded: a segment closes only
  // when it was replaced or deleted, and each re-resolution moves on in the current list).
  for (let steps = 0; steps < view.length + SEGMENT_RERESOLVES_MAX; steps++) {
    const segment = view[index];
    if (segment === undefined || segment.baseOffset >= limit || (!first && bytes >= maxBytes)) break;
    const result = await readSegment(segment, {
      startPosition: segment.baseOffset <= next ? segment.offsetIndex.lookup(next).position : 0,
      fetchOffset: next,
      maxOffset: limit,
      budgetBytes: maxBytes - bytes,
      atLeastOne: minOneBatch && chunks.length === 0,
      slackBytes: first ? slackBytes : 0,
      pooled,
    });
    if (result.closed) {
      // The cleaner swapped this segment out (or retention deleted it) after we looked it up:
      // find where `next` lives now, so no batch is skipped.
      view = segments.all;
      index = segments.indexFor(next);
      continue;
    }
    first = false;
    if (result.chunk) {
      chunks.push(result.chunk);
      bytes += result.bytes;
      next = result.nextOffset;
    }
    if (result.full) break;
    index++;
  }
  // Retention or DeleteRecords may have removed the data while we read: never hand out a gap.
  if (fetchOffset < segments.logStartOffset) {
    throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${fetchOffset} was deleted during the read`);
  }
  return { chunks, bytes, nextOffset: next };
}

export interface SegmentReadRequest {
  readonly startPosition: number;
  /** Batches whose last offset is below this are skipped (the containing batch is kept). */
  readonly fetchOffset: number;
  /** Stop before a batch whose baseOffset is at or beyond this. */
  readonly maxOffset: number;
  readonly budgetBytes: number;
  /** Take the first batch even if it exceeds the budget (KIP-74). */
  readonly atLeastOne: boolean;
  /** Extra bytes read ahead of the budget to cover batches skipped before the containing one. */
  readonly slackBytes: number;
  readonly pooled?: boolean;
}

export interface SegmentReadResult {
  readonly chunk: Buffer | null;
  readonly bytes: number;
  /** True when the read ended on the budget or maxOffset: the next segment must not be read. */
  readonly full: boolean;
  /** One past the last offset of the last batch in `chunk`. */
  readonly nextOffset: number;
  /** The segment was closed (replaced or deleted) before the read could hold it. */
  readonly closed: boolean;
}

/** Times a read may find its segment closed and look again before it gives up. */
const SEGMENT_RERESOLVES_MAX = 16;

export async function readSegment(segment: Segment, request: SegmentReadRequest): Promise<SegmentReadResult> {
  if (!segment.acquire()) return { chunk: null, bytes: 0, full: false, nextOffset: request.fetchOffset, closed: true };
  try {
    return await readAcquired(segment, request);
  } catch (err) {
    if (err instanceof KafkaError) throw err;
    // EIO and the like: the fetch is answered with KAFKA_STORAGE_ERROR; the log stays writable.
    throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `segment ${segment.baseOffset}: read failed: ${String(err)}`, {
      cause: err,
    });
  } finally {
    segment.release();
  }
}

/** `length` bytes at `position`, into a leased buffer when pooled (given back if the disk used its own). */
async function readInto(segment: Segment, position: number, length: number, pooled: boolean): Promise<Buffer> {
  if (!pooled) return segment.read(position, length);
  const lease = fetchReadBuffers.lease(length);
  let read: Buffer | null = null;
  try {
    read = await segment.read(position, length, lease);
  } finally {
    if (read === null || read.buffer !== lease.buffer) fetchReadBuffers.giveBack(lease);
  }
  return read;
}

async function readAcquired(segment: Segment, request: SegmentReadRequest): Promise<SegmentReadResult> {
  const pooled = request.pooled === true;
  let window: Buffer = Buffer.alloc(0);
  try {
    return await scanAndCut(segment, request, pooled, (next) => {
      // The window read before is never handed out once another is read (see scanAndCut's end).
      if (pooled) fetchReadBuffers.giveBack(window);
      window = next;
    });
  } catch (err) {
    if (pooled) fetchReadBuffers.giveBack(window);
    throw err;
  }
}

async function scanAndCut(
  segment: Segment,
  request: SegmentReadRequest,
  pooled: boolean,
  replaced: (window: Buffer) => void,
): Promise<SegmentReadResult> {
  const end = segment.sizeBytes; // whole batches only: sizeBytes moves after a write completes
  let position = request.startPosition;
  let window: Buffer = Buffer.alloc(0);
  let windowPosition = position;
  let outStart = -1;
  let outBytes = 0;
  let full = false;
  let nextOffset = request.fetchOffset;
  // Each iteration moves past one batch (>= 61 bytes) or stops: bounded by the segment size.
  while (position < end) {
    if (position + BATCH_HEADER_BYTES > windowPosition + window.length) {
      const wanted = Math.max(request.budgetBytes - outBytes, 0) + request.slackBytes + BATCH_HEADER_BYTES;
      window = await readInto(
        segment,
        position,
        Math.min(end - position, Math.max(wanted, BATCH_HEADER_BYTES)),
        pooled,
      );
      replaced(window);
      windowPosition = position;
      if (window.length < BATCH_HEADER_BYTES) break; // the file shrank under us (truncation): stop here
    }
    const at = position - windowPosition;
    const baseOffset = readInt64(window, at);
    const sizeBytes = window.readInt32BE(at + BatchOffsets.batchLength) + BATCH_LOG_OVERHEAD_BYTES;
    const magic = window.readInt8(at + BatchOffsets.magic);
    const lastOffset = baseOffset + window.readInt32BE(at + BatchOffsets.lastOffsetDelta);
    if (magic !== 2 || sizeBytes < BATCH_HEADER_BYTES || position + sizeBytes > end) {
      throw new KafkaError(
        ErrorCode.KAFKA_STORAGE_ERROR,
        `segment ${segment.baseOffset}: no valid batch at position ${position} (magic ${magic}, ${sizeBytes} bytes)`,
      );
    }
    if (outStart < 0 && lastOffset < request.fetchOffset) {
      position += sizeBytes;
      continue;
    }
    if (baseOffset >= request.maxOffset) {
      full = true;
      break;
    }
    if ((outBytes > 0 || !request.atLeastOne) && outBytes + sizeBytes > request.budgetBytes) {
      full = true;
      break;
    }
    if (outStart < 0) outStart = position;
    outBytes += sizeBytes;
    position += sizeBytes;
    nextOffset = lastOffset + 1;
  }
  if (outBytes === 0) {
    replaced(Buffer.alloc(0));
    return { chunk: null, bytes: 0, full, nextOffset, closed: false };
  }
  const windowEnd = windowPosition + window.length;
  if (outStart >= windowPosition && outStart + outBytes <= windowEnd) {
    // The chunk is a view of the window: its lease now goes out with it.
    return {
      chunk: window.subarray(outStart - windowPosition, outStart - windowPosition + outBytes),
      bytes: outBytes,
      full,
      nextOffset,
      closed: false,
    };
  }
  // The range outgrew the read-ahead window (a batch larger than the budget): read it exactly.
  replaced(Buffer.alloc(0));
  const chunk = await readInto(segment, outStart, outBytes, pooled);
  if (chunk.length !== outBytes) {
    throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `segment ${segment.baseOffset}: short read at ${outStart}`);
  }
  return { chunk, bytes: outBytes, full, nextOffset, closed: false };
}
