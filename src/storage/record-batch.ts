// RecordBatch v2 (magic 2) header access over the stored bytes, and Kafka's produce-time checks.
// Layout: DefaultRecordBatch (kafka-protocol.md §1.6). Batches stay in their wire bytes from the
// produce request to the fetch response; only baseOffset and partitionLeaderEpoch (outside the CRC)
// and, with LogAppendTime, maxTimestamp + the timestamp-type bit (inside it) are ever rewritten.
import { crc32c, ErrorCode, KafkaError } from '../common/index.js';

export const BatchOffsets = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordsCount: 57,
  records: 61,
} as const;

/** Bytes of the batch header; the smallest possible batch (Kafka's RECORD_BATCH_OVERHEAD). */
export const BATCH_HEADER_BYTES = 61;
/** baseOffset + batchLength: the part of the header not counted in batchLength. */
export const BATCH_LOG_OVERHEAD_BYTES = 12;

export const Attributes = {
  compressionMask: 0x07,
  timestampTypeLogAppend: 0x08,
  transactional: 0x10,
  control: 0x20,
  deleteHorizon: 0x40,
} as const;

export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;

export const NO_PRODUCER_ID = -1;
export const NO_SEQUENCE = -1;

/** A batch refused on produce or found damaged; carries the Kafka error code for the response. */
export class InvalidBatchError extends KafkaError {
  override name = 'InvalidBatchError';
}

// int64 fields hold values below 2^53 in practice (offsets, timestamps, producer ids); reading them
// as hi * 2^32 + lo avoids a BigInt per field on the hot path and keeps -1 as -1.
export function readInt64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 0x1_0000_0000 + buf.readUInt32BE(at + 4);
}

export function writeInt64(buf: Buffer, at: number, value: number): void {
  const hi = Math.floor(value / 0x1_0000_0000);
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(value - hi * 0x1_0000_0000, at + 4);
}

/** The header fields of one batch, decoded once (cheap: no record is touched). */
export interface BatchHeader {
  readonly baseOffset: number;
  /** Total bytes of the batch including the 12-byte log overhead. */
  readonly sizeBytes: number;
  readonly partitionLeaderEpoch: number;
  readonly magic: number;
  readonly crc: number;
  readonly attributes: number;
  readonly lastOffsetDelta: number;
  readonly baseTimestamp: number;
  readonly maxTimestamp: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly recordsCount: number;
}

/** Decodes the header at `at`; the caller guarantees BATCH_HEADER_BYTES are present. */
export function readBatchHeader(buf: Buffer, at = 0): BatchHeader {
  return {
    baseOffset: readInt64(buf, at + BatchOffsets.baseOffset),
    sizeBytes: buf.readInt32BE(at + BatchOffsets.batchLength) + BATCH_LOG_OVERHEAD_BYTES,
    partitionLeaderEpoch: buf.readInt32BE(at + BatchOffsets.partitionLeaderEpoch),
    magic: buf.readInt8(at + BatchOffsets.magic),
    crc: buf.readUInt32BE(at + BatchOffsets.crc),
    attributes: buf.readInt16BE(at + BatchOffsets.attributes),
    lastOffsetDelta: buf.readInt32BE(at + BatchOffsets.lastOffsetDelta),
    baseTimestamp: readInt64(buf, at + BatchOffsets.baseTimestamp),
    maxTimestamp: readInt64(buf, at + BatchOffsets.maxTimestamp),
    producerId: readInt64(buf, at + BatchOffsets.producerId),
    producerEpoch: buf.readInt16BE(at + BatchOffsets.producerEpoch),
    baseSequence: buf.readInt32BE(at + BatchOffsets.baseSequence),
    recordsCount: buf.readInt32BE(at + BatchOffsets.recordsCount),
  };
}

export function lastOffsetOf(header: BatchHeader): number {
  return header.baseOffset + header.lastOffsetDelta;
}

export function compressionOf(attributes: number): number {
  return attributes & Attributes.compressionMask;
}

