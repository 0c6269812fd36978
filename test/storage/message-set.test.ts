// Message formats v0/v1 and their conversions, checked against kafkajs's own message-set encoder
// and decoder (an independent implementation of the old formats): what an old client produces
// becomes a record batch v2 with the same records, and what Brook sends an old consumer decodes
// there to the stored records. Hostile message sets get CORRUPT_MESSAGE or INVALID_RECORD.
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/common/crc32.js';
import { ErrorCode, KafkaError } from '../../src/common/errors.js';
import {
  Compression,
  buildRecordBatch,
  compress,
  compressionOf,
  decodeRecords,
  readBatchHeader,
  recompressBatch,
} from '../../src/storage/index.js';
import {
  NO_TIMESTAMP,
  batchToMessageSet,
  batchesToMessageSet,
  encodeMessageSet,
  messageSetToBatch,
  parseMessageSet,
} from '../../src/storage/message-set.js';

const require = createRequire(import.meta.url);
interface KjsEncoder {
  buffer: Buffer;
}
interface KjsEntry {
  key?: Buffer | null;
  value: Buffer | null;
  timestamp?: number;
  compression?: number;
}
interface KjsMessage {
  offset: string;
  magicByte: number;
  attributes: number;
  timestamp?: string;
  key: Buffer | null;
  value: Buffer | null;
}
const kjsMessageSet = require('kafkajs/src/protocol/messageSet') as (args: {
  messageVersion: number;
  compression?: number;
  entries: KjsEntry[];
}) => KjsEncoder;
const KjsDecoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;
const kjsDecodeMessageSet = require('kafkajs/src/protocol/messageSet/decoder') as (
  decoder: unknown,
  size: number,
) => Promise<KjsMessage[]>;

const decodeWithKafkajs = (set: Buffer) => kjsDecodeMessageSet(new KjsDecoder(set), set.length);

function codeOf(fn: () => unknown): number | null {
  try {
    fn();
    return null;
  } catch (err) {
    if (err instanceof KafkaError) return err.code;
    throw err;
  }
}

const entries: KjsEntry[] = [
  { key: Buffer.from('k0'), value: Buffer.from('v0'), timestamp: 1_600_000_000_000 },
  { key: null, value: Buffer.from('v1'), timestamp: 1_600_000_000_005 },
  { key: Buffer.from('k2'), value: null, timestamp: 1_600_000_000_003 },
];

/** A compressed wrapper as old producers send it: inner set (offsets 0..n-1) as the value. */
function wrapper(magic: 0 | 1, codec: number, inner: Buffer, timestamp = 1_600_000_000_009, attributes = 0): Buffer {
  return kjsMessageSet({
    messageVersion: magic,
    entries: [{ key: null, value: compress(codec as 0, inner), timestamp, compression: codec | attributes }],
  }).buffer;
}

