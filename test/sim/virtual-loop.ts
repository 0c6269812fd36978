// Virtual time for tests that run real async code (PartitionLog on a SimDisk) deterministically:
// timed tasks run in (time, insertion) order, and between two of them every promise continuation
// the previous one caused runs to completion, so a seed always replays the same interleaving.
import type { Clock, ScheduledTask } from '../../src/common/clock.js';
import type { DiskScheduler } from './disk.js';
import { EventQueue } from './event-queue.js';

/** Lets every pending promise continuation run (setImmediate comes after the microtask queue). */
function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class VirtualLoop implements DiskScheduler {
  private nowMsValue = 0;
  private readonly queue = new EventQueue();

  get nowMs(): number {
    return this.nowMsValue;
  }

  get pending(): number {
    return this.queue.size;
  }

  /** Virtual time of the next task, or undefined when none is scheduled. */
  get nextAtMs(): number | undefined {
    return this.queue.peekTime();
  }

  schedule(delayMs: number, task: () => void): ScheduledTask {
    let cancelled = false;
    this.queue.push(this.nowMsValue + Math.max(0, delayMs), () => {
      if (!cancelled) task();
    });
    return { cancel: () => void (cancelled = true) };
  }

  /** A Clock on this loop's time. */
  clock(): Clock {
    return {
      now: () => this.nowMsValue,
      schedule: (delayMs, task) => this.schedule(delayMs, task),
      every: (intervalMs, task) => {
        let current: ScheduledTask | null = null;
        let stopped = false;
        const arm = (): void => {
          current = this.schedule(intervalMs, () => {
            if (stopped) return;
            task();
            arm();
          });
        };
        arm();
        return {
          cancel: () => {
            stopped = true;
            current?.cancel();
          },
        };
      },
      soon: (task) => this.schedule(0, task),
    };
  }

  /** Runs one task (advancing time to it); false when none is left. */
  async step(): Promise<boolean> {
    await drainMicrotasks();
    const next = this.queue.pop();
    if (next === undefined) return false;
    this.nowMsValue = Math.max(this.nowMsValue, next.at);
    next.run();
    await drainMicrotasks();
    return true;
  }

  /** Runs tasks until virtual time would pass `atMs` (or nothing is left). */
  async runUntil(atMs: number, tasksMax = 1_000_000): Promise<void> {
    for (let i = 0; i < tasksMax; i++) {
      await drainMicrotasks();
      const at = this.queue.peekTime();
      if (at === undefined || at > atMs) break;
      await this.step();
    }
    this.nowMsValue = Math.max(this.nowMsValue, atMs);
  }

  /** Runs tasks until `promise` settles; throws if it cannot (nothing left to run). */
  async settle<T>(promise: Promise<T>, tasksMax = 1_000_000): Promise<T> {
    const outcome: { settled: boolean; value?: T; error?: unknown; failed: boolean } = {
      settled: false,
      failed: false,
    };
    promise.then(
      (value) => Object.assign(outcome, { settled: true, value }),
      (error: unknown) => Object.assign(outcome, { settled: true, failed: true, error }),
    );
    for (let i = 0; i < tasksMax && !outcome.settled; i++) {
      await drainMicrotasks();
      if (outcome.settled || !(await this.step())) break;
    }
    await drainMicrotasks();
    if (!outcome.settled) throw new Error('the promise did not settle: nothing left to run');
    if (outcome.failed) throw outcome.error;
    return outcome.value as T;
  }
}
