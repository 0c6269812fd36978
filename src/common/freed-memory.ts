// Handing the memory that the C allocator holds freed back to the kernel.
//
// A node's big buffers (request frames of up to a MiB, the leaders' tails, replication calls,
// reads for followers and consumers) come from glibc's malloc. Once freed, glibc keeps their pages:
// it returns only a free top of its heap, and after the first large buffer freed it raises its mmap
// threshold (up to 32 MiB), so later large buffers come from that heap too. A burst of produce
// therefore leaves a node's resident memory near its peak. malloc_trim(0) gives every whole free
// page of every arena back (madvise). It runs on a libuv worker thread, about 1 ms a call with a
// few hundred MB (up to 13 ms measured), and each page given back costs a page fault when it is
// used again. A busy node reuses its freed pages at once: trimming every second whatever the load,
// one node consumed 576-620 MB/s against 630-729 without (`npm run bench`, alternating builds). So
// memory is released only after a second in which the event loop was mostly idle (a burst has
// ended), and a busy node keeps its pages: then 569-759 MB/s against 690, the machine's noise.
// With `npm run bench:partitions -- --nodes 3` (1,000 partitions, RF 3, 200k x 1 KiB; 2-core VM,
// December 2026, alternating builds), resident memory 3 s after the produce was 232-245 MB per
// node with it, 268-293 MB without. Where there is no glibc or no addon, memory stays as the
// allocator keeps it.
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { nativeAddon } from './native-addon.js';

/** How often a running node looks whether to hand freed memory back. */
const FREED_MEMORY_RELEASE_INTERVAL_MS = 1_000;
/** The event loop's busy share over the last interval above which freed pages are kept for reuse. */
const FREED_MEMORY_RELEASE_BUSY_MAX = 0.25;

let holders = 0;
let timer: NodeJS.Timeout | null = null;
let releasing = false;
let lastUtilization: EventLoopUtilization | null = null;

/**
 * Gives the allocator's free pages back to the kernel: true when that can be done here (whether
 * or not there was any to give), false without glibc or the addon.
 */
export async function releaseFreedMemory(): Promise<boolean> {
  const native = nativeAddon();
  // An addon built before this call existed (the JavaScript updated without `npm ci`) lacks it.
  if (native === null || typeof native.releaseFreedMemory !== 'function') return false;
  return (await native.releaseFreedMemory()) >= 0;
}

/** The event loop's busy share since the previous look (1 at the first: nothing to judge by yet). */
function busyShare(): number {
  const now = performance.eventLoopUtilization();
  const share = lastUtilization === null ? 1 : performance.eventLoopUtilization(now, lastUtilization).utilization;
  lastUtilization = now;
  return share;
}

function releaseIfIdle(): void {
  if (busyShare() > FREED_MEMORY_RELEASE_BUSY_MAX || releasing) return;
  releasing = true;
  releaseFreedMemory()
    .then((supported) => {
      // Nothing to do here, ever: stop asking.
      if (!supported && timer !== null) {
        clearInterval(timer);
        timer = null;
      }
    })
    .catch(() => undefined)
    .finally(() => (releasing = false));
}

/**
 * Releases freed memory after each FREED_MEMORY_RELEASE_INTERVAL_MS in which the event loop was
 * busy at most FREED_MEMORY_RELEASE_BUSY_MAX of the time, while any holder keeps it going:
 * one timer per process, which the nodes of an embedded cluster share. The returned function lets go.
 */
export function keepReleasingFreedMemory(): () => void {
  holders++;
  if (holders === 1) timer = setInterval(releaseIfIdle, FREED_MEMORY_RELEASE_INTERVAL_MS).unref();
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    holders--;
    if (holders === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
      lastUtilization = null;
    }
  };
}
