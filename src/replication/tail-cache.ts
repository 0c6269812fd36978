// The newest batches a leader appended, kept in memory so followers that keep up are sent them
// without reading the log back (the common case: one disk write, no disk read, per batch).
// Bounded by bytes and batches, and let go when the partition goes idle; a follower further behind
// is served from the log.
import { assert, limits } from '../common/index.js';
import type { BatchInfo } from './protocol/index.js';

interface Entry {
  readonly info: BatchInfo;
  readonly bytes: Buffer;
}

/** A copy in memory of its own (not zeroed first: every byte is written). */
function copyOf(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(out);
  return out;
}

export class TailCache {
  private entries: Entry[] = [];
  /** Index of the oldest live entry in `entries` (evicted ones are dropped in chunks). */
  private head = 0;
  private bytes = 0;
  private lastAddMs = 0;

  constructor(
    private readonly bytesMax: number = limits.replicationTailCacheBytesMax,
    private readonly batchesMax: number = limits.replicationTailCacheBatchesMax,
    private readonly idleMs: number = limits.replicationTailCacheIdleMs,
  ) {}

  /**
   * Adds a batch just appended at the log end. The caller does not write to `bytes` again, so the
   * cache keeps them as they are, unless they are a small part of a larger buffer (one partition's
   * batch in a produce request for many, a socket chunk): that is copied, so a cached batch never
   * keeps more than twice its size alive.
   */
  add(info: BatchInfo, bytes: Buffer, nowMs: number): void {
    this.lastAddMs = nowMs;
    const last = this.entries[this.entries.length - 1];
    if (last !== undefined && this.head < this.entries.length && last.info.lastOffset + 1 !== info.baseOffset)
      this.clear();
    this.entries.push({ info, bytes: bytes.length * 2 >= bytes.buffer.byteLength ? bytes : copyOf(bytes) });
    this.bytes += bytes.length;
    // Bounded: each step evicts one entry.
    while (
      this.head < this.entries.length &&
      (this.bytes > this.bytesMax || this.entries.length - this.head > this.batchesMax)
    ) {
      this.bytes -= (this.entries[this.head] as Entry).bytes.length;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Lets go of every batch once nothing was added for the idle time: followers that keep up hold
   * them already, and one that comes back later reads the log.
   */
  releaseIfIdle(nowMs: number): void {
    if (this.head < this.entries.length && nowMs - this.lastAddMs >= this.idleMs) this.clear();
  }

  clear(): void {
    this.entries = [];
    this.head = 0;
    this.bytes = 0;
  }

  /**
   * Whole batches starting exactly at `fromOffset`, at most `maxBytes` (at least one), or null
   * when the cache does not start at or before it.
   */
  read(fromOffset: number, maxBytes: number): { infos: BatchInfo[]; buffers: Buffer[] } | null {
    const first = this.entries[this.head];
    if (first === undefined || fromOffset < first.info.baseOffset) return null;
    let lo = this.head;
    let hi = this.entries.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const base = (this.entries[mid] as Entry).info.baseOffset;
      if (base === fromOffset) {
        found = mid;
        break;
      }
      if (base < fromOffset) lo = mid + 1;
      else hi = mid - 1;
    }
    if (found < 0) return null;
    const infos: BatchInfo[] = [];
    const buffers: Buffer[] = [];
    let bytes = 0;
    for (let i = found; i < this.entries.length; i++) {
      const e = this.entries[i] as Entry;
      if (infos.length > 0 && bytes + e.bytes.length > maxBytes) break;
      assert(
        infos.length === 0 || (infos[infos.length - 1] as BatchInfo).lastOffset + 1 === e.info.baseOffset,
        'cached batches are contiguous',
      );
      infos.push(e.info);
      buffers.push(e.bytes);
      bytes += e.bytes.length;
    }
    return { infos, buffers };
  }
}
