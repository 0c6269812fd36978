// Kafka's message formats v0 and v1 (magic 0, 1: "message sets", kafka-protocol.md §1.6 and
// KIP-32) and their conversion to and from record batches v2, for clients older than Kafka 0.11.
// Brook stores only batches v2: Produce v0-2 message sets are converted on the way in, as Kafka's
// LogValidator did, and Fetch v0-3 gets the stored batches converted down.
//
// One entry: offset int64, size int32, then the message: crc uint32 (CRC-32 of what follows),
// magic int8, attributes int8 (bits 0-2 codec, bit 3 LogAppendTime in v1), timestamp int64 (v1
// only), key bytes, value bytes (int32 lengths, -1 null). A compressed message ("wrapper") holds
// a whole message set, compressed, as its value: inner offsets are absolute in v0 and relative
// (0..n-1, the wrapper carrying the last absolute offset) in v1.
import { ErrorCode, crc32, limits } from '../common/index.js';
import { compress, decompress, isCodec, type CompressionCodec } from './compression.js';
import {
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES,
  BatchOffsets,
  Compression,
  InvalidBatchError,
  compressionOf,
  isControlBatch,
  isLogAppendTime,
  readBatchHeader,
  readInt64,
  writeInt64,
} from './record-batch.js';
import { buildRecordBatch, decodeRecords, type RecordInput } from './record-codec.js';

export type LegacyMagic = 0 | 1;

/** Timestamp of a v0 message, which has none (Kafka's RecordBatch.NO_TIMESTAMP). */
export const NO_TIMESTAMP = -1;

const ENTRY_OVERHEAD_BYTES = 12; // offset + size
const CRC_BYTES = 4;
/** crc, magic, attributes, key length, value length (+ timestamp in v1). */
const MESSAGE_BYTES_MIN: Readonly<Record<LegacyMagic, number>> = { 0: 14, 1: 22 };
const TIMESTAMP_TYPE_LOG_APPEND = 0x08;
const CODEC_MASK = 0x07;

