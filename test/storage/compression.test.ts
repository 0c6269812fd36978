// The record codecs: each round-trips in the framing clients read, decompression is bounded
// (bombs are refused before their output exists), and damaged input is CORRUPT_MESSAGE.
import { gzipSync } from 'node:zlib';
import { compressSync as rawSnappy } from 'snappy';
import { compressFrameSync } from 'lz4-napi';
import { compress as zstdCompress } from 'zstd-napi';
import { describe, expect, it } from 'vitest';
import { ErrorCode, KafkaError } from '../../src/common/errors.js';
import {
  BatchOffsets,
  Compression,
  buildRecordBatch,
  compress,
  compressionOf,
  computeBatchCrc,
  decodeRecords,
  decompress,
  readBatchHeader,
  recompressBatch,
  type CompressionCodec,
} from '../../src/storage/index.js';

const CODECS: readonly CompressionCodec[] = [
  Compression.none,
  Compression.gzip,
  Compression.snappy,
  Compression.lz4,
  Compression.zstd,
];

function codeOf(fn: () => unknown): number | null {
  try {
    fn();
    return null;
  } catch (err) {
    if (err instanceof KafkaError) return err.code;
    throw err;
  }
}

const text = Buffer.from('the quick brown fox jumps over the lazy dog '.repeat(5000));

describe('record codecs', () => {
  it.each(CODECS)('codec %i round-trips, also across several blocks', (codec) => {
    const packed = compress(codec, text);
    if (codec !== Compression.none) expect(packed.length).toBeLessThan(text.length / 10);
    expect(decompress(codec, packed, text.length).equals(text)).toBe(true);
    expect(decompress(codec, compress(codec, Buffer.alloc(0)), 0).length).toBe(0);
  });

  it('snappy is written with the xerial framing and read raw (librdkafka, sarama) or framed', () => {
    expect(compress(Compression.snappy, text).subarray(0, 8).toString('latin1')).toBe('\x82SNAPPY\0');
    expect(decompress(Compression.snappy, rawSnappy(text), text.length).equals(text)).toBe(true);
  });

  it('lz4 frames are independent 64 KiB blocks without checksums (what KafkaLZ4BlockInputStream reads)', () => {
    const frame = compress(Compression.lz4, text);
    expect(frame.readUInt32LE(0)).toBe(0x184d2204);
    expect(frame[4]).toBe(0x60); // version 01, independent blocks, no content size or checksum
    expect([0x40, 0x50, 0x60, 0x70]).toContain(frame[5]); // 64 KiB to 4 MiB blocks, which Kafka reads
    // Message format v0 clients computed the header checksum over the magic too (KAFKA-3160).
    const brokenChecksum = Buffer.from(frame);
    brokenChecksum[6] = (brokenChecksum[6] as number) ^ 0xff;
    expect(decompress(Compression.lz4, brokenChecksum, text.length).equals(text)).toBe(true);
  });

  it.each(CODECS.filter((c) => c !== Compression.none))('codec %i refuses a bomb past the bound', (codec) => {
    const bomb = Buffer.alloc(8 * 1024 * 1024);
    const packed =
      codec === Compression.gzip
        ? gzipSync(bomb)
        : codec === Compression.lz4
          ? compressFrameSync(bomb)
          : codec === Compression.zstd
            ? zstdCompress(bomb)
            : compress(codec, bomb);
    expect(packed.length).toBeLessThan(bomb.length / 20);
    expect(codeOf(() => decompress(codec, packed, 1024 * 1024))).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(decompress(codec, packed, bomb.length).length).toBe(bomb.length);
  });

  it.each(CODECS.filter((c) => c !== Compression.none))('codec %i refuses truncated and garbled data', (codec) => {
    const packed = compress(codec, text);
    expect(codeOf(() => decompress(codec, packed.subarray(0, packed.length >> 1), text.length))).toBe(
      ErrorCode.CORRUPT_MESSAGE,
    );
    const garbled = Buffer.from(packed);
    for (let i = 20; i < garbled.length; i += 7) garbled[i] = (garbled[i] as number) ^ 0x5a;
    expect(codeOf(() => decompress(codec, garbled, text.length))).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(codeOf(() => decompress(codec, Buffer.from('not compressed at all'), text.length))).toBe(
      ErrorCode.CORRUPT_MESSAGE,
    );
  });
});

describe('recompressBatch', () => {
  const records = Array.from({ length: 50 }, (_, i) => ({
    key: i % 3 === 0 ? null : Buffer.from(`key-${i}`),
    value: i % 7 === 0 ? null : Buffer.from(`value ${i} `.repeat(20)),
    headers: [{ key: 'h', value: Buffer.from(String(i)) }],
    timestamp: 1_700_000_000_000 + i,
  }));

  it.each(CODECS)('from uncompressed to codec %i and back keeps every field but the codec', (codec) => {
    const original = buildRecordBatch(records, {
      baseOffset: 1234,
      partitionLeaderEpoch: 7,
      producerId: 42,
      producerEpoch: 3,
      baseSequence: 100,
      logAppendTime: true,
    });
    const packed = recompressBatch(original, codec);
    const before = readBatchHeader(original);
    const after = readBatchHeader(packed);
    expect(compressionOf(after.attributes)).toBe(codec);
    expect({ ...after, crc: 0, sizeBytes: 0, attributes: after.attributes & ~7 }).toEqual({
      ...before,
      crc: 0,
      sizeBytes: 0,
      attributes: before.attributes & ~7,
    });
    expect(computeBatchCrc(packed)).toBe(after.crc);
    expect(after.sizeBytes).toBe(packed.length);
    expect(decodeRecords(packed)).toEqual(decodeRecords(original));
    const back = recompressBatch(packed, Compression.none);
    expect(back.equals(original)).toBe(true);
  });

  it('refuses a batch whose compressed records do not parse', () => {
    const packed = Buffer.from(recompressBatch(buildRecordBatch(records), Compression.gzip));
    packed.writeInt32BE(51, BatchOffsets.recordsCount);
    expect(codeOf(() => recompressBatch(packed, Compression.zstd))).toBe(ErrorCode.CORRUPT_MESSAGE);
  });
});
