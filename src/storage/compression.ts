// The record codecs Kafka uses (attributes bits 0-2): gzip, snappy, lz4, zstd, each with the
// framing the Java client writes and every client reads. Only the leader's recompression
// (topic compression.type) and the old message formats' conversions call these; produce and fetch
// of magic 2 batches never decompress. Decompression is bounded: output beyond `maxBytes` is
// refused with CORRUPT_MESSAGE before it is produced, so a small hostile batch cannot claim
// memory (a compression bomb).
//
// Libraries: node:zlib (gzip), snappy and lz4-napi (napi-rs: prebuilt binaries inside the npm
// packages), zstd-napi (Node-API; node:zlib has zstd only from Node 22.15). Each is synchronous on
// purpose: the produce path appends in request order without awaiting.
import { gunzipSync, gzipSync } from 'node:zlib';
import { compressSync as snappyCompress, uncompressSync as snappyUncompress } from 'snappy';
import { compressFrameSync as lz4Compress, uncompressSync as lz4Uncompress } from 'lz4-napi';
import { compress as zstdCompress } from 'zstd-napi';
import zstdBinding from 'zstd-napi/binding.js';
import { type COMPRESSION_TYPES, ErrorCode } from '../common/index.js';
import { Compression, InvalidBatchError } from './record-batch.js';

// A CommonJS module whose exports Node's ESM loader cannot name statically.
const { DCtx } = zstdBinding;

export type CompressionType = (typeof COMPRESSION_TYPES)[number];
export type CompressionCodec = (typeof Compression)[keyof typeof Compression];

/** Kafka's names for the codecs (compression.type values and producer settings). */
export const CODEC_NAMES: Readonly<Record<CompressionCodec, string>> = {
  [Compression.none]: 'none',
  [Compression.gzip]: 'gzip',
  [Compression.snappy]: 'snappy',
  [Compression.lz4]: 'lz4',
  [Compression.zstd]: 'zstd',
};

/** The codec a topic's compression.type stores batches in; null for `producer` (as sent). */
export function codecOfCompressionType(type: CompressionType): CompressionCodec | null {
  switch (type) {
    case 'producer':
      return null;
    case 'uncompressed':
      return Compression.none;
    case 'gzip':
      return Compression.gzip;
    case 'snappy':
      return Compression.snappy;
    case 'lz4':
      return Compression.lz4;
    case 'zstd':
      return Compression.zstd;
  }
}

export function isCodec(value: number): value is CompressionCodec {
  return Number.isInteger(value) && value >= Compression.none && value <= Compression.zstd;
}

function corrupt(message: string): never {
  throw new InvalidBatchError(ErrorCode.CORRUPT_MESSAGE, message);
}

function tooLarge(codec: string, maxBytes: number): never {
  corrupt(`${codec} records decompress to more than ${maxBytes} bytes`);
}

// ---- snappy: xerial framing (SnappyOutputStream), as the Java client writes it ----------------

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;
/** snappy-java's default block size. */
const XERIAL_BLOCK_BYTES = 32 * 1024;

/** The uncompressed length a raw snappy block declares (its leading varint). */
function snappyDeclaredLength(block: Buffer): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const b = block[i] as number;
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) return value;
    scale *= 0x80;
  }
  return corrupt('snappy block with a malformed length');
}

function snappyBlock(block: Buffer, budget: number): Buffer {
  if (snappyDeclaredLength(block) > budget) tooLarge('snappy', budget);
  try {
    return snappyUncompress(block, { asBuffer: true }) as Buffer;
  } catch (err) {
    return corrupt(`snappy: ${(err as Error).message}`);
  }
}

function snappyDecompress(data: Buffer, maxBytes: number): Buffer {
  // librdkafka and sarama write raw snappy; the Java client and kafkajs the xerial framing.
  if (data.length < XERIAL_HEADER_BYTES || !data.subarray(0, 8).equals(XERIAL_MAGIC))
    return snappyBlock(data, maxBytes);
  const parts: Buffer[] = [];
  let total = 0;
  let at = XERIAL_HEADER_BYTES;
  while (at < data.length) {
    if (data.length - at < 4) corrupt('snappy: truncated xerial block length');
    const length = data.readInt32BE(at);
    at += 4;
    if (length < 0 || length > data.length - at) corrupt(`snappy: xerial block of ${length} bytes overruns the data`);
    const part = snappyBlock(data.subarray(at, at + length), maxBytes - total);
    total += part.length;
    parts.push(part);
    at += length;
  }
  return Buffer.concat(parts, total);
}

