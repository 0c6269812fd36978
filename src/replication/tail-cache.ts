// The newest batches a leader appended, kept in memory so followers that keep up are sent them
// without reading the log back (the common case: one disk write, no disk read, per batch).
// Bounded by bytes and batches, by the node's budget shared with every other partition it leads
// (tail-cache-budget.ts), and let go when the partition goes idle; a follower further behind is
// served from the log.
import { assert, limits } from '../common/index.js';
import type { BatchInfo } from './protocol/index.js';
import { type BudgetedBatch, type BudgetedTail, TailCacheBudget } from './tail-cache-budget.js';

interface Entry extends BudgetedBatch {
  readonly info: BatchInfo;
}

/** The budget of every tail in this process (one node; a test's several nodes share it, which only costs hits). */
export const nodeTailCacheBudget = new TailCacheBudget(limits.replicationTailCacheNodeBytesMax);

/** A copy in memory of its own (not zeroed first: every byte is written). */
function copyOf(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(out);
  return out;
}

export class TailCache implements BudgetedTail {
  private entries: Entry[] = [];
  /** Index of the oldest live entry in `entries` (evicted ones are dropped in chunks). */
  private head = 0;
  private bytes = 0;
  private lastAddMs = 0;

  constructor(
    private readonly bytesMax: number = limits.replicationTailCacheBytesMax,
    private readonly batchesMax: number = limits.replicationTailCacheBatchesMax,
    private readonly idleMs: number = limits.replicationTailCacheIdleMs,
    private readonly budget: TailCacheBudget = nodeTailCacheBudget,
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
    const entry: Entry = {
      info,
      bytes: bytes.length * 2 >= bytes.buffer.byteLength ? bytes : copyOf(bytes),
      live: true,
    };
    this.entries.push(entry);
    this.bytes += bytes.length;
    // The node's budget may take this tail's oldest entries (even the new one, were it too large alone).
    this.budget.added(this, entry);
    // Bounded: each step evicts one entry.
    while (
      this.head < this.entries.length &&
      (this.bytes > this.bytesMax || this.entries.length - this.head > this.batchesMax)
    ) {
      this.dropOldest();
    }
    this.compact();
  }

  /** The node's budget takes back `batch`, this tail's oldest. */
  evictOldest(batch: BudgetedBatch): void {
    assert(this.entries[this.head] === batch, "the budget evicts a tail's oldest batch");
    this.dropOldest();
  }

  private dropOldest(): void {
    const oldest = this.entries[this.head++] as Entry;
    this.bytes -= oldest.bytes.length;
    this.budget.released(oldest);
  }

  private compact(): void {
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
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i] as Entry;
      if (entry.live) this.budget.released(entry);
    }
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
