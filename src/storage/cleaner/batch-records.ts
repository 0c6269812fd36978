// Opening a stored batch into its records and writing the survivors back as Kafka's cleaner does
// (MemoryRecords.filterTo): the batch keeps its base offset, its LAST offset (lastOffsetDelta, so
// the producer's last sequence survives), partition leader epoch, producer id, epoch and base
// sequence, and its attributes; the records kept keep their offset, timestamp, key, value and
// headers byte for byte; the records section is recompressed with the batch's codec and the CRC
// recomputed. A batch with no record left can be written as a bare header (an empty batch) where
// its offsets or producer fields must survive.
//
// The delete horizon (KIP-534): the first time the cleaner keeps a batch holding a tombstone it
// sets attribute bit 0x40 and makes the base timestamp the horizon (now + delete.retention.ms);
// record timestamp deltas are re-based on it, so every record's timestamp stays what it was.
import { ErrorCode } from '../../common/index.js';
import {
  Attributes,
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES,
  type BatchHeader,
  BatchOffsets,
  InvalidBatchError,
  compressionOf,
  computeBatchCrc,
  isLogAppendTime,
  readBatchHeader,
  writeInt64,
} from '../record-batch.js';
import { ByteSink, ByteSource } from '../record-codec.js';
import { type Codec, canRecompress, compressRecords, decompressRecords } from './record-codecs.js';

/** One record of a batch, with the bytes needed to write it again unchanged. */
export interface StoredRecord {
  readonly offset: number;
  readonly timestamp: number;
  readonly offsetDelta: number;
  /** Null for a record without a key. */
  readonly key: Buffer | null;
  /** A tombstone: a key with a null value. */
  readonly isTombstone: boolean;
  /** The record's bytes from its key length to its end (key, value, headers): copied as they are. */
  readonly tail: Buffer;
}

/** Whether the batch carries a delete horizon (KIP-534); its base timestamp is then the horizon. */
export function deleteHorizonOf(header: BatchHeader): number | null {
  return (header.attributes & Attributes.deleteHorizon) !== 0 ? header.baseTimestamp : null;
}

/** Records a decompressed batch may hold at most, per byte of the largest allowed batch. */
const SMALLEST_RECORD_BYTES = 7;

/**
 * The records of `batch` (whole, CRC checked by the caller). `maxRecordBytes` bounds what a
 * compressed section may expand to. Hostile bytes are refused with CORRUPT_MESSAGE.
 */
export function readStoredRecords(batch: Buffer, codec: Codec, maxRecordBytes: number): StoredRecord[] {
  const header = readBatchHeader(batch);
  const section = decompressRecords(codec, batch.subarray(BATCH_HEADER_BYTES, header.sizeBytes), maxRecordBytes);
  const count = header.recordsCount;
  if (count < 0 || count > section.length / SMALLEST_RECORD_BYTES + 1) {
    throw new InvalidBatchError(ErrorCode.CORRUPT_MESSAGE, `recordsCount ${count} does not fit the batch`);
  }
  const logAppendTime = isLogAppendTime(header.attributes);
  const source = new ByteSource(section, 0, section.length);
  const records: StoredRecord[] = [];
  for (let i = 0; i < count; i++) {
    const length = source.varint();
    const end = source.at + length;
    if (length < SMALLEST_RECORD_BYTES - 1 || end > section.length) {
      throw new InvalidBatchError(ErrorCode.CORRUPT_MESSAGE, `record ${i} of ${length} bytes overruns the batch`);
    }
    const inner = new ByteSource(section, source.at, end);
    inner.byte(); // record attributes: unused in magic 2
    const timestampDelta = inner.varlong();
    const offsetDelta = inner.varint();
    const tailStart = inner.at;
    const key = inner.nullableBytes();
    const value = inner.nullableBytes();
    records.push({
      offset: header.baseOffset + offsetDelta,
      timestamp: logAppendTime ? header.maxTimestamp : header.baseTimestamp + timestampDelta,
      offsetDelta,
      key,
      isTombstone: key !== null && value === null,
      tail: section.subarray(tailStart, end),
    });
    source.at = end;
  }
  if (source.at !== section.length) {
    throw new InvalidBatchError(ErrorCode.CORRUPT_MESSAGE, `${section.length - source.at} bytes after the records`);
  }
  return records;
}