describe('Produce conversion: message sets v0/v1 to a record batch v2', () => {
  it('v0 records keep keys and values and get NO_TIMESTAMP', () => {
    const { batch, magic } = messageSetToBatch(kjsMessageSet({ messageVersion: 0, entries }).buffer, null);
    expect(magic).toBe(0);
    const header = readBatchHeader(batch);
    expect(header).toMatchObject({ magic: 2, producerId: -1, producerEpoch: -1, baseSequence: -1, recordsCount: 3 });
    expect(header.maxTimestamp).toBe(NO_TIMESTAMP);
    const records = decodeRecords(batch);
    expect(records.map((r) => [r.offset, r.key?.toString() ?? null, r.value?.toString() ?? null, r.timestamp])).toEqual(
      [
        [0, 'k0', 'v0', -1],
        [1, null, 'v1', -1],
        [2, 'k2', null, -1],
      ],
    );
  });

  it('v1 records keep their timestamps; maxTimestamp is the largest', () => {
    const { batch } = messageSetToBatch(kjsMessageSet({ messageVersion: 1, entries }).buffer, null);
    expect(decodeRecords(batch).map((r) => r.timestamp)).toEqual(entries.map((e) => e.timestamp));
    expect(readBatchHeader(batch).maxTimestamp).toBe(1_600_000_000_005);
  });

  it.each([
    [0, Compression.gzip],
    [0, Compression.snappy],
    [0, Compression.lz4],
    [1, Compression.gzip],
    [1, Compression.snappy],
    [1, Compression.lz4],
  ] as const)('a magic %i wrapper with codec %i is unwrapped and the batch keeps the codec', (magic, codec) => {
    const inner = kjsMessageSet({ messageVersion: magic, compression: codec, entries }).buffer;
    const { batch } = messageSetToBatch(wrapper(magic, codec, inner), null);
    expect(compressionOf(readBatchHeader(batch).attributes)).toBe(codec);
    expect(decodeRecords(batch).map((r) => r.value?.toString() ?? null)).toEqual(['v0', 'v1', null]);
    // The topic's compression.type wins over the producer's.
    expect(
      compressionOf(
        readBatchHeader(messageSetToBatch(wrapper(magic, codec, inner), Compression.zstd).batch).attributes,
      ),
    ).toBe(Compression.zstd);
  });

  it('a v1 wrapper marked LogAppendTime gives its records its own timestamp', () => {
    const inner = kjsMessageSet({ messageVersion: 1, compression: Compression.gzip, entries }).buffer;
    const value = compress(Compression.gzip, inner);
    const attributes = Compression.gzip | 0x08;
    const set = encodeMessageSet([{ offset: 2, attributes, timestamp: 1_700_000_000_000, key: null, value }], 1);
    const { batch } = messageSetToBatch(set, null);
    expect(decodeRecords(batch).map((r) => r.timestamp)).toEqual([
      1_700_000_000_000, 1_700_000_000_000, 1_700_000_000_000,
    ]);
  });

  it('several uncompressed and compressed entries become one batch in order', () => {
    const inner = kjsMessageSet({ messageVersion: 1, compression: Compression.gzip, entries }).buffer;
    const set = Buffer.concat([
      kjsMessageSet({ messageVersion: 1, entries }).buffer,
      wrapper(1, Compression.gzip, inner),
    ]);
    expect(
      decodeRecords(messageSetToBatch(set, Compression.none).batch).map((r) => r.value?.toString() ?? null),
    ).toEqual(['v0', 'v1', null, 'v0', 'v1', null]);
  });
});

