// Buffers for consumer fetch reads, used again once the socket has taken their bytes.
//
// A consumer reading from the page cache makes the broker read megabytes per partition per fetch
// (librdkafka's default: 1 MiB a partition, the bench's 10 MiB). Each such read into a fresh
// Buffer is a new ArrayBuffer outside the JS heap: V8 counts it as external memory and, as that
// grows by tens of MB per fetch, starts a full mark-compact every fetch or two ("external memory
// pressure"), and the kernel maps and faults in fresh pages for every read. Profiled on the 2-core
// VM (1 node, 200,000 records of 1 KiB read back with kcat): GC was more than half of the node's
// busy time while it served fetches.
//
// So fetch reads lease their read window from this pool, and the Kafka connection gives each one
// back when the socket has written it (write callback: the bytes are in the kernel by then). A
// lease that is never given back (a reader that is not a socket, a destroyed connection) is simply
// left to the GC: the pool keeps leased buffers only in a WeakSet, and holds strongly only idle
// ones, at most `idleBytesMax` of them, and lets them all go once no read leased one for `idleMs`
// (a node that stopped serving big fetches holds none of that memory). Giving back a buffer not leased here is a no-op, and one
// lease can be given back only once, so a mistake cannot put one buffer in two reads.
import { assert, type Clock, limits, type ScheduledTask, systemClock } from '../common/index.js';

/** Reads below this stay plain allocations (small, short-lived, cheap). */
const POOLED_BYTES_MIN = 256 * 1024;
/**
 * Capacities are rounded up to this step, so a capacity serves reads of similar sizes (a fetch
 * read is partitionMaxBytes plus a little read-ahead: 1 MiB + 4 KiB takes 1.25 MiB).
 */
const CAPACITY_STEP_BYTES = 256 * 1024;
/** Idle capacities a lease may look at above its own step (up to 1 MiB more): fewer allocations. */
const LARGER_STEPS_TRIED = 4;

export class ReadBufferPool {
  private readonly idle = new Map<number, ArrayBuffer[]>();
  private readonly leased = new WeakSet<ArrayBuffer>();
  private idleBytes = 0;
  private reusedCount = 0;
  private allocatedCount = 0;
  private lastLeaseMs = 0;
  private trim: ScheduledTask | null = null;

  constructor(
    readonly idleBytesMax: number,
    private readonly idleMs: number,
    private readonly clock: Clock = systemClock,
  ) {
    assert(idleBytesMax >= 0 && idleMs > 0, `read buffer pool of ${idleBytesMax} bytes, ${idleMs} ms`);
  }

  /** Leases reused / newly allocated so far (for tests and profiles). */
  get counts(): { readonly reused: number; readonly allocated: number; readonly idleBytes: number } {
    return { reused: this.reusedCount, allocated: this.allocatedCount, idleBytes: this.idleBytes };
  }

  /** A buffer of exactly `length` bytes (contents undefined), leased when large enough to pool. */
  lease(length: number): Buffer {
    if (length < POOLED_BYTES_MIN) return Buffer.allocUnsafe(length);
    this.lastLeaseMs = this.clock.now();
    const step = Math.ceil(length / CAPACITY_STEP_BYTES);
    for (let s = step; s <= step + LARGER_STEPS_TRIED; s++) {
      const free = this.idle.get(s);
      const reused = free?.pop();
      if (reused === undefined) continue;
      this.idleBytes -= reused.byteLength;
      this.leased.add(reused);
      this.reusedCount++;
      return Buffer.from(reused, 0, length);
    }
    const fresh = new ArrayBuffer(step * CAPACITY_STEP_BYTES);
    this.leased.add(fresh);
    this.allocatedCount++;
    return Buffer.from(fresh, 0, length);
  }

  /** True when `view` lies on a buffer leased here and not yet given back. */
  isLeased(view: Uint8Array): boolean {
    return view.buffer instanceof ArrayBuffer && this.leased.has(view.buffer);
  }

  /**
   * Gives back the buffer under `view` (any view of a lease). The caller promises that nothing
   * reads the lease's bytes any more. A view on anything else is ignored.
   */
  giveBack(view: Uint8Array): void {
    const buffer = view.buffer;
    if (!(buffer instanceof ArrayBuffer) || !this.leased.delete(buffer)) return;
    if (this.idleBytes + buffer.byteLength > this.idleBytesMax) return; // left to the GC
    const step = buffer.byteLength / CAPACITY_STEP_BYTES;
    const free = this.idle.get(step) ?? [];
    free.push(buffer);
    this.idle.set(step, free);
    this.idleBytes += buffer.byteLength;
    this.trim ??= this.clock.schedule(this.idleMs, () => this.trimIdle());
  }

  private trimIdle(): void {
    this.trim = null;
    const quietMs = this.clock.now() - this.lastLeaseMs;
    if (quietMs < this.idleMs) {
      this.trim = this.clock.schedule(this.idleMs - quietMs, () => this.trimIdle());
      return;
    }
    this.idle.clear();
    this.idleBytes = 0;
  }
}

/** The one pool of a process's consumer fetch reads (log-read.ts leases, the Kafka connection gives back). */
export const fetchReadBuffers = new ReadBufferPool(limits.fetchReadBuffersIdleBytesMax, limits.fetchReadBuffersIdleMs);
