// The leader's in-memory tail of appended batches: contiguous reads from an exact batch start,
// whole batches within a byte budget (at least one), eviction by bytes and by count, and what it
// keeps alive: a batch as given when it fills most of its buffer, else a copy; and the node's budget
// over all tails, which evicts the node's oldest batch whatever its partition.
import { describe, expect, it } from 'vitest';
import { TailCache } from '../../src/replication/tail-cache.js';
import { TailCacheBudget } from '../../src/replication/tail-cache-budget.js';

function add(cache: TailCache, base: number, records: number, size: number): void {
  cache.add(
    { baseOffset: base, lastOffset: base + records - 1, epoch: 0, sizeBytes: size },
    Buffer.alloc(size, base),
    0,
  );
}

describe('TailCache', () => {
  it('reads whole contiguous batches from an exact batch start, at least one, within the budget', () => {
    const cache = new TailCache(1000, 100);
    add(cache, 0, 2, 100);
    add(cache, 2, 3, 100);
    add(cache, 5, 1, 100);
    expect(cache.read(2, 150)!.infos.map((b) => b.baseOffset)).toEqual([2]);
    expect(cache.read(2, 200)!.infos.map((b) => b.baseOffset)).toEqual([2, 5]);
    expect(cache.read(0, 1)!.infos.map((b) => b.baseOffset)).toEqual([0]);
    expect(cache.read(0, 1)!.buffers[0]!.length).toBe(100);
    expect(cache.read(3, 1000)).toBeNull(); // inside a batch: not a start
    expect(cache.read(6, 1000)).toBeNull(); // the log end
  });

  it('evicts the oldest batches beyond its byte and count bounds, and restarts on a gap', () => {
    const bytes = new TailCache(250, 100);
    for (let i = 0; i < 5; i++) add(bytes, i, 1, 100);
    expect(bytes.read(2, 1000)).toBeNull();
    expect(bytes.read(3, 1000)!.infos.map((b) => b.baseOffset)).toEqual([3, 4]);
    const count = new TailCache(1_000_000, 3);
    for (let i = 0; i < 2000; i++) add(count, i, 1, 10);
    expect(count.read(1996, 1000)).toBeNull();
    expect(count.read(1997, 1000)!.infos).toHaveLength(3);
    add(count, 5000, 1, 10); // not contiguous: the older ones cannot be served any more
    expect(count.read(1999, 1000)).toBeNull();
    expect(count.read(5000, 1000)!.infos).toHaveLength(1);
  });

  it('keeps a batch that fills most of its buffer as given, and copies a small part of a large buffer', () => {
    const cache = new TailCache(1_000_000, 100);
    const whole = Buffer.allocUnsafeSlow(1000).fill(1);
    cache.add({ baseOffset: 0, lastOffset: 0, epoch: 0, sizeBytes: 1000 }, whole.subarray(0, 600), 0);
    const request = Buffer.allocUnsafeSlow(10_000).fill(2); // e.g. a produce request for many partitions
    cache.add({ baseOffset: 1, lastOffset: 1, epoch: 0, sizeBytes: 1000 }, request.subarray(5000, 6000), 0);
    const [kept, copied] = cache.read(0, 1_000_000)!.buffers as [Buffer, Buffer];
    expect(kept.buffer).toBe(whole.buffer);
    expect(copied.buffer).not.toBe(request.buffer);
    expect(copied.buffer.byteLength).toBe(1000);
    expect(copied.equals(request.subarray(5000, 6000))).toBe(true);
  });

  it('lets go of every batch once nothing was added for the idle time', () => {
    const cache = new TailCache(1_000_000, 100, 10_000);
    cache.add({ baseOffset: 0, lastOffset: 0, epoch: 0, sizeBytes: 10 }, Buffer.alloc(10), 1_000);
    cache.add({ baseOffset: 1, lastOffset: 1, epoch: 0, sizeBytes: 10 }, Buffer.alloc(10), 5_000);
    cache.releaseIfIdle(14_999);
    expect(cache.read(0, 1000)!.infos).toHaveLength(2);
    cache.releaseIfIdle(15_000);
    expect(cache.read(0, 1000)).toBeNull();
    cache.add({ baseOffset: 2, lastOffset: 2, epoch: 0, sizeBytes: 10 }, Buffer.alloc(10), 20_000);
    expect(cache.read(2, 1000)!.infos).toHaveLength(1);
  });

  it("shares the node's budget between tails: past it the node's oldest batch goes, whatever its tail", () => {
    const budget = new TailCacheBudget(1000);
    const tails = Array.from({ length: 4 }, () => new TailCache(1_000_000, 10_000, 10_000, budget));
    // Round robin over the tails, 100 bytes each: 20 batches made, only the newest 10 kept.
    for (let i = 0; i < 20; i++) add(tails[i % 4]!, Math.floor(i / 4), 1, 100);
    expect(budget.usedBytes).toBe(1000);
    // Tail 0 got batches 0..4 at i = 0, 4, 8, 12, 16: those from i >= 10 remain (offsets 3 and 4).
    expect(tails[0]!.read(2, 1000)).toBeNull();
    expect(tails[0]!.read(3, 1000)!.infos.map((b) => b.baseOffset)).toEqual([3, 4]);
    expect(tails[2]!.read(2, 1000)!.infos.map((b) => b.baseOffset)).toEqual([2, 3, 4]); // i = 10, 14, 18
    // A tail's own bounds, a gap and idleness give bytes back to the budget.
    tails[1]!.clear();
    expect(budget.usedBytes).toBe(800);
    add(tails[2]!, 9, 1, 100); // a gap: tail 2 starts over with this one
    expect(budget.usedBytes).toBe(600);
    tails[3]!.releaseIfIdle(1_000_000); // it held 3 (i = 11, 15, 19)
    expect(budget.usedBytes).toBe(300);
  });

  it('keeps the budget queue bounded when tails evict on their own', () => {
    const budget = new TailCacheBudget(1_000_000_000);
    const own = new TailCache(1000, 10_000, 10_000, budget);
    const idle = new TailCache(1000, 10_000, 10_000, budget);
    add(idle, 0, 1, 10); // the node's oldest batch, never evicted: the queue cannot just advance
    for (let i = 0; i < 100_000; i++) add(own, i, 1, 100);
    expect(budget.usedBytes).toBe(1010);
    expect((budget as unknown as { queue: unknown[] }).queue.length).toBeLessThan(5000);
    expect(idle.read(0, 100)!.infos).toHaveLength(1);
  });

  it('gives nothing to a batch larger than the whole budget', () => {
    const budget = new TailCacheBudget(50);
    const tail = new TailCache(1_000_000, 100, 10_000, budget);
    add(tail, 0, 1, 100);
    expect(tail.read(0, 1000)).toBeNull();
    expect(budget.usedBytes).toBe(0);
    add(tail, 1, 1, 40);
    expect(tail.read(1, 1000)!.infos).toHaveLength(1);
  });

  it('lets go of the bytes of a batch it released, though its entry waits to be compacted', () => {
    const budget = new TailCacheBudget(250);
    const tail = new TailCache(1_000_000, 100, 10_000, budget);
    const batch = { bytes: Buffer.alloc(100), live: true };
    budget.added(tail, batch);
    budget.released(batch);
    expect(batch.bytes.length).toBe(0); // before, dead entries kept up to twice the budget alive
  });
});
