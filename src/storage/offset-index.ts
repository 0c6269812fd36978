// Sparse offset index of one segment: (relative offset int32 -> file position int32) at the start
// of a batch, one entry every ~indexIntervalBytes. Kept in memory; written to `<base>.index` when
// the segment becomes inactive and on a clean close. Rebuildable from the log, so never fsynced.
import { assert } from '../common/index.js';

export const OFFSET_INDEX_ENTRY_BYTES = 8;

export class OffsetIndex {
  private readonly relativeOffsets: number[] = [];
  private readonly positions: number[] = [];

  constructor(readonly baseOffset: number) {}

  get entries(): number {
    return this.positions.length;
  }

  /** Indexes the batch starting at `offset` and `position`; both must increase strictly. */
  append(offset: number, position: number): void {
    const relative = offset - this.baseOffset;
    assert(relative >= 0 && relative <= 0x7fffffff, `offset ${offset} outside segment ${this.baseOffset}`);
    const n = this.positions.length;
    if (n > 0) {
      assert(relative > (this.relativeOffsets[n - 1] as number), 'offset index entries must increase');
      assert(position > (this.positions[n - 1] as number), 'offset index positions must increase');
    }
    this.relativeOffsets.push(relative);
    this.positions.push(position);
  }

  /** The last entry at or below `offset`; the segment start when there is none. */
  lookup(offset: number): { offset: number; position: number } {
    const relative = offset - this.baseOffset;
    let lo = 0;
    let hi = this.positions.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.relativeOffsets[mid] as number) <= relative) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0) return { offset: this.baseOffset, position: 0 };
    return {
      offset: this.baseOffset + (this.relativeOffsets[found] as number),
      position: this.positions[found] as number,
    };
  }

  last(): { offset: number; position: number } | null {
    const n = this.positions.length;
    if (n === 0) return null;
    return {
      offset: this.baseOffset + (this.relativeOffsets[n - 1] as number),
      position: this.positions[n - 1] as number,
    };
  }

  /** Drops every entry for offsets >= `offset` (a truncation of the log). */
  truncateToOffset(offset: number): void {
    const relative = offset - this.baseOffset;
    while (
      this.relativeOffsets.length > 0 &&
      (this.relativeOffsets[this.relativeOffsets.length - 1] as number) >= relative
    ) {
      this.relativeOffsets.pop();
      this.positions.pop();
    }
  }

  serialize(): Buffer {
    const buf = Buffer.allocUnsafe(this.positions.length * OFFSET_INDEX_ENTRY_BYTES);
    for (let i = 0; i < this.positions.length; i++) {
      buf.writeInt32BE(this.relativeOffsets[i] as number, i * OFFSET_INDEX_ENTRY_BYTES);
      buf.writeInt32BE(this.positions[i] as number, i * OFFSET_INDEX_ENTRY_BYTES + 4);
    }
    return buf;
  }

  /** Parses an index file; returns why it is damaged instead of throwing (the caller rebuilds). */
  static parse(baseOffset: number, bytes: Buffer, logSizeBytes: number): OffsetIndex | string {
    if (bytes.length % OFFSET_INDEX_ENTRY_BYTES !== 0)
      return `size ${bytes.length} is not a multiple of ${OFFSET_INDEX_ENTRY_BYTES}`;
    const index = new OffsetIndex(baseOffset);
    let previousRelative = -1;
    let previousPosition = -1;
    for (let at = 0; at < bytes.length; at += OFFSET_INDEX_ENTRY_BYTES) {
      const relative = bytes.readInt32BE(at);
      const position = bytes.readInt32BE(at + 4);
      if (relative <= previousRelative || position <= previousPosition)
        return `entry ${at / OFFSET_INDEX_ENTRY_BYTES} does not increase`;
      if (position >= logSizeBytes)
        return `entry ${at / OFFSET_INDEX_ENTRY_BYTES} points at ${position}, beyond the log (${logSizeBytes} bytes)`;
      index.relativeOffsets.push(relative);
      index.positions.push(position);
      previousRelative = relative;
      previousPosition = position;
    }
    return index;
  }
}