function snappyCompressXerial(data: Buffer): Buffer {
  const header = Buffer.alloc(XERIAL_HEADER_BYTES);
  XERIAL_MAGIC.copy(header);
  header.writeInt32BE(1, 8); // version
  header.writeInt32BE(1, 12); // minimum compatible version
  const parts: Buffer[] = [header];
  for (let at = 0; at < data.length; at += XERIAL_BLOCK_BYTES) {
    const block = snappyCompress(data.subarray(at, Math.min(data.length, at + XERIAL_BLOCK_BYTES)));
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

// ---- lz4: the LZ4 frame format (KafkaLZ4BlockOutputStream: independent blocks) -------------
// Frames are walked here and each block handed to lz4, so output is counted block by block, and
// the header checksum is not checked: Kafka's message format v0 wrote it wrongly (KAFKA-3160) and
// Kafka skips it there; the message CRCs cover the content either way.

const LZ4_MAGIC = 0x184d2204;
const LZ4_SKIPPABLE_MASK = 0xfffffff0;
const LZ4_SKIPPABLE_MAGIC = 0x184d2a50;
const LZ4_BLOCK_MAX_BYTES = [0, 0, 0, 0, 64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024] as const;
const LZ4_UNCOMPRESSED_BLOCK = 0x8000_0000;

function lz4Block(block: Buffer, blockMax: number): Buffer {
  // lz4-napi takes a block behind its size as a little-endian uint32; lz4_flex reads that size as
  // the capacity to decode into, so the frame's block maximum serves.
  const framed = Buffer.allocUnsafe(4 + block.length);
  framed.writeUInt32LE(blockMax, 0);
  block.copy(framed, 4);
  try {
    return lz4Uncompress(framed);
  } catch (err) {
    return corrupt(`lz4: ${(err as Error).message}`);
  }
}

function lz4Decompress(data: Buffer, maxBytes: number): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  let at = 0;
  const need = (bytes: number, what: string): void => {
    if (data.length - at < bytes) corrupt(`lz4: truncated ${what}`);
  };
  while (at < data.length) {
    need(4, 'frame');
    const magic = data.readUInt32LE(at);
    if ((magic & LZ4_SKIPPABLE_MASK) >>> 0 === LZ4_SKIPPABLE_MAGIC) {
      need(8, 'skippable frame');
      at += 8 + data.readUInt32LE(at + 4);
      continue;
    }
    if (magic !== LZ4_MAGIC) corrupt(`lz4: bad frame magic 0x${magic.toString(16)}`);
    need(7, 'frame descriptor');
    const flags = data[at + 4] as number;
    if (flags >> 6 !== 1) corrupt(`lz4: frame version ${flags >> 6}`);
    if ((flags & 0x20) === 0) corrupt('lz4: dependent blocks are not used by Kafka clients');
    const blockMax = LZ4_BLOCK_MAX_BYTES[((data[at + 5] as number) >> 4) & 0x7] ?? 0;
    if (blockMax === 0) corrupt('lz4: bad block maximum size');
    const blockChecksumBytes = (flags & 0x10) !== 0 ? 4 : 0;
    at += 4 + 2 + ((flags & 0x08) !== 0 ? 8 : 0) + ((flags & 0x01) !== 0 ? 4 : 0) + 1;
    for (;;) {
      need(4, 'block');
      const word = data.readUInt32LE(at);
      at += 4;
      if (word === 0) break;
      const size = (word & ~LZ4_UNCOMPRESSED_BLOCK) >>> 0;
      if (size > blockMax || size + blockChecksumBytes > data.length - at) {
        corrupt(`lz4: block of ${size} bytes overruns the frame`);
      }
      const block = data.subarray(at, at + size);
      const part = (word & LZ4_UNCOMPRESSED_BLOCK) !== 0 ? block : lz4Block(block, blockMax);
      total += part.length;
      if (total > maxBytes) tooLarge('lz4', maxBytes);
      parts.push(part);
      at += size + blockChecksumBytes;
    }
    if ((flags & 0x04) !== 0) {
      need(4, 'content checksum');
      at += 4;
    }
  }
  return Buffer.concat(parts, total);
}

// ---- zstd: streaming decompression into a buffer that never grows past the bound -----------

const ZSTD_CHUNK_BYTES = 256 * 1024;

function zstdDecompressBounded(data: Buffer, maxBytes: number): Buffer {
  const dctx = new DCtx();
  const parts: Buffer[] = [];
  let total = 0;
  let input = data;
  let pending = 1;
  try {
    while (input.length > 0 || pending !== 0) {
      // One byte more than allowed, so output past the bound shows up as produced bytes.
      const room = Math.min(ZSTD_CHUNK_BYTES, maxBytes - total + 1);
      const out = Buffer.allocUnsafe(room);
      const [left, produced, consumed] = dctx.decompressStream(out, input);
      if (produced === 0 && consumed === 0) {
        if (input.length === 0) corrupt('zstd: truncated frame');
        corrupt('zstd: no progress decoding the frame');
      }
      total += produced;
      if (total > maxBytes) tooLarge('zstd', maxBytes);
      parts.push(out.subarray(0, produced));
      input = input.subarray(consumed);
      pending = left;
    }
  } catch (err) {
    if (err instanceof InvalidBatchError) throw err;
    corrupt(`zstd: ${(err as Error).message}`);
  }
  return Buffer.concat(parts, total);
}

// ---- the two entry points ---------------------------------------------------------------------

/** Compresses `data` with `codec` in the framing Kafka's Java client writes. */
export function compress(codec: CompressionCodec, data: Buffer): Buffer {
  switch (codec) {
    case Compression.none:
      return data;
    case Compression.gzip:
      return gzipSync(data);
    case Compression.snappy:
      return snappyCompressXerial(data);
    case Compression.lz4:
      return lz4Compress(data, { contentChecksum: false, blockChecksums: false });
    case Compression.zstd:
      return zstdCompress(data);
  }
}

/**
 * Decompresses `data`; refuses output beyond `maxBytes` and malformed input with CORRUPT_MESSAGE.
 * Snappy accepts both raw blocks and the xerial framing, lz4 the frame format.
 */
export function decompress(codec: CompressionCodec, data: Buffer, maxBytes: number): Buffer {
  switch (codec) {
    case Compression.none:
      if (data.length > maxBytes) tooLarge('uncompressed', maxBytes);
      return data;
    case Compression.gzip:
      try {
        return gunzipSync(data, { maxOutputLength: Math.max(1, maxBytes) });
      } catch (err) {
        if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') tooLarge('gzip', maxBytes);
        return corrupt(`gzip: ${(err as Error).message}`);
      }
    case Compression.snappy:
      return snappyDecompress(data, maxBytes);
    case Compression.lz4:
      return lz4Decompress(data, maxBytes);
    case Compression.zstd:
      return zstdDecompressBounded(data, maxBytes);
  }
}
