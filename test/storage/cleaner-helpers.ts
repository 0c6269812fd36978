// Fixtures for the cleaner's tests: keyed batches (plain, gzip, tombstones, idempotent), a pass
// context, and reading a log back as records.
import {
  Attributes,
  BATCH_HEADER_BYTES,
  BatchOffsets,
  Compression,
  type DecodedRecord,
  type PartitionLog,
  buildRecordBatch,
  computeBatchCrc,
  readBatchHeader,
} from '../../src/storage/index.js';
import { KeyOffsetMap } from '../../src/storage/cleaner/key-offset-map.js';
import type { CleanerCounters, PassContext } from '../../src/storage/cleaner/log-compaction.js';
import { readStoredRecords } from '../../src/storage/cleaner/batch-records.js';
import { type Codec, decompressRecords } from '../../src/storage/cleaner/record-codecs.js';
import { compress } from '../../src/storage/compression.js';

export const T0 = 1_700_000_000_000;

export interface KeyedRecord {
  readonly key: string | null;
  /** null: a tombstone. */
  readonly value: string | null;
  readonly headers?: { key: string; value: string }[];
}

export interface BatchExtras {
  readonly timestamp?: number;
  readonly codec?: Codec;
  readonly producerId?: number;
  readonly producerEpoch?: number;
  readonly baseSequence?: number;
  readonly transactional?: boolean;
}

/** A batch of keyed records (timestamps timestamp, +1, ...), compressed with `codec`. */
export function keyedBatch(records: readonly KeyedRecord[], extras: BatchExtras = {}): Buffer {
  const timestamp = extras.timestamp ?? T0;
  const plain = buildRecordBatch(
    records.map((r, i) => ({
      key: r.key === null ? null : Buffer.from(r.key),
      value: r.value === null ? null : Buffer.from(r.value),
      headers: r.headers?.map((h) => ({ key: h.key, value: Buffer.from(h.value) })),
      timestamp: timestamp + i,
    })),
    {
      producerId: extras.producerId,
      producerEpoch: extras.producerEpoch,
      baseSequence: extras.baseSequence,
      transactional: extras.transactional,
    },
  );
  return extras.codec === undefined || extras.codec === Compression.none ? plain : compressBatch(plain, extras.codec);
}

/** The same batch with its records section compressed (as a producer would send it). */
export function compressBatch(plain: Buffer, codec: Codec): Buffer {
  const section = compress(codec, plain.subarray(BATCH_HEADER_BYTES));
  const batch = Buffer.alloc(BATCH_HEADER_BYTES + section.length);
  plain.copy(batch, 0, 0, BATCH_HEADER_BYTES);
  section.copy(batch, BATCH_HEADER_BYTES);
  batch.writeInt32BE(batch.length - 12, BatchOffsets.batchLength);
  batch.writeInt16BE(plain.readInt16BE(BatchOffsets.attributes) | codec, BatchOffsets.attributes);
  batch.writeUInt32BE(computeBatchCrc(batch), BatchOffsets.crc);
  return batch;
}

export function newCounters(): CleanerCounters {
  return { bytesRead: 0, bytesWritten: 0, recordsRemoved: 0, swaps: 0 };
}

export function passContext(memoryBytes = 1024 * 1024, extra: Partial<PassContext> = {}): PassContext {
  return {
    map: new KeyOffsetMap(memoryBytes),
    counters: newCounters(),
    throttle: () => Promise.resolve(),
    stopping: () => false,
    ...extra,
  };
}

/** Every batch from the log start to the log end, as stored. */
export async function storedBatches(log: PartitionLog): Promise<Buffer[]> {
  const out: Buffer[] = [];
  let offset = log.logStartOffset;
  for (let i = 0; i < 100_000 && offset < log.logEndOffset; i++) {
    const { chunks } = await log.read(offset, 1024 * 1024, log.logEndOffset);
    if (chunks.length === 0) break;
    const bytes = Buffer.concat(chunks);
    for (let at = 0; at < bytes.length;) {
      const header = readBatchHeader(bytes, at);
      out.push(bytes.subarray(at, at + header.sizeBytes));
      offset = header.baseOffset + header.lastOffsetDelta + 1;
      at += header.sizeBytes;
    }
  }
  return out;
}

export interface ReadRecord {
  readonly offset: number;
  readonly timestamp: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: { key: string; value: string }[];
}

/** Every record a consumer reading from the log start would get, in order. */
export async function readRecords(log: PartitionLog): Promise<ReadRecord[]> {
  const records: ReadRecord[] = [];
  for (const batch of await storedBatches(log)) {
    const header = readBatchHeader(batch);
    const codec = (header.attributes & Attributes.compressionMask) as Codec;
    // readStoredRecords gives raw tails; decode each the simple way through decodeRecords on a plain copy.
    for (const r of decodedRecords(batch, codec)) {
      records.push({
        offset: r.offset,
        timestamp: r.timestamp,
        key: r.key === null ? null : r.key.toString(),
        value: r.value === null ? null : r.value.toString(),
        headers: r.headers.map((h) => ({ key: h.key, value: h.value?.toString() ?? '' })),
      });
    }
  }
  return records;
}

function decodedRecords(batch: Buffer, codec: Codec): DecodedRecord[] {
  const stored = readStoredRecords(batch, codec, 64 * 1024 * 1024);
  // Re-read key, value and headers from each record's tail.
  return stored.map((s) => {
    let at = 0;
    const varint = (): number => {
      let zz = 0;
      let scale = 1;
      for (;;) {
        const b = s.tail[at++] as number;
        zz += (b & 0x7f) * scale;
        if ((b & 0x80) === 0) break;
        scale *= 0x80;
      }
      return zz % 2 === 0 ? zz / 2 : -(zz + 1) / 2;
    };
    const bytes = (): Buffer | null => {
      const n = varint();
      if (n < 0) return null;
      const v = s.tail.subarray(at, at + n);
      at += n;
      return v;
    };
    const key = bytes();
    const value = bytes();
    const count = varint();
    const headers: { key: string; value: Buffer | null }[] = [];
    for (let i = 0; i < count; i++) headers.push({ key: (bytes() as Buffer).toString(), value: bytes() });
    return { offset: s.offset, timestamp: s.timestamp, key, value, headers };
  });
}

/** The records a perfect compaction of `records` keeps: the latest of each key, keyless ones gone. */
export function latestPerKey(records: readonly ReadRecord[]): ReadRecord[] {
  const latest = new Map<string, number>();
  for (const r of records) if (r.key !== null) latest.set(r.key, r.offset);
  return records.filter((r) => r.key !== null && latest.get(r.key) === r.offset);
}

export { decompressRecords };
