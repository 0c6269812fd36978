// Encoding and decoding of the records inside a RecordBatch v2 (DefaultRecord): length varint,
// attributes int8, timestampDelta varlong, offsetDelta varint, key, value, headers, all lengths
// ZigZag varints; the records section compressed as the attributes say. Used off the hot path
// only: the group coordinator's own records, exact offsetsForTimes lookups, the leader's
// recompression for a topic's compression.type, the old message formats' conversions and tests.
// Produce and fetch of magic 2 batches never decode records.
import { ErrorCode, limits } from '../common/index.js';
import { compress, decompress, isCodec, type CompressionCodec } from './compression.js';
import {
  Attributes,
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES,
  BatchOffsets,
  Compression,
  InvalidBatchError,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  compressionOf,
  computeBatchCrc,
  isLogAppendTime,
  readBatchHeader,
  writeInt64,
} from './record-batch.js';

export interface RecordHeader {
  readonly key: string;
  readonly value: Buffer | null;
}

export interface RecordInput {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: readonly RecordHeader[];
  readonly timestamp: number;
}

export interface DecodedRecord {
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: RecordHeader[];
}

export interface BuildBatchOptions {
  readonly baseOffset?: number;
  readonly partitionLeaderEpoch?: number;
  readonly producerId?: number;
  readonly producerEpoch?: number;
  readonly baseSequence?: number;
  readonly logAppendTime?: boolean;
  readonly transactional?: boolean;
  readonly control?: boolean;
  /** The codec of the records section (default none). */
  readonly compression?: CompressionCodec;
}

// ---- ZigZag varints on JS numbers (exact below 2^53, which covers Kafka timestamps) ----

/** A growable byte buffer with Kafka's ZigZag varints (the cleaner re-encodes records with it too). */
export class ByteSink {
  private buf = Buffer.allocUnsafe(256);
  length = 0;

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + bytes));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  byte(value: number): void {
    this.reserve(1);
    this.buf[this.length++] = value & 0xff;
  }

  varlong(value: number): void {
    let zz = value >= 0 ? value * 2 : -value * 2 - 1;
    this.reserve(10);
    while (zz >= 0x80) {
      this.buf[this.length++] = (zz % 0x80) | 0x80;
      zz = Math.floor(zz / 0x80);
    }
    this.buf[this.length++] = zz;
  }

  bytes(value: Uint8Array): void {
    this.reserve(value.length);
    this.buf.set(value, this.length);
    this.length += value.length;
  }

  /** Length-prefixed bytes, -1 for null. */
  nullableBytes(value: Uint8Array | null): void {
    if (value === null) {
      this.varlong(-1);
      return;
    }
    this.varlong(value.length);
    this.bytes(value);
  }

  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** A bounded reader of Kafka's ZigZag varints and length-prefixed bytes; malformed input is CORRUPT_MESSAGE. */
export class ByteSource {
  at: number;
  constructor(
    private readonly buf: Buffer,
    start: number,
    private readonly end: number,
  ) {
    this.at = start;
  }

  private fail(what: string): never {
    throw new InvalidBatchError(ErrorCode.CORRUPT_MESSAGE, `malformed record: ${what} at byte ${this.at}`);
  }

  byte(): number {
    if (this.at >= this.end) this.fail('truncated');
    return this.buf[this.at++] as number;
  }

  varlong(): number {
    let zz = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      zz += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return zz % 2 === 0 ? zz / 2 : -(zz + 1) / 2;
      scale *= 0x80;
    }
    return this.fail('varint longer than 10 bytes');
  }

  varint(): number {
    const value = this.varlong();
    if (value < -0x8000_0000 || value > 0x7fff_ffff) this.fail('varint out of int32 range');
    return value;
  }

  nullableBytes(): Buffer | null {
    const length = this.varint();
    if (length === -1) return null;
    if (length < -1 || length > this.end - this.at) this.fail(`length ${length}`);
    const value = this.buf.subarray(this.at, this.at + length);
    this.at += length;
    return value;
  }
}

