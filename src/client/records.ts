// Records as the client's callers see them, and the conversions to and from the record batches
// (v2) on the wire: the producer's batch is built with storage's codec; a fetched blob is cut
// into whole batches (a broker may end a blob with part of a batch, which is fetched again next
// time), control batches skipped, and records before the asked-for offset dropped (a fetch returns
// the whole batch that holds it).
import {
  BATCH_HEADER_BYTES,
  BatchOffsets,
  type CompressionCodec,
  buildRecordBatch,
  decodeRecords,
  isControlBatch,
  lastOffsetOf,
  readBatchHeader,
  type RecordHeader,
} from '../storage/index.js';

export type { RecordHeader };

export interface ProducerRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: readonly RecordHeader[];
  /** Milliseconds since the epoch; now when absent. */
  readonly timestamp?: number;
}

export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
}

const LOG_OVERHEAD_BYTES = 12;

/** One record batch v2 holding `records` in order. */
export function encodeBatch(records: readonly ProducerRecord[], compression?: CompressionCodec): Buffer {
  const now = Date.now();
  return buildRecordBatch(
    records.map((r) => ({ key: r.key, value: r.value, headers: r.headers ?? [], timestamp: r.timestamp ?? now })),
    compression === undefined ? {} : { compression },
  );
}

export interface DecodedBlob {
  readonly records: ConsumedRecord[];
  /** Where the next fetch starts: past the last whole batch, or `fromOffset` when there was none. */
  readonly nextOffset: number;
}

/** The records at or after `fromOffset` in a fetched blob. */
export function decodeBlob(topic: string, partition: number, blob: Buffer | null, fromOffset: number): DecodedBlob {
  const records: ConsumedRecord[] = [];
  let nextOffset = fromOffset;
  if (blob === null) return { records, nextOffset };
  let at = 0;
  while (blob.length - at >= BATCH_HEADER_BYTES) {
    const size = blob.readInt32BE(at + BatchOffsets.batchLength) + LOG_OVERHEAD_BYTES;
    if (size < BATCH_HEADER_BYTES || at + size > blob.length) break;
    const batch = blob.subarray(at, at + size);
    at += size;
    const header = readBatchHeader(batch);
    nextOffset = Math.max(nextOffset, lastOffsetOf(header) + 1);
    if (isControlBatch(header.attributes)) continue;
    for (const record of decodeRecords(batch)) {
      if (record.offset < fromOffset) continue;
      records.push({ topic, partition, ...record });
    }
  }
  return { records, nextOffset };
}
