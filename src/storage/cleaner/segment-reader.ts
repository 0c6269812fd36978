// The cleaner's walk over a segment: every whole batch in order, read in large windows with its
// CRC-32C checked (the cleaner rewrites what it reads, so it must not copy damage into a segment
// that recovery would then trust). The caller holds a reference on the segment.
import { ErrorCode, KafkaError } from '../../common/index.js';
import {
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES,
  BatchOffsets,
  computeBatchCrc,
  readBatchHeader,
} from '../record-batch.js';
import type { Segment } from '../segment.js';

const WINDOW_BYTES = 1024 * 1024;

function damaged(segment: Segment, position: number, what: string): KafkaError {
  return new KafkaError(
    ErrorCode.KAFKA_STORAGE_ERROR,
    `segment ${segment.baseOffset} at position ${position}: ${what}; not cleaned`,
  );
}

/** Yields each batch (a view valid until the next one) with its position, from `fromPosition` to `toPosition`. */
export async function* batchesOf(
  segment: Segment,
  fromPosition = 0,
  toPosition = segment.sizeBytes,
): AsyncGenerator<{ batch: Buffer; position: number }> {
  let window: Buffer = Buffer.alloc(0);
  let windowPosition = fromPosition;
  let position = fromPosition;
  // Each iteration moves past one batch (>= 61 bytes): bounded by the segment size.
  while (position < toPosition) {
    const left = toPosition - position;
    if (left < BATCH_HEADER_BYTES) throw damaged(segment, position, `${left} bytes are not a batch`);
    if (position + BATCH_HEADER_BYTES > windowPosition + window.length) {
      window = await segment.read(position, Math.min(WINDOW_BYTES, left));
      windowPosition = position;
      if (window.length < BATCH_HEADER_BYTES) throw damaged(segment, position, 'short read');
    }
    const at = position - windowPosition;
    const sizeBytes = window.readInt32BE(at + BatchOffsets.batchLength) + BATCH_LOG_OVERHEAD_BYTES;
    if (window.readInt8(at + BatchOffsets.magic) !== 2 || sizeBytes < BATCH_HEADER_BYTES || sizeBytes > left) {
      throw damaged(segment, position, 'no valid batch');
    }
    let batch: Buffer;
    if (at + sizeBytes <= window.length) {
      batch = window.subarray(at, at + sizeBytes);
    } else {
      window = await segment.read(position, Math.min(Math.max(WINDOW_BYTES, sizeBytes), left));
      windowPosition = position;
      if (window.length < sizeBytes) throw damaged(segment, position, 'short read');
      batch = window.subarray(0, sizeBytes);
    }
    if (computeBatchCrc(batch) !== readBatchHeader(batch).crc) throw damaged(segment, position, 'CRC-32C mismatch');
    yield { batch, position };
    position += sizeBytes;
  }
}