/** One message as it was produced, after compressed wrappers are unwrapped. */
export interface LegacyRecord {
  readonly magic: LegacyMagic;
  /** NO_TIMESTAMP in v0; in v1 the wrapper's when the wrapper says LogAppendTime. */
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

/** What a produced message set held: its records and the codec of its (first) wrapper. */
export interface ParsedMessageSet {
  readonly records: LegacyRecord[];
  readonly codec: CompressionCodec;
}

function corrupt(message: string): never {
  throw new InvalidBatchError(ErrorCode.CORRUPT_MESSAGE, message);
}

function invalid(message: string): never {
  throw new InvalidBatchError(ErrorCode.INVALID_RECORD, message);
}

/** The magic byte of the first entry of a records blob, or null when it is too short to say. */
export function firstMagic(records: Buffer): number | null {
  return records.length > BatchOffsets.magic ? records.readInt8(BatchOffsets.magic) : null;
}

interface Message {
  readonly magic: LegacyMagic;
  readonly attributes: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

function readBytes(buf: Buffer, at: number, end: number, what: string): { value: Buffer | null; next: number } {
  if (end - at < 4) corrupt(`truncated ${what} length`);
  const length = buf.readInt32BE(at);
  if (length === -1) return { value: null, next: at + 4 };
  if (length < 0 || length > end - at - 4) corrupt(`${what} length ${length} overruns the message`);
  return { value: buf.subarray(at + 4, at + 4 + length), next: at + 4 + length };
}

/** Reads one message (the bytes after offset and size), checking its CRC and lengths. */
function readMessage(message: Buffer, where: string): Message {
  if (message.length < MESSAGE_BYTES_MIN[0]) corrupt(`message at ${where} of ${message.length} bytes is too short`);
  const magic = message.readInt8(CRC_BYTES);
  if (magic !== 0 && magic !== 1) invalid(`message at ${where} has magic ${magic} inside a message set`);
  if (message.length < MESSAGE_BYTES_MIN[magic]) corrupt(`message at ${where} of ${message.length} bytes is too short`);
  if (crc32(message.subarray(CRC_BYTES)) !== message.readUInt32BE(0)) corrupt(`message at ${where}: CRC-32 mismatch`);
  const attributes = message.readInt8(CRC_BYTES + 1);
  let at = CRC_BYTES + 2;
  let timestamp = NO_TIMESTAMP;
  if (magic === 1) {
    timestamp = readInt64(message, at);
    at += 8;
  }
  const key = readBytes(message, at, message.length, 'key');
  const value = readBytes(message, key.next, message.length, 'value');
  if (value.next !== message.length) corrupt(`message at ${where} has ${message.length - value.next} trailing bytes`);
  return { magic, attributes, timestamp, key: key.value, value: value.value };
}

/** Splits a message set into its messages; every length is checked against the bytes left. */
function readEntries(set: Buffer, where: string): Message[] {
  const messages: Message[] = [];
  let at = 0;
  while (at < set.length) {
    const left = set.length - at;
    if (left < ENTRY_OVERHEAD_BYTES) corrupt(`truncated message set entry at byte ${at} of ${where}`);
    const size = set.readInt32BE(at + 8);
    if (size < MESSAGE_BYTES_MIN[0] || size > left - ENTRY_OVERHEAD_BYTES) {
      corrupt(`message at byte ${at} of ${where} claims ${size} bytes; ${left - ENTRY_OVERHEAD_BYTES} left`);
    }
    const start = at + ENTRY_OVERHEAD_BYTES;
    messages.push(readMessage(set.subarray(start, start + size), `byte ${at} of ${where}`));
    at = start + size;
  }
  return messages;
}

function codecOf(attributes: number, where: string): CompressionCodec {
  const codec = attributes & CODEC_MASK;
  if (codec === Compression.zstd) {
    throw new InvalidBatchError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `zstd needs record batches v2 (${where})`);
  }
  if (!isCodec(codec)) corrupt(`unknown compression codec ${codec} (${where})`);
  return codec;
}

/**
 * Parses a produced message set of magic 0/1 into its records, unwrapping compressed wrappers
 * (one level: a compressed message inside a wrapper is refused, as Kafka does) within a bound on
 * the decompressed bytes. Damage is CORRUPT_MESSAGE, rule violations INVALID_RECORD.
 */
export function parseMessageSet(
  set: Buffer,
  decompressedBytesMax: number = limits.decompressedBatchBytesMax,
): ParsedMessageSet {
  const records: LegacyRecord[] = [];
  let codec: CompressionCodec = Compression.none;
  let budget = decompressedBytesMax;
  for (const message of readEntries(set, 'the message set')) {
    const wrapperCodec = codecOf(message.attributes, 'a message');
    if (wrapperCodec === Compression.none) {
      records.push({ magic: message.magic, timestamp: message.timestamp, key: message.key, value: message.value });
      continue;
    }
    if (codec === Compression.none) codec = wrapperCodec;
    if (message.value === null) invalid('a compressed message has a null value');
    const inner = decompress(wrapperCodec, message.value, budget);
    budget -= inner.length;
    const logAppendTime = message.magic === 1 && (message.attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0;
    const innerMessages = readEntries(inner, 'a compressed message');
    if (innerMessages.length === 0) invalid('a compressed message holds no messages');
    for (const innerMessage of innerMessages) {
      if ((innerMessage.attributes & CODEC_MASK) !== Compression.none) {
        invalid('a compressed message holds a compressed message');
      }
      if (innerMessage.magic !== message.magic) {
        invalid(`a magic ${message.magic} compressed message holds a magic ${innerMessage.magic} message`);
      }
      records.push({
        magic: innerMessage.magic,
        timestamp: logAppendTime ? message.timestamp : innerMessage.timestamp,
        key: innerMessage.key,
        value: innerMessage.value,
      });
    }
  }
  if (records.length === 0) invalid('empty message set');
  return { records, codec };
}

/**
 * Converts a produced message set into one record batch v2 (no producer id, offsets from 0, to be
 * assigned on append), compressed with `codec`, or with the producer's codec when null (topic
 * compression.type=producer). v0 records get NO_TIMESTAMP.
 */
export function messageSetToBatch(set: Buffer, codec: CompressionCodec | null): { batch: Buffer; magic: LegacyMagic } {
  const parsed = parseMessageSet(set);
  const records: RecordInput[] = parsed.records.map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp }));
  const batch = buildRecordBatch(records, { compression: codec ?? parsed.codec });
  return { batch, magic: (parsed.records[0] as LegacyRecord).magic };
}

// ---- down-conversion for Fetch v0-3 ---------------------------------------------------------

