// The fetch read buffer pool: a lease given back is used again, never twice; buffers not leased
// there are ignored; idle buffers are bounded in bytes and let go after a quiet spell.
import { describe, expect, it } from 'vitest';
import { ReadBufferPool } from '../../src/storage/read-buffers.js';
import { FakeClock } from '../transactions/helpers.js';

const MIB = 1024 * 1024;

describe('ReadBufferPool', () => {
  it('uses a given-back buffer again for a read of a similar size, once', () => {
    const pool = new ReadBufferPool(64 * MIB, 10_000, new FakeClock());
    const a = pool.lease(10 * MIB - 5);
    expect(a.length).toBe(10 * MIB - 5);
    expect(pool.isLeased(a.subarray(100, 200))).toBe(true);
    pool.giveBack(a.subarray(100, 200));
    expect(pool.isLeased(a)).toBe(false);
    pool.giveBack(a); // a second give-back of the same lease is ignored
    const b = pool.lease(9 * MIB + 1);
    const c = pool.lease(9 * MIB + 1);
    expect(b.buffer).toBe(a.buffer);
    expect(c.buffer).not.toBe(a.buffer);
    expect(pool.counts).toMatchObject({ reused: 1, allocated: 2, idleBytes: 0 });
  });

  it('leaves small reads and foreign buffers alone', () => {
    const pool = new ReadBufferPool(64 * MIB, 10_000, new FakeClock());
    const small = pool.lease(1000);
    expect(pool.isLeased(small)).toBe(false);
    pool.giveBack(small);
    pool.giveBack(Buffer.alloc(2 * MIB));
    expect(pool.counts).toMatchObject({ reused: 0, allocated: 0, idleBytes: 0 });
  });

  it('keeps at most idleBytesMax idle, and none after a quiet spell', async () => {
    const clock = new FakeClock();
    const pool = new ReadBufferPool(3 * MIB, 10_000, clock);
    const leases = [pool.lease(MIB), pool.lease(MIB), pool.lease(MIB), pool.lease(MIB)];
    for (const lease of leases) pool.giveBack(lease);
    expect(pool.counts.idleBytes).toBe(3 * MIB);
    await clock.advance(5_000);
    pool.giveBack(pool.lease(MIB));
    await clock.advance(6_000);
    expect(pool.counts.idleBytes).toBe(3 * MIB); // a lease 6 s ago: not quiet yet
    await clock.advance(5_000);
    expect(pool.counts.idleBytes).toBe(0);
  });
});