describe('Produce conversion: hostile message sets', () => {
  const plain = kjsMessageSet({ messageVersion: 1, entries }).buffer;

  it('a truncated set, a short size and an overlong size are CORRUPT_MESSAGE', () => {
    for (let cut = 1; cut < plain.length; cut += 3) {
      expect(codeOf(() => parseMessageSet(plain.subarray(0, plain.length - cut)))).toBe(ErrorCode.CORRUPT_MESSAGE);
    }
    const short = Buffer.from(plain);
    short.writeInt32BE(5, 8);
    expect(codeOf(() => parseMessageSet(short))).toBe(ErrorCode.CORRUPT_MESSAGE);
    const long = Buffer.from(plain);
    long.writeInt32BE(0x7fffffff, 8);
    expect(codeOf(() => parseMessageSet(long))).toBe(ErrorCode.CORRUPT_MESSAGE);
  });

  it('a bad CRC is CORRUPT_MESSAGE, in a message and inside a wrapper', () => {
    const bad = Buffer.from(plain);
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1;
    expect(codeOf(() => parseMessageSet(bad))).toBe(ErrorCode.CORRUPT_MESSAGE);
    const inner = Buffer.from(kjsMessageSet({ messageVersion: 1, compression: Compression.gzip, entries }).buffer);
    inner[inner.length - 1] = (inner[inner.length - 1] as number) ^ 1;
    expect(codeOf(() => parseMessageSet(wrapper(1, Compression.gzip, inner)))).toBe(ErrorCode.CORRUPT_MESSAGE);
  });

  it('nested compression is INVALID_RECORD; so are a magic mismatch, an empty wrapper and a null wrapper value', () => {
    const inner = kjsMessageSet({ messageVersion: 1, compression: Compression.gzip, entries }).buffer;
    const nested = wrapper(1, Compression.gzip, wrapper(1, Compression.gzip, inner));
    expect(codeOf(() => parseMessageSet(nested))).toBe(ErrorCode.INVALID_RECORD);
    const v0inner = kjsMessageSet({ messageVersion: 0, compression: Compression.gzip, entries }).buffer;
    expect(codeOf(() => parseMessageSet(wrapper(1, Compression.gzip, v0inner)))).toBe(ErrorCode.INVALID_RECORD);
    expect(codeOf(() => parseMessageSet(wrapper(1, Compression.gzip, Buffer.alloc(0))))).toBe(ErrorCode.INVALID_RECORD);
    const nullValue = kjsMessageSet({
      messageVersion: 1,
      entries: [{ value: null, compression: Compression.gzip }],
    }).buffer;
    expect(codeOf(() => parseMessageSet(nullValue))).toBe(ErrorCode.INVALID_RECORD);
  });

  it('a compression bomb stops at the bound, nested or not', () => {
    // 64 MiB of zeros inside one message: the wrapper is a few KiB.
    const huge = encodeMessageSet(
      [{ offset: 0, attributes: 0, timestamp: 0, key: null, value: Buffer.alloc(64 << 20) }],
      1,
    );
    const bomb = encodeMessageSet(
      [{ offset: 0, attributes: Compression.gzip, timestamp: 0, key: null, value: gzipSync(huge) }],
      1,
    );
    expect(bomb.length).toBeLessThan(200_000);
    expect(codeOf(() => parseMessageSet(bomb))).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(codeOf(() => parseMessageSet(bomb, 1 << 20))).toBe(ErrorCode.CORRUPT_MESSAGE);
    // Many small bombs share one budget.
    const small = encodeMessageSet(
      [
        {
          offset: 0,
          attributes: Compression.gzip,
          timestamp: 0,
          key: null,
          value: gzipSync(huge.subarray(0, 600_000)),
        },
      ],
      1,
    );
    expect(codeOf(() => parseMessageSet(Buffer.concat([small, small]), 1_000_000))).toBe(ErrorCode.CORRUPT_MESSAGE);
  });

  it('zstd is refused in the old formats, unknown codecs and magics too', () => {
    const withAttributes = (attributes: number, magic = 1) => {
      const set = Buffer.from(plain.subarray(0, 12 + plain.readInt32BE(8)));
      set.writeInt8(magic, 16);
      set.writeInt8(attributes, 17);
      set.writeUInt32BE(crc32(set.subarray(16)), 12);
      return set;
    };
    expect(codeOf(() => parseMessageSet(withAttributes(Compression.zstd)))).toBe(
      ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
    );
    expect(codeOf(() => parseMessageSet(withAttributes(6)))).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(codeOf(() => parseMessageSet(withAttributes(0, 3)))).toBe(ErrorCode.INVALID_RECORD);
    expect(codeOf(() => parseMessageSet(Buffer.alloc(0)))).toBe(ErrorCode.INVALID_RECORD);
  });
});

