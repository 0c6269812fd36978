import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode, KafkaError } from '../../src/common/errors.js';
import {
  BatchOffsets,
  InvalidBatchError,
  buildRecordBatch,
  computeBatchCrc,
  decodeRecords,
  readBatchHeader,
  setBaseOffsetAndEpoch,
  setLogAppendTime,
  splitBatches,
  validateClientBatch,
} from '../../src/storage/index.js';
import { batch, flipByte } from './helpers.js';

const opts = { maxMessageBytes: 1_048_588 };

function codeOf(fn: () => unknown): number | null {
  try {
    fn();
    return null;
  } catch (err) {
    if (err instanceof KafkaError) return err.code;
    throw err;
  }
}

function recrc(b: Buffer): Buffer {
  b.writeUInt32BE(computeBatchCrc(b), BatchOffsets.crc);
  return b;
}

describe('RecordBatch v2 build and decode', () => {
  it('round-trips keys, values, null values, headers and timestamps', () => {
    const bytes = buildRecordBatch(
      [
        {
          key: Buffer.from('a'),
          value: Buffer.from('hello'),
          timestamp: 1000,
          headers: [{ key: 'h', value: Buffer.from('v') }],
        },
        { key: null, value: null, timestamp: 990 },
        { key: Buffer.alloc(0), value: Buffer.alloc(300, 7), timestamp: 5_000_000_000_000 },
      ],
      { baseOffset: 42, producerId: 7, producerEpoch: 1, baseSequence: 9 },
    );
    const header = readBatchHeader(bytes);
    expect(header).toMatchObject({
      baseOffset: 42,
      magic: 2,
      lastOffsetDelta: 2,
      recordsCount: 3,
      baseTimestamp: 1000,
      maxTimestamp: 5_000_000_000_000,
    });
    expect(header.producerId).toBe(7);
    expect(header.sizeBytes).toBe(bytes.length);
    expect(validateClientBatch(bytes, opts).recordsCount).toBe(3);
    const records = decodeRecords(bytes);
    expect(records.map((r) => r.offset)).toEqual([42, 43, 44]);
    expect(records.map((r) => r.timestamp)).toEqual([1000, 990, 5_000_000_000_000]);
    expect(records[0]?.key?.toString()).toBe('a');
    expect(records[0]?.value?.toString()).toBe('hello');
    expect(records[0]?.headers).toEqual([{ key: 'h', value: Buffer.from('v') }]);
    expect(records[1]?.key).toBeNull();
    expect(records[1]?.value).toBeNull();
    expect(records[2]?.value?.length).toBe(300);
  });

  it('decodes arbitrary records it built (property)', () => {
    const record = fc.record({
      key: fc.option(fc.uint8Array({ maxLength: 50 }).map((a) => Buffer.from(a))),
      value: fc.option(fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a))),
      timestamp: fc.integer({ min: 0, max: 2 ** 45 }),
      headers: fc.array(
        fc.record({
          key: fc.string({ maxLength: 10 }),
          value: fc.option(fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a))),
        }),
        { maxLength: 3 },
      ),
    });
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 20 }), (records) => {
        const bytes = buildRecordBatch(records);
        validateClientBatch(bytes, opts);
        const decoded = decodeRecords(bytes);
        expect(decoded.length).toBe(records.length);
        decoded.forEach((r, i) => {
          const input = records[i]!;
          expect(r.timestamp).toBe(input.timestamp);
          expect(r.key === null ? null : Buffer.from(r.key)).toEqual(input.key);
          expect(r.value === null ? null : Buffer.from(r.value)).toEqual(input.value);
          expect(r.headers.map((h) => h.key)).toEqual(input.headers.map((h) => h.key));
        });
      }),
    );
  });

  it('refuses hostile record bytes with typed errors only', () => {
    const good = batch('x', 5);
    fc.assert(
      fc.property(fc.integer({ min: 61, max: good.length - 1 }), fc.integer({ min: 0, max: 255 }), (at, value) => {
        const copy = Buffer.from(good);
        copy[at] = value;
        try {
          decodeRecords(copy);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidBatchError);
        }
      }),
    );
  });
});