/** Encodes a batch with a valid CRC. Offsets start at `baseOffset` (default 0). */
export function buildRecordBatch(records: readonly RecordInput[], options: BuildBatchOptions = {}): Buffer {
  if (records.length === 0) throw new RangeError('a batch needs at least one record');
  const first = records[0] as RecordInput;
  const baseTimestamp = first.timestamp;
  let maxTimestamp = baseTimestamp;
  const body = new ByteSink();
  const recordSink = new ByteSink();
  records.forEach((record, offsetDelta) => {
    maxTimestamp = Math.max(maxTimestamp, record.timestamp);
    recordSink.length = 0;
    recordSink.byte(0);
    recordSink.varlong(record.timestamp - baseTimestamp);
    recordSink.varlong(offsetDelta);
    recordSink.nullableBytes(record.key);
    recordSink.nullableBytes(record.value);
    const headers = record.headers ?? [];
    recordSink.varlong(headers.length);
    for (const header of headers) {
      const key = Buffer.from(header.key, 'utf8');
      recordSink.varlong(key.length);
      recordSink.bytes(key);
      recordSink.nullableBytes(header.value);
    }
    body.varlong(recordSink.length);
    body.bytes(recordSink.view());
  });
  const codec = options.compression ?? Compression.none;
  const section = compress(codec, body.view());
  const batch = Buffer.alloc(BATCH_HEADER_BYTES + section.length);
  let attributes: number = codec;
  if (options.logAppendTime === true) attributes |= Attributes.timestampTypeLogAppend;
  if (options.transactional === true) attributes |= Attributes.transactional;
  if (options.control === true) attributes |= Attributes.control;
  writeInt64(batch, BatchOffsets.baseOffset, options.baseOffset ?? 0);
  batch.writeInt32BE(batch.length - BATCH_LOG_OVERHEAD_BYTES, BatchOffsets.batchLength);
  batch.writeInt32BE(options.partitionLeaderEpoch ?? -1, BatchOffsets.partitionLeaderEpoch);
  batch.writeInt8(2, BatchOffsets.magic);
  batch.writeInt16BE(attributes, BatchOffsets.attributes);
  batch.writeInt32BE(records.length - 1, BatchOffsets.lastOffsetDelta);
  writeInt64(batch, BatchOffsets.baseTimestamp, baseTimestamp);
  writeInt64(batch, BatchOffsets.maxTimestamp, maxTimestamp);
  writeInt64(batch, BatchOffsets.producerId, options.producerId ?? NO_PRODUCER_ID);
  batch.writeInt16BE(options.producerEpoch ?? -1, BatchOffsets.producerEpoch);
  batch.writeInt32BE(options.baseSequence ?? NO_SEQUENCE, BatchOffsets.baseSequence);
  batch.writeInt32BE(records.length, BatchOffsets.recordsCount);
  section.copy(batch, BATCH_HEADER_BYTES);
  batch.writeUInt32BE(computeBatchCrc(batch), BatchOffsets.crc);
  return batch;
}

/** Smallest encoded record: length, attributes, timestampDelta, offsetDelta, key, value, headers. */
const RECORD_BYTES_MIN = 7;

/**
 * The records section of a batch, decompressed (a view when uncompressed). Refuses output beyond
 * `maxBytes`, an unknown codec and malformed compressed data with CORRUPT_MESSAGE.
 */
export function recordsSection(batch: Buffer, maxBytes: number = limits.decompressedBatchBytesMax): Buffer {
  if (batch.length < BATCH_HEADER_BYTES)
    throw new InvalidBatchError(ErrorCode.CORRUPT_MESSAGE, 'batch shorter than its header');
  const header = readBatchHeader(batch);
  const codec = compressionOf(header.attributes);
  if (!isCodec(codec)) throw new InvalidBatchError(ErrorCode.CORRUPT_MESSAGE, `unknown compression codec ${codec}`);
  const raw = batch.subarray(BATCH_HEADER_BYTES, Math.min(batch.length, header.sizeBytes));
  return decompress(codec, raw, maxBytes);
}

/**
 * Decodes the records of one batch (views into the batch, or into its decompressed section, no
 * copies). Hostile input is refused with CORRUPT_MESSAGE.
 */