export function isControlBatch(attributes: number): boolean {
  return (attributes & Attributes.control) !== 0;
}

export function isTransactionalBatch(attributes: number): boolean {
  return (attributes & Attributes.transactional) !== 0;
}

export function isLogAppendTime(attributes: number): boolean {
  return (attributes & Attributes.timestampTypeLogAppend) !== 0;
}

/** CRC-32C over [attributes, end): what the crc field must hold. */
export function computeBatchCrc(batch: Buffer): number {
  return crc32c(batch.subarray(BatchOffsets.attributes));
}

export function hasValidCrc(batch: Buffer): boolean {
  return batch.length >= BATCH_HEADER_BYTES && computeBatchCrc(batch) === batch.readUInt32BE(BatchOffsets.crc);
}

/**
 * Records in stored batches read back to back (a fetch's chunk, which holds whole v2 batches):
 * one header read per batch, for the records-fetched counter. A short tail counts nothing.
 */
export function recordsInBatches(chunk: Buffer): number {
  let records = 0;
  let at = 0;
  while (at + BATCH_HEADER_BYTES <= chunk.length) {
    records += chunk.readInt32BE(at + BatchOffsets.recordsCount);
    at += BATCH_LOG_OVERHEAD_BYTES + chunk.readInt32BE(at + BatchOffsets.batchLength);
  }
  return records;
}

/** Largest number of batches one produce `records` blob may carry before it is refused. */
export const BATCHES_PER_BLOB_MAX = 10_000;

/**
 * Splits a produce request's `records` bytes into batches (views, no copy). Hostile input: every
 * length is checked against the bytes left. Structural damage is CORRUPT_MESSAGE; a batch of an
 * older magic is INVALID_RECORD as in Kafka (produce v3+ accepts magic 2 only).
 */
export function splitBatches(records: Buffer): Buffer[] {
  const batches: Buffer[] = [];
  let at = 0;
  while (at < records.length) {
    if (batches.length >= BATCHES_PER_BLOB_MAX) {
      throw new InvalidBatchError(
        ErrorCode.INVALID_RECORD,
        `more than ${BATCHES_PER_BLOB_MAX} batches in one records blob`,
      );
    }
    const left = records.length - at;
    if (left < BATCH_LOG_OVERHEAD_BYTES + 5) {
      throw new InvalidBatchError(
        ErrorCode.CORRUPT_MESSAGE,
        `truncated batch header at byte ${at}: ${left} bytes left`,
      );
    }
    const magic = records.readInt8(at + BatchOffsets.magic);
    if (magic !== 2) {
      throw new InvalidBatchError(
        ErrorCode.INVALID_RECORD,
        `batch at byte ${at} has magic ${magic}; only magic 2 is accepted`,
      );
    }
    const sizeBytes = records.readInt32BE(at + BatchOffsets.batchLength) + BATCH_LOG_OVERHEAD_BYTES;
    if (sizeBytes < BATCH_HEADER_BYTES || sizeBytes > left) {
      throw new InvalidBatchError(
        ErrorCode.CORRUPT_MESSAGE,
        `batch at byte ${at} claims ${sizeBytes} bytes; ${left} left`,
      );
    }
    batches.push(records.subarray(at, at + sizeBytes));
    at += sizeBytes;
  }
  if (batches.length === 0) throw new InvalidBatchError(ErrorCode.CORRUPT_MESSAGE, 'empty records blob');
  return batches;
}

export interface ValidateOptions {
  readonly maxMessageBytes: number;
}

/**
 * Kafka's checks on a batch a client produced (LogValidator#validateBatch, DefaultRecordBatch#ensureValid).
 * Returns the decoded header so the caller need not decode it again. Records are not decoded.
 */
