// The cleaner's I/O rate (log.cleaner.io.max.bytes.per.second), after Kafka's Throttler: bytes
// read and written are counted, and whenever they run ahead of the rate over the current window
// the cleaner sleeps until they no longer do. It also yields the event loop every few hundred
// KiB, so a pass over a large log never holds up produce and fetch for long, whatever the rate.
import type { Clock } from '../../common/index.js';

const WINDOW_MS = 100;
const YIELD_EVERY_BYTES = 256 * 1024;

export class Throttle {
  private windowStartMs: number;
  private windowBytes = 0;
  private sinceYieldBytes = 0;
  /** Total time slept, for tests and the bench. */
  sleptMs = 0;

  constructor(
    private readonly clock: Clock,
    private readonly bytesPerSecondMax: number,
  ) {
    this.windowStartMs = clock.now();
  }

  async acquire(bytes: number): Promise<void> {
    this.windowBytes += bytes;
    this.sinceYieldBytes += bytes;
    const elapsedMs = this.clock.now() - this.windowStartMs;
    const dueMs = (this.windowBytes * 1000) / this.bytesPerSecondMax;
    if (dueMs > elapsedMs && (elapsedMs >= WINDOW_MS || dueMs >= WINDOW_MS)) {
      const sleepMs = Math.ceil(dueMs - elapsedMs);
      this.sleptMs += sleepMs;
      await new Promise<void>((resolve) => this.clock.schedule(sleepMs, resolve));
      this.restartWindow();
    } else if (elapsedMs >= WINDOW_MS) {
      this.restartWindow();
    }
    if (this.sinceYieldBytes >= YIELD_EVERY_BYTES) {
      this.sinceYieldBytes = 0;
      await new Promise<void>((resolve) => this.clock.soon(resolve));
    }
  }

  private restartWindow(): void {
    this.windowStartMs = this.clock.now();
    this.windowBytes = 0;
  }
}