export function decodeRecords(batch: Buffer, maxBytes: number = limits.decompressedBatchBytesMax): DecodedRecord[] {
  const section = recordsSection(batch, maxBytes);
  const header = readBatchHeader(batch);
  const end = section.length;
  const count = header.recordsCount;
  if (count < 0 || count > end / RECORD_BYTES_MIN) {
    throw new InvalidBatchError(ErrorCode.CORRUPT_MESSAGE, `recordsCount ${count} does not fit in ${end} bytes`);
  }
  const logAppendTime = isLogAppendTime(header.attributes);
  const source = new ByteSource(section, 0, end);
  const records: DecodedRecord[] = [];
  for (let i = 0; i < count; i++) {
    const length = source.varint();
    const recordEnd = source.at + length;
    if (length < RECORD_BYTES_MIN - 1 || recordEnd > end) {
      throw new InvalidBatchError(ErrorCode.CORRUPT_MESSAGE, `record ${i} length ${length} overruns the batch`);
    }
    const inner = new ByteSource(section, source.at, recordEnd);
    inner.byte(); // attributes: unused in magic 2
    const timestampDelta = inner.varlong();
    const offsetDelta = inner.varint();
    const key = inner.nullableBytes();
    const value = inner.nullableBytes();
    const headerCount = inner.varint();
    if (headerCount < 0 || headerCount > recordEnd - inner.at) {
      throw new InvalidBatchError(ErrorCode.CORRUPT_MESSAGE, `record ${i} header count ${headerCount}`);
    }
    const headers: RecordHeader[] = [];
    for (let h = 0; h < headerCount; h++) {
      const headerKey = inner.nullableBytes();
      if (headerKey === null)
        throw new InvalidBatchError(ErrorCode.CORRUPT_MESSAGE, `record ${i} has a null header key`);
      headers.push({ key: headerKey.toString('utf8'), value: inner.nullableBytes() });
    }
    if (inner.at !== recordEnd)
      throw new InvalidBatchError(ErrorCode.CORRUPT_MESSAGE, `record ${i} has trailing bytes`);
    source.at = recordEnd;
    records.push({
      offset: header.baseOffset + offsetDelta,
      timestamp: logAppendTime ? header.maxTimestamp : header.baseTimestamp + timestampDelta,
      key,
      value,
      headers,
    });
  }
  if (source.at !== end) throw new InvalidBatchError(ErrorCode.CORRUPT_MESSAGE, 'trailing bytes after the records');
  return records;
}

/**
 * The same batch with its records section in `codec` (Kafka's recompression on the leader for a
 * topic's compression.type): every header field but the codec bits is kept, the CRC recomputed.
 * The records are decoded first, so a batch whose records do not parse is refused, as Kafka's
 * LogValidator does when it recompresses; their offset deltas must run 0..recordsCount-1.
 */
export function recompressBatch(
  batch: Buffer,
  codec: CompressionCodec,
  maxBytes: number = limits.decompressedBatchBytesMax,
): Buffer {
  const header = readBatchHeader(batch);
  const records = decodeRecords(batch, maxBytes);
  records.forEach((record, i) => {
    if (record.offset !== header.baseOffset + i) {
      throw new InvalidBatchError(
        ErrorCode.INVALID_RECORD,
        `record ${i} has offset delta ${record.offset - header.baseOffset}`,
      );
    }
  });
  const section = compress(codec, recordsSection(batch, maxBytes));
  const out = Buffer.allocUnsafe(BATCH_HEADER_BYTES + section.length);
  batch.copy(out, 0, 0, BATCH_HEADER_BYTES);
  section.copy(out, BATCH_HEADER_BYTES);
  out.writeInt32BE(out.length - BATCH_LOG_OVERHEAD_BYTES, BatchOffsets.batchLength);
  out.writeInt16BE((header.attributes & ~Attributes.compressionMask) | codec, BatchOffsets.attributes);
  out.writeUInt32BE(computeBatchCrc(out), BatchOffsets.crc);
  return out;
}