interface OutMessage {
  readonly offset: number;
  readonly attributes: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

function bytesLength(value: Buffer | null): number {
  return 4 + (value === null ? 0 : value.length);
}

function writeBytes(out: Buffer, at: number, value: Buffer | null): number {
  if (value === null) {
    out.writeInt32BE(-1, at);
    return at + 4;
  }
  out.writeInt32BE(value.length, at);
  value.copy(out, at + 4);
  return at + 4 + value.length;
}

/** Encodes messages as a message set of `magic`, each with its CRC. */
export function encodeMessageSet(messages: readonly OutMessage[], magic: LegacyMagic): Buffer {
  let total = 0;
  for (const m of messages) {
    total += ENTRY_OVERHEAD_BYTES + MESSAGE_BYTES_MIN[magic] - 8 + bytesLength(m.key) + bytesLength(m.value);
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const m of messages) {
    const start = at;
    writeInt64(out, at, m.offset);
    const messageStart = at + ENTRY_OVERHEAD_BYTES;
    at = messageStart + CRC_BYTES;
    out.writeInt8(magic, at);
    out.writeInt8(m.attributes, at + 1);
    at += 2;
    if (magic === 1) {
      writeInt64(out, at, m.timestamp);
      at += 8;
    }
    at = writeBytes(out, at, m.key);
    at = writeBytes(out, at, m.value);
    out.writeInt32BE(at - messageStart, start + 8);
    out.writeUInt32BE(crc32(out.subarray(messageStart + CRC_BYTES, at)), messageStart);
  }
  return out;
}

/**
 * The codec a down-converted batch keeps: gzip and snappy always; lz4 in v1 only (v0 readers
 * expect the broken header checksum of KAFKA-3160, which Brook does not write); zstd never (not
 * defined before batches v2): those records go uncompressed.
 */
function downConvertedCodec(codec: CompressionCodec, magic: LegacyMagic): CompressionCodec {
  if (codec === Compression.zstd || (codec === Compression.lz4 && magic === 0)) return Compression.none;
  return codec;
}

/**
 * One stored batch as a message set of `magic` (Kafka's down-conversion): headers are dropped,
 * a compressed batch becomes one wrapper message, records of an uncompressed batch below
 * `fetchOffset` are left out. Control batches have nothing for old clients and yield nothing.
 */
export function batchToMessageSet(batch: Buffer, magic: LegacyMagic, fetchOffset: number): Buffer {
  const header = readBatchHeader(batch);
  if (isControlBatch(header.attributes)) return Buffer.alloc(0);
  const records = decodeRecords(batch);
  const timestampType = magic === 1 && isLogAppendTime(header.attributes) ? TIMESTAMP_TYPE_LOG_APPEND : 0;
  const codec = downConvertedCodec(compressionOf(header.attributes) as CompressionCodec, magic);
  if (codec === Compression.none) {
    const messages = records
      .filter((r) => r.offset >= fetchOffset)
      .map((r) => ({
        offset: r.offset,
        attributes: timestampType,
        timestamp: r.timestamp,
        key: r.key,
        value: r.value,
      }));
    return encodeMessageSet(messages, magic);
  }
  const first = records[0];
  const last = records[records.length - 1];
  if (first === undefined || last === undefined) return Buffer.alloc(0);
  const inner = records.map((r) => ({
    offset: magic === 1 ? r.offset - first.offset : r.offset,
    attributes: timestampType,
    timestamp: r.timestamp,
    key: r.key,
    value: r.value,
  }));
  const wrapper = {
    offset: last.offset,
    attributes: codec | timestampType,
    timestamp: header.maxTimestamp,
    key: null,
    value: compress(codec, encodeMessageSet(inner, magic)),
  };
  return encodeMessageSet([wrapper], magic);
}

/**
 * The stored batches in `chunks` (whole batches, as reads return them) as one message set of
 * `magic`. Bytes that do not form a whole batch end the conversion.
 */
export function batchesToMessageSet(
  chunks: Buffer | readonly Buffer[],
  magic: LegacyMagic,
  fetchOffset: number,
): Buffer {
  const bytes = Buffer.isBuffer(chunks) ? chunks : Buffer.concat(chunks);
  const parts: Buffer[] = [];
  let at = 0;
  while (bytes.length - at >= BATCH_HEADER_BYTES) {
    const size = bytes.readInt32BE(at + BatchOffsets.batchLength) + BATCH_LOG_OVERHEAD_BYTES;
    if (size < BATCH_HEADER_BYTES || size > bytes.length - at) break;
    parts.push(batchToMessageSet(bytes.subarray(at, at + size), magic, fetchOffset));
    at += size;
  }
  return Buffer.concat(parts);
}