export function validateClientBatch(batch: Buffer, options: ValidateOptions): BatchHeader {
  if (batch.length < BATCH_HEADER_BYTES) {
    throw new InvalidBatchError(ErrorCode.CORRUPT_MESSAGE, `batch of ${batch.length} bytes is shorter than its header`);
  }
  const header = readBatchHeader(batch);
  if (header.magic !== 2)
    throw new InvalidBatchError(ErrorCode.INVALID_RECORD, `magic ${header.magic}; only 2 is accepted`);
  if (header.sizeBytes !== batch.length) {
    throw new InvalidBatchError(
      ErrorCode.CORRUPT_MESSAGE,
      `batchLength says ${header.sizeBytes} bytes, batch has ${batch.length}`,
    );
  }
  if (batch.length > options.maxMessageBytes) {
    throw new InvalidBatchError(
      ErrorCode.MESSAGE_TOO_LARGE,
      `batch of ${batch.length} bytes exceeds max.message.bytes ${options.maxMessageBytes}`,
    );
  }
  if (computeBatchCrc(batch) !== header.crc)
    throw new InvalidBatchError(ErrorCode.CORRUPT_MESSAGE, 'batch CRC-32C mismatch');
  if (compressionOf(header.attributes) > Compression.zstd) {
    throw new InvalidBatchError(
      ErrorCode.CORRUPT_MESSAGE,
      `unknown compression codec ${compressionOf(header.attributes)}`,
    );
  }
  if (header.recordsCount <= 0 || header.lastOffsetDelta + 1 !== header.recordsCount) {
    throw new InvalidBatchError(
      ErrorCode.INVALID_RECORD,
      `lastOffsetDelta ${header.lastOffsetDelta} + 1 must equal recordsCount ${header.recordsCount} > 0`,
    );
  }
  if (isControlBatch(header.attributes))
    throw new InvalidBatchError(ErrorCode.INVALID_RECORD, 'clients may not write control batches');
  if (isTransactionalBatch(header.attributes) && header.producerId < 0)
    throw new InvalidBatchError(ErrorCode.INVALID_RECORD, 'a transactional batch needs a producer id');
  if (header.producerId >= 0 && (header.baseSequence < 0 || header.producerEpoch < 0)) {
    throw new InvalidBatchError(
      ErrorCode.INVALID_RECORD,
      'an idempotent batch needs baseSequence >= 0 and producerEpoch >= 0',
    );
  }
  return header;
}

/** Structural checks for bytes read back from disk or received from a leader (no client rules). */
export function checkStoredBatch(batch: Buffer): string | null {
  if (batch.length < BATCH_HEADER_BYTES) return 'shorter than a batch header';
  if (batch.readInt8(BatchOffsets.magic) !== 2) return `magic ${batch.readInt8(BatchOffsets.magic)}`;
  if (batch.readInt32BE(BatchOffsets.batchLength) + BATCH_LOG_OVERHEAD_BYTES !== batch.length)
    return 'batchLength mismatch';
  if (batch.readInt32BE(BatchOffsets.lastOffsetDelta) < 0) return 'negative lastOffsetDelta';
  if (!hasValidCrc(batch)) return 'CRC-32C mismatch';
  return null;
}

/** Assigns offsets: neither field is covered by the CRC, so it stays valid. */
export function setBaseOffsetAndEpoch(batch: Buffer, baseOffset: number, partitionLeaderEpoch: number): void {
  writeInt64(batch, BatchOffsets.baseOffset, baseOffset);
  batch.writeInt32BE(partitionLeaderEpoch, BatchOffsets.partitionLeaderEpoch);
}

/** LogAppendTime: the broker's clock becomes maxTimestamp; both changes are inside the CRC. */
export function setLogAppendTime(batch: Buffer, timestampMs: number): void {
  const attributes = batch.readInt16BE(BatchOffsets.attributes);
  batch.writeInt16BE(attributes | Attributes.timestampTypeLogAppend, BatchOffsets.attributes);
  writeInt64(batch, BatchOffsets.maxTimestamp, timestampMs);
  batch.writeUInt32BE(computeBatchCrc(batch), BatchOffsets.crc);
}
