// Offset lookups by time (ListOffsets): which segment, where to start scanning, which record.
// Precision: exact for uncompressed CreateTime batches (the records are decoded); LogAppendTime
// batches are exact too (every record carries the batch's time); compressed CreateTime batches
// answer with the containing batch's first offset and max timestamp (records are never decompressed).
import { Compression, type BatchHeader, compressionOf, isLogAppendTime, lastOffsetOf } from './record-batch.js';
import { decodeRecords } from './record-codec.js';
import type { Segment } from './segment.js';
import { scanSegment } from './segment-scan.js';

export interface TimestampOffset {
  readonly offset: number;
  readonly timestamp: number;
}

interface Located {
  readonly header: BatchHeader;
  readonly position: number;
}

/** First offset >= logStartOffset whose record timestamp is >= `timestamp`, or null. */
export async function findOffsetForTimestamp(
  segments: readonly Segment[],
  logStartOffset: number,
  timestamp: number,
): Promise<TimestampOffset | null> {
  for (const segment of segments) {
    if (segment.nextOffset <= logStartOffset || segment.maxTimestamp < timestamp) continue;
    const from = Math.max(segment.timeIndex.lookupBelow(timestamp), logStartOffset, segment.baseOffset);
    const found = await firstBatch(
      segment,
      from,
      (h) => lastOffsetOf(h) >= logStartOffset && h.maxTimestamp >= timestamp,
    );
    if (found === null) continue;
    const exact = await exactRecord(segment, found, (r) => r.offset >= logStartOffset && r.timestamp >= timestamp);
    return exact ?? { offset: Math.max(found.header.baseOffset, logStartOffset), timestamp: found.header.maxTimestamp };
  }
  return null;
}

/** The offset of the (first) record with the largest timestamp, or null for an empty log. */
export async function findMaxTimestampOffset(
  segments: readonly Segment[],
  logStartOffset: number,
): Promise<TimestampOffset | null> {
  let best: Segment | null = null;
  for (const segment of segments) {
    if (segment.nextOffset <= logStartOffset || segment.maxTimestamp < 0) continue;
    if (best === null || segment.maxTimestamp > best.maxTimestamp) best = segment;
  }
  if (best === null) return null;
  const target = best.offsetOfMaxTimestamp;
  const maxTimestamp = best.maxTimestamp;
  const fallback = { offset: Math.max(target, logStartOffset), timestamp: maxTimestamp };
  const found = await firstBatch(best, target, (h) => lastOffsetOf(h) >= target);
  if (found === null) return fallback;
  return (
    (await exactRecord(best, found, (r) => r.timestamp === maxTimestamp && r.offset >= logStartOffset)) ?? fallback
  );
}

async function firstBatch(
  segment: Segment,
  fromOffset: number,
  test: (header: BatchHeader) => boolean,
): Promise<Located | null> {
  let found: Located | null = null;
  await scanSegment(
    segment,
    {
      fromPosition: segment.offsetIndex.lookup(fromOffset).position,
      verifyCrc: false,
      minBaseOffset: segment.baseOffset,
    },
    (header, position) => {
      if (!test(header)) return true;
      found = { header, position };
      return false;
    },
  );
  return found;
}

/** The first record matching `test` in an uncompressed CreateTime batch; null when not decodable. */
async function exactRecord(
  segment: Segment,
  located: Located,
  test: (record: TimestampOffset) => boolean,
): Promise<TimestampOffset | null> {
  const { header, position } = located;
  if (compressionOf(header.attributes) !== Compression.none || isLogAppendTime(header.attributes)) return null;
  if (!segment.acquire()) return null;
  try {
    const batch = await segment.read(position, header.sizeBytes);
    const record = decodeRecords(batch).find((r) => test({ offset: r.offset, timestamp: r.timestamp }));
    return record ? { offset: record.offset, timestamp: record.timestamp } : null;
  } catch {
    return null; // an undecodable batch still answers at batch granularity
  } finally {
    segment.release();
  }
}
