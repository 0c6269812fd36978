// Encoding and decoding of the records inside an UNCOMPRESSED RecordBatch v2 (DefaultRecord):
// length varint, attributes int8, timestampDelta varlong, offsetDelta varint, key, value, headers,
// all lengths ZigZag varints. Used off the hot path only: the group coordinator's own records,
// exact offsetsForTimes lookups and tests. Produce and fetch never decode records.
import { ErrorCode } from '../common/index.js';
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

/** Encodes an uncompressed batch with a valid CRC. Offsets start at `baseOffset` (default 0). */
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
  const batch = Buffer.alloc(BATCH_HEADER_BYTES + body.length);
  let attributes = Compression.none;
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
  body.view().copy(batch, BATCH_HEADER_BYTES);
  batch.writeUInt32BE(computeBatchCrc(batch), BatchOffsets.crc);
  return batch;
}

/** Smallest encoded record: length, attributes, timestampDelta, offsetDelta, key, value, headers. */
const RECORD_BYTES_MIN = 7;

/**
 * Decodes the records of one uncompressed batch (views into `batch`, no copies). Hostile input is
 * refused with CORRUPT_MESSAGE; a compressed batch with UNSUPPORTED_COMPRESSION_TYPE.
 */
export function decodeRecords(batch: Buffer): DecodedRecord[] {
  if (batch.length < BATCH_HEADER_BYTES)
    throw new InvalidBatchError(ErrorCode.CORRUPT_MESSAGE, 'batch shorter than its header');
  const header = readBatchHeader(batch);
  if (compressionOf(header.attributes) !== Compression.none) {
    throw new InvalidBatchError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, 'decoding compressed records is not supported');
  }
  const end = Math.min(batch.length, header.sizeBytes);
  const count = header.recordsCount;
  if (count < 0 || count > (end - BATCH_HEADER_BYTES) / RECORD_BYTES_MIN) {
    throw new InvalidBatchError(ErrorCode.CORRUPT_MESSAGE, `recordsCount ${count} does not fit in ${end} bytes`);
  }
  const logAppendTime = isLogAppendTime(header.attributes);
  const source = new ByteSource(batch, BATCH_HEADER_BYTES, end);
  const records: DecodedRecord[] = [];
  for (let i = 0; i < count; i++) {
    const length = source.varint();
    const recordEnd = source.at + length;
    if (length < RECORD_BYTES_MIN - 1 || recordEnd > end) {
      throw new InvalidBatchError(ErrorCode.CORRUPT_MESSAGE, `record ${i} length ${length} overruns the batch`);
    }
    const inner = new ByteSource(batch, source.at, recordEnd);
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
  return records;
}
