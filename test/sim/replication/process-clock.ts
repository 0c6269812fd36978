// The Clock one simulated process runs on: virtual time from the simulation's loop, and timers that
// die with the process. A crash drops the process's objects; whatever they had scheduled (ticks,
// request timeouts, HW waiters' deadlines) must not run in a process that no longer exists.
import type { Clock, ScheduledTask } from '../../../src/common/clock.js';
import type { SimLoop } from './sim-loop.js';

export class ProcessClock implements Clock {
  private alive = true;

  constructor(private readonly loop: SimLoop) {}

  get isAlive(): boolean {
    return this.alive;
  }

  /** The process died: none of its timers runs again. */
  kill(): void {
    this.alive = false;
  }

  now(): number {
    return this.loop.nowMs;
  }

  schedule(delayMs: number, task: () => void): ScheduledTask {
    if (!this.alive) return { cancel: () => undefined };
    return this.loop.schedule(delayMs, () => {
      if (this.alive) task();
    });
  }

  every(intervalMs: number, task: () => void): ScheduledTask {
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
  }

  soon(task: () => void): ScheduledTask {
    return this.schedule(0, task);
  }
}
