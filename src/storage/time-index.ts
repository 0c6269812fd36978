// Sparse time index of one segment: (max timestamp so far int64 -> relative offset int32 of the
// batch where it was reached). Timestamps strictly increase, offsets never decrease, so for a
// target time the last entry below it says where a forward scan may start. When the segment
// becomes inactive a final entry records its largest timestamp, which retention reads on restart.
import { assert } from '../common/index.js';
import { readInt64, writeInt64 } from './record-batch.js';

export const TIME_INDEX_ENTRY_BYTES = 12;

export class TimeIndex {
  private readonly timestamps: number[] = [];
  private readonly relativeOffsets: number[] = [];

  constructor(readonly baseOffset: number) {}

  get entries(): number {
    return this.timestamps.length;
  }

  /** Adds (timestamp, offset) when the timestamp is newer than the last entry; else ignores it. */
  maybeAppend(timestamp: number, offset: number): void {
    const n = this.timestamps.length;
    if (n > 0 && timestamp <= (this.timestamps[n - 1] as number)) return;
    const relative = offset - this.baseOffset;
    assert(relative >= 0 && relative <= 0x7fffffff, `offset ${offset} outside segment ${this.baseOffset}`);
    assert(n === 0 || relative >= (this.relativeOffsets[n - 1] as number), 'time index offsets must not decrease');
    this.timestamps.push(timestamp);
    this.relativeOffsets.push(relative);
  }

  /**
   * Where to start scanning for the first batch with maxTimestamp >= `timestamp`: every batch before
   * the returned offset (and the batch at it) has a smaller max timestamp.
   */
  lookupBelow(timestamp: number): number {
    let lo = 0;
    let hi = this.timestamps.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.timestamps[mid] as number) < timestamp) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? this.baseOffset : this.baseOffset + (this.relativeOffsets[found] as number);
  }

  last(): { timestamp: number; offset: number } | null {
    const n = this.timestamps.length;
    if (n === 0) return null;
    return {
      timestamp: this.timestamps[n - 1] as number,
      offset: this.baseOffset + (this.relativeOffsets[n - 1] as number),
    };
  }

  truncateToOffset(offset: number): void {
    const relative = offset - this.baseOffset;
    while (
      this.relativeOffsets.length > 0 &&
      (this.relativeOffsets[this.relativeOffsets.length - 1] as number) >= relative
    ) {
      this.relativeOffsets.pop();
      this.timestamps.pop();
    }
  }

  serialize(): Buffer {
    const buf = Buffer.allocUnsafe(this.timestamps.length * TIME_INDEX_ENTRY_BYTES);
    for (let i = 0; i < this.timestamps.length; i++) {
      writeInt64(buf, i * TIME_INDEX_ENTRY_BYTES, this.timestamps[i] as number);
      buf.writeInt32BE(this.relativeOffsets[i] as number, i * TIME_INDEX_ENTRY_BYTES + 8);
    }
    return buf;
  }

  /** Parses a time index file; returns why it is damaged instead of throwing (the caller rebuilds). */
  static parse(baseOffset: number, bytes: Buffer, nextOffset: number): TimeIndex | string {
    if (bytes.length % TIME_INDEX_ENTRY_BYTES !== 0)
      return `size ${bytes.length} is not a multiple of ${TIME_INDEX_ENTRY_BYTES}`;
    const index = new TimeIndex(baseOffset);
    let previousTimestamp = -Infinity;
    let previousRelative = -1;
    for (let at = 0; at < bytes.length; at += TIME_INDEX_ENTRY_BYTES) {
      const timestamp = readInt64(bytes, at);
      const relative = bytes.readInt32BE(at + 8);
      const entry = at / TIME_INDEX_ENTRY_BYTES;
      if (timestamp <= previousTimestamp || relative < previousRelative || relative < 0)
        return `entry ${entry} does not increase`;
      if (baseOffset + relative >= nextOffset)
        return `entry ${entry} names offset ${baseOffset + relative}, beyond the log end ${nextOffset}`;
      index.timestamps.push(timestamp);
      index.relativeOffsets.push(relative);
      previousTimestamp = timestamp;
      previousRelative = relative;
    }
    return index;
  }
}
