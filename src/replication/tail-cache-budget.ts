// One byte budget for the in-memory tails of all the partitions a node leads (tail-cache.ts).
//
// Each leader keeps its newest batches for followers that keep up, bounded per partition. With
// many partitions the per-partition bound alone lets the sum grow with the partition count: 1,000
// partitions of 4 MiB each may hold 4 GB, and a producer that spreads its records over all of them
// filled each tail to what it had written, every byte it produced, until the tails went idle
// (docs/operations.md, "Many partitions"). What a follower that keeps up needs is only what was
// appended since its last request, which is the newest bytes across the node, whichever partition
// they went to: so the node's tails share one budget, and past it the oldest batch of the node,
// whatever its partition, goes first. A follower that needed it reads the log instead.
import { assert } from '../common/index.js';

/** A batch held by some tail, as the budget counts it. */
export interface BudgetedBatch {
  /** Empty once released: the queue and the tail drop dead entries only in chunks, not their bytes. */
  bytes: Buffer;
  /** Still held by its tail; false once evicted or cleared. */
  live: boolean;
}

/** A tail whose oldest batch the budget may take back. */
export interface BudgetedTail {
  /** Drops `batch`, which is the tail's oldest live batch (it tells the budget with `released`). */
  evictOldest(batch: BudgetedBatch): void;
}

interface Held {
  readonly tail: BudgetedTail;
  readonly batch: BudgetedBatch;
}

/** What a released batch holds instead of its bytes. */
const RELEASED = Buffer.alloc(0);

/** Dead entries tolerated in the queue before it is rebuilt from the live ones. */
const DEAD_ENTRIES_SLACK = 1024;

export class TailCacheBudget {
  /** Every batch held, oldest first, with batches already released not yet removed. */
  private queue: Held[] = [];
  private head = 0;
  private bytes = 0;
  private liveBatches = 0;

  constructor(readonly bytesMax: number) {
    assert(Number.isSafeInteger(bytesMax) && bytesMax >= 0, `tail cache budget of ${bytesMax} bytes`);
  }

  /** Bytes of batches held by all tails together. */
  get usedBytes(): number {
    return this.bytes;
  }

  /** `tail` now holds `batch` (its newest): beyond the budget, the oldest batches of the node go. */
  added(tail: BudgetedTail, batch: BudgetedBatch): void {
    assert(batch.live, 'a batch is added live');
    this.queue.push({ tail, batch });
    this.bytes += batch.bytes.length;
    this.liveBatches++;
    // Bounded: each step moves the head by one.
    while (this.bytes > this.bytesMax && this.head < this.queue.length) {
      const oldest = this.queue[this.head++] as Held;
      if (oldest.batch.live) oldest.tail.evictOldest(oldest.batch);
      assert(!oldest.batch.live, 'an evicted batch is released');
    }
    this.compact();
  }

  /** A tail let go of `batch` (its own bounds, a gap, idleness, or the budget). */
  released(batch: BudgetedBatch): void {
    assert(batch.live, 'a batch is released once');
    batch.live = false;
    this.bytes -= batch.bytes.length;
    // Dead entries stay queued (here and in their tail) until compacted, up to twice the live ones
    // plus a slack: had they kept their bytes, a node at its budget held up to three times it
    // (heap snapshot of an RF-3 node after producing to 1,000 partitions: 81 MiB of batches
    // retained under a 64 MiB budget).
    batch.bytes = RELEASED;
    this.liveBatches--;
    assert(this.bytes >= 0 && this.liveBatches >= 0, 'the budget counts only what it was given');
  }

  /** Keeps the queue within a constant factor of the live batches (tails also release on their own). */
  private compact(): void {
    const queued = this.queue.length - this.head;
    if (queued > 2 * this.liveBatches + DEAD_ENTRIES_SLACK) {
      this.queue = this.queue.filter((h, i) => i >= this.head && h.batch.live);
      this.head = 0;
    } else if (this.head > DEAD_ENTRIES_SLACK && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