describe('splitBatches', () => {
  it('splits a blob of several batches into views', () => {
    const a = batch('a', 2);
    const b = batch('b', 3);
    const parts = splitBatches(Buffer.concat([a, b]));
    expect(parts.map((p) => p.length)).toEqual([a.length, b.length]);
    expect(readBatchHeader(parts[1]!).recordsCount).toBe(3);
  });

  it('maps truncation and bad lengths to CORRUPT_MESSAGE and old magic to INVALID_RECORD', () => {
    const a = batch('a', 2);
    expect(codeOf(() => splitBatches(a.subarray(0, a.length - 1)))).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(codeOf(() => splitBatches(a.subarray(0, 10)))).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(codeOf(() => splitBatches(Buffer.alloc(0)))).toBe(ErrorCode.CORRUPT_MESSAGE);
    const shortLength = Buffer.from(a);
    shortLength.writeInt32BE(10, BatchOffsets.batchLength);
    expect(codeOf(() => splitBatches(shortLength))).toBe(ErrorCode.CORRUPT_MESSAGE);
    const oldMagic = Buffer.from(a);
    oldMagic.writeInt8(1, BatchOffsets.magic);
    expect(codeOf(() => splitBatches(oldMagic))).toBe(ErrorCode.INVALID_RECORD);
  });

  it('never throws anything but typed errors on random bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          for (const part of splitBatches(Buffer.from(bytes))) validateClientBatch(part, opts);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidBatchError);
        }
      }),
    );
  });
});

describe('validateClientBatch (Kafka produce checks)', () => {
  it('accepts a good batch', () => {
    expect(codeOf(() => validateClientBatch(batch('ok', 3), opts))).toBeNull();
  });

  it('rejects a CRC mismatch with CORRUPT_MESSAGE', () => {
    const b = batch('a', 3);
    flipByte(b, b.length - 1, 0xff);
    expect(codeOf(() => validateClientBatch(b, opts))).toBe(ErrorCode.CORRUPT_MESSAGE);
  });

  it('rejects a batch over max.message.bytes with MESSAGE_TOO_LARGE', () => {
    const b = batch('a', 3, { valueBytes: 2000 });
    expect(codeOf(() => validateClientBatch(b, { maxMessageBytes: 1000 }))).toBe(ErrorCode.MESSAGE_TOO_LARGE);
  });

  it('rejects count mismatches, control batches and sequence-less idempotent batches with INVALID_RECORD', () => {
    const count = batch('a', 3);
    count.writeInt32BE(5, BatchOffsets.lastOffsetDelta);
    expect(codeOf(() => validateClientBatch(recrc(count), opts))).toBe(ErrorCode.INVALID_RECORD);
    const zero = batch('a', 1);
    zero.writeInt32BE(0, BatchOffsets.recordsCount);
    zero.writeInt32BE(-1, BatchOffsets.lastOffsetDelta);
    expect(codeOf(() => validateClientBatch(recrc(zero), opts))).toBe(ErrorCode.INVALID_RECORD);
    expect(codeOf(() => validateClientBatch(batch('c', 1, { control: true }), opts))).toBe(ErrorCode.INVALID_RECORD);
    expect(
      codeOf(() => validateClientBatch(batch('p', 1, { producerId: 5, producerEpoch: 0, baseSequence: -1 }), opts)),
    ).toBe(ErrorCode.INVALID_RECORD);
    const magic = batch('m', 1);
    magic.writeInt8(1, BatchOffsets.magic);
    expect(codeOf(() => validateClientBatch(magic, opts))).toBe(ErrorCode.INVALID_RECORD);
  });

  it('rewrites offsets and epoch outside the CRC, and LogAppendTime inside it with a new CRC', () => {
    const b = batch('a', 3, { timestamp: 1000 });
    setBaseOffsetAndEpoch(b, 123_456_789_012, 7);
    expect(readBatchHeader(b)).toMatchObject({ baseOffset: 123_456_789_012, partitionLeaderEpoch: 7 });
    expect(codeOf(() => validateClientBatch(b, opts))).toBeNull();
    setLogAppendTime(b, 99_999);
    const h = readBatchHeader(b);
    expect(h.maxTimestamp).toBe(99_999);
    expect(h.attributes & 0x08).toBe(0x08);
    expect(codeOf(() => validateClientBatch(b, opts))).toBeNull();
    expect(decodeRecords(b).map((r) => r.timestamp)).toEqual([99_999, 99_999, 99_999]);
  });
});
