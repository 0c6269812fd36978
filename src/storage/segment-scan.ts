// Forward scans over a segment's batches with windowed reads: recovery (every CRC checked), index
// rebuilds, producer-state rebuilds and timestamp lookups. Not the fetch path (see log-read.ts).
import {
  BATCH_HEADER_BYTES,
  type BatchHeader,
  computeBatchCrc,
  isControlBatch,
  lastOffsetOf,
  readBatchHeader,
} from './record-batch.js';
import type { Segment } from './segment.js';

export interface ScanOptions {
  readonly fromPosition: number;
  /** Exclusive end; defaults to the segment's size when the scan starts. */
  readonly toPosition?: number;
  /** Read whole batches and check their CRC-32C (recovery), else only headers. */
  readonly verifyCrc: boolean;
  /** Batches must not start below this offset (offsets only grow). */
  readonly minBaseOffset: number;
  /** Also hand the visitor the bytes of control batches (transaction markers) in a header scan. */
  readonly controlBatches?: boolean;
}

export interface ScanResult {
  /** Position after the last batch visited, or of the batch the visitor stopped at. */
  readonly endPosition: number;
  /** Why the scan stopped before `toPosition`, when the bytes there are not a whole valid batch. */
  readonly corruption: string | null;
}

/**
 * Called per batch; `batch` holds the whole batch only when verifyCrc is set, or for a control
 * batch with `controlBatches`. Return false to stop.
 */
export type BatchVisitor = (header: BatchHeader, position: number, batch: Buffer | null) => boolean | void;

const HEADER_WINDOW_BYTES = 64 * 1024;
const DATA_WINDOW_BYTES = 1024 * 1024;
const INT32_MAX = 0x7fffffff;

export async function scanSegment(segment: Segment, options: ScanOptions, visit: BatchVisitor): Promise<ScanResult> {
  if (!segment.acquire()) return { endPosition: options.fromPosition, corruption: null };
  try {
    return await scanAcquired(segment, options, visit);
  } finally {
    segment.release();
  }
}

async function scanAcquired(segment: Segment, options: ScanOptions, visit: BatchVisitor): Promise<ScanResult> {
  const end = options.toPosition ?? segment.sizeBytes;
  const windowBytes = options.verifyCrc ? DATA_WINDOW_BYTES : HEADER_WINDOW_BYTES;
  let window: Buffer = Buffer.alloc(0);
  let windowPosition = options.fromPosition;
  let position = options.fromPosition;
  let minBaseOffset = options.minBaseOffset;
  const stop = (corruption: string): ScanResult => ({ endPosition: position, corruption });
  // Each iteration consumes one batch of at least BATCH_HEADER_BYTES: bounded by the file size.
  while (position < end) {
    const left = end - position;
    if (left < BATCH_HEADER_BYTES) return stop(`torn batch header: ${left} bytes at the end`);
    if (position + BATCH_HEADER_BYTES > windowPosition + window.length) {
      window = await segment.read(position, Math.min(windowBytes, left));
      windowPosition = position;
      if (window.length < BATCH_HEADER_BYTES) return stop(`short read of ${window.length} bytes`);
    }
    const header = readBatchHeader(window, position - windowPosition);
    if (header.magic !== 2) return stop(`magic ${header.magic}`);
    if (header.sizeBytes < BATCH_HEADER_BYTES) return stop(`batchLength ${header.sizeBytes - 12}`);
    if (header.sizeBytes > left) return stop(`torn batch: ${header.sizeBytes} bytes claimed, ${left} present`);
    if (header.lastOffsetDelta < 0 || header.recordsCount < 0) return stop('negative lastOffsetDelta or recordsCount');
    if (header.baseOffset < minBaseOffset) return stop(`baseOffset ${header.baseOffset} below ${minBaseOffset}`);
    if (lastOffsetOf(header) - segment.baseOffset > INT32_MAX)
      return stop(`offset ${lastOffsetOf(header)} outside the segment`);
    let batch: Buffer | null = null;
    const wanted = options.verifyCrc || (options.controlBatches === true && isControlBatch(header.attributes));
    if (wanted) {
      if (position + header.sizeBytes <= windowPosition + window.length) {
        batch = window.subarray(position - windowPosition, position - windowPosition + header.sizeBytes);
      } else if (header.sizeBytes > windowBytes) {
        batch = await segment.read(position, header.sizeBytes);
      } else {
        window = await segment.read(position, Math.min(windowBytes, left));
        windowPosition = position;
        batch = window.subarray(0, header.sizeBytes);
      }
      if (batch.length < header.sizeBytes) return stop(`short read of batch`);
      if (options.verifyCrc && computeBatchCrc(batch) !== header.crc) return stop('CRC-32C mismatch');
    }
    if (visit(header, position, batch) === false) return { endPosition: position, corruption: null };
    minBaseOffset = lastOffsetOf(header) + 1;
    position += header.sizeBytes;
  }
  return { endPosition: position, corruption: null };
}