describe('Fetch conversion: record batches v2 down to message sets v0/v1', () => {
  const records = [
    {
      key: Buffer.from('a'),
      value: Buffer.from('one'),
      timestamp: 1_650_000_000_000,
      headers: [{ key: 'h', value: null }],
    },
    { key: null, value: Buffer.from('two'), timestamp: 1_650_000_000_002 },
    { key: Buffer.from('c'), value: null, timestamp: 1_650_000_000_001 },
  ];

  it.each([0, 1] as const)('an uncompressed batch becomes one message per record (magic %i)', async (magic) => {
    const set = batchToMessageSet(buildRecordBatch(records, { baseOffset: 100 }), magic, 0);
    const decoded = await decodeWithKafkajs(set);
    expect(decoded.map((m) => [m.magicByte, m.offset, m.key?.toString() ?? null, m.value?.toString() ?? null])).toEqual(
      [
        [magic, '100', 'a', 'one'],
        [magic, '101', null, 'two'],
        [magic, '102', 'c', null],
      ],
    );
    if (magic === 1) expect(decoded.map((m) => Number(m.timestamp))).toEqual(records.map((r) => r.timestamp));
    // Records below the fetch offset are left out.
    expect(
      (await decodeWithKafkajs(batchToMessageSet(buildRecordBatch(records, { baseOffset: 100 }), magic, 102))).length,
    ).toBe(1);
  });

  it.each([0, 1] as const)(
    'a gzip batch becomes one gzip wrapper with absolute offsets after decoding (magic %i)',
    async (magic) => {
      const batch = recompressBatch(buildRecordBatch(records, { baseOffset: 7 }), Compression.gzip);
      const set = batchToMessageSet(batch, magic, 0);
      const outer = parseMessageSet(set);
      expect(outer.codec).toBe(Compression.gzip);
      expect(set.readInt8(17) & 7).toBe(Compression.gzip);
      const decoded = await decodeWithKafkajs(set);
      expect(decoded.map((m) => [m.offset, m.value?.toString() ?? null])).toEqual([
        ['7', 'one'],
        ['8', 'two'],
        ['9', null],
      ]);
    },
  );

  it('zstd batches, and lz4 ones for magic 0, go uncompressed; lz4 and snappy stay for magic 1', () => {
    const base = buildRecordBatch(records);
    const codecOfSet = (codec: 0 | 1 | 2 | 3 | 4, magic: 0 | 1) =>
      batchToMessageSet(recompressBatch(base, codec), magic, 0).readInt8(17) & 7;
    expect(codecOfSet(Compression.zstd, 1)).toBe(Compression.none);
    expect(codecOfSet(Compression.zstd, 0)).toBe(Compression.none);
    expect(codecOfSet(Compression.lz4, 0)).toBe(Compression.none);
    expect(codecOfSet(Compression.lz4, 1)).toBe(Compression.lz4);
    expect(codecOfSet(Compression.snappy, 0)).toBe(Compression.snappy);
  });

  it('LogAppendTime batches mark their v1 messages; v0 has no timestamp', async () => {
    const batch = buildRecordBatch(records, { logAppendTime: true });
    const decoded = await decodeWithKafkajs(batchToMessageSet(batch, 1, 0));
    expect(decoded.every((m) => (m.attributes & 0x08) !== 0)).toBe(true);
  });

  it('several batches in one read convert in order; a trailing partial batch is left for the next fetch', async () => {
    const a = buildRecordBatch(records, { baseOffset: 0 });
    const b = recompressBatch(buildRecordBatch(records, { baseOffset: 3 }), Compression.gzip);
    const set = batchesToMessageSet([Buffer.concat([a, b]), a.subarray(0, 30)], 1, 0);
    const offsets = (await decodeWithKafkajs(set)).map((m) => m.offset);
    expect(offsets).toEqual(['0', '1', '2', '3', '4', '5']);
  });

  it('what Brook down-converts, Brook reads back as the same records (round trip)', () => {
    for (const magic of [0, 1] as const) {
      for (const codec of [Compression.none, Compression.gzip, Compression.snappy, Compression.lz4] as const) {
        const batch = recompressBatch(buildRecordBatch(records), codec);
        const back = decodeRecords(messageSetToBatch(batchToMessageSet(batch, magic, 0), null).batch);
        expect(back.map((r) => [r.key?.toString() ?? null, r.value?.toString() ?? null])).toEqual([
          ['a', 'one'],
          [null, 'two'],
          ['c', null],
        ]);
      }
    }
  });
});
