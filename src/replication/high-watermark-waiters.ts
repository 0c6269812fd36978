// Requests waiting for a partition's high watermark to reach an offset: acks=all produces and
// coordinator writes. Bounded; each waiter has its own deadline; all of them fail at once when
// the replica stops leading.
import { type Clock, ErrorCode, KafkaError, limits, type ScheduledTask } from '../common/index.js';

interface Waiter {
  readonly offset: number;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
  timer: ScheduledTask | null;
}

export class HighWatermarkWaiters {
  private waiters: Waiter[] = [];

  constructor(private readonly clock: Clock) {}

  get size(): number {
    return this.waiters.length;
  }

  /** Resolves once `advance(hw)` is called with hw >= offset; REQUEST_TIMED_OUT after timeoutMs. */
  wait(offset: number, timeoutMs: number): Promise<void> {
    if (this.waiters.length >= limits.highWatermarkWaitersMax) {
      return Promise.reject(
        new KafkaError(ErrorCode.REQUEST_TIMED_OUT, 'too many requests waiting for the high watermark'),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { offset, resolve, reject, timer: null };
      waiter.timer = this.clock.schedule(Math.max(timeoutMs, 1), () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new KafkaError(ErrorCode.REQUEST_TIMED_OUT, `high watermark did not reach ${offset} in ${timeoutMs} ms`),
        );
      });
      this.waiters.push(waiter);
    });
  }

  advance(highWatermark: number): void {
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.offset <= highWatermark) {
        w.timer?.cancel();
        w.resolve();
      } else {
        still.push(w);
      }
    }
    this.waiters = still;
  }

  failAll(err: KafkaError): void {
    const all = this.waiters;
    this.waiters = [];
    for (const w of all) {
      w.timer?.cancel();
      w.reject(err);
    }
  }
}