export interface RewriteOptions {
  /** The delete horizon to give a batch that has none (ms), or null to leave it as it is. */
  readonly setDeleteHorizonMs: number | null;
}

/**
 * The batch `original` with only `kept` (in order, a subset of its records) left. An empty `kept`
 * gives a bare header over the same offsets (Kafka's writeEmptyHeader).
 */
export function rewriteBatch(
  original: Buffer,
  kept: readonly StoredRecord[],
  codec: Codec,
  options: RewriteOptions,
): Buffer {
  const header = readBatchHeader(original);
  const logAppendTime = isLogAppendTime(header.attributes);
  let attributes = header.attributes;
  let baseTimestamp = header.baseTimestamp;
  if (options.setDeleteHorizonMs !== null && deleteHorizonOf(header) === null) {
    attributes |= Attributes.deleteHorizon;
    baseTimestamp = options.setDeleteHorizonMs;
  }
  let maxTimestamp = header.maxTimestamp;
  if (kept.length > 0 && !logAppendTime) {
    maxTimestamp = -1;
    for (const record of kept) if (record.timestamp > maxTimestamp) maxTimestamp = record.timestamp;
  }
  if (kept.length === 0) {
    // A bare header (Kafka's writeEmptyHeader): no codec, no horizon, both timestamps the newest one's.
    attributes &= ~(Attributes.compressionMask | Attributes.deleteHorizon);
    baseTimestamp = header.maxTimestamp;
  }
  let section: Buffer = Buffer.alloc(0);
  if (kept.length > 0) {
    const sink = new ByteSink();
    const record = new ByteSink();
    for (const r of kept) {
      record.length = 0;
      record.byte(0);
      // With LogAppendTime the deltas are not read; keep them relative to the base all the same.
      record.varlong(logAppendTime ? 0 : r.timestamp - baseTimestamp);
      record.varlong(r.offsetDelta);
      record.bytes(r.tail);
      sink.varlong(record.length);
      sink.bytes(record.view());
    }
    section = compressRecords(codec, Buffer.from(sink.view()));
  }
  const batch = Buffer.alloc(BATCH_HEADER_BYTES + section.length);
  original.copy(batch, 0, 0, BATCH_HEADER_BYTES);
  batch.writeInt32BE(batch.length - BATCH_LOG_OVERHEAD_BYTES, BatchOffsets.batchLength);
  batch.writeInt16BE(attributes, BatchOffsets.attributes);
  writeInt64(batch, BatchOffsets.baseTimestamp, baseTimestamp);
  writeInt64(batch, BatchOffsets.maxTimestamp, maxTimestamp);
  batch.writeInt32BE(kept.length, BatchOffsets.recordsCount);
  section.copy(batch, BATCH_HEADER_BYTES);
  batch.writeUInt32BE(computeBatchCrc(batch), BatchOffsets.crc);
  return batch;
}

/**
 * The indexes (within the batch) of its records without a key, for a produce to a compacted
 * topic, which refuses them (Kafka's LogValidator). Null when the batch's codec cannot be opened
 * here: such a batch is not checked (the cleaner drops keyless records it can open later anyway).
 */
export function keylessRecordIndexes(batch: Buffer, maxRecordBytes: number): number[] | null {
  const codec = compressionOf(readBatchHeader(batch).attributes);
  if (!canRecompress(codec)) return null;
  const indexes: number[] = [];
  readStoredRecords(batch, codec, maxRecordBytes).forEach((record, i) => {
    if (record.key === null) indexes.push(i);
  });
  return indexes;
}
