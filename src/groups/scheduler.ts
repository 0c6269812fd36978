// Time for the group coordinator comes through this interface, never from Date.now or setTimeout
// directly, so unit tests drive sessions, rebalance timeouts and offset expiry with a fake clock.

export interface ScheduledTask {
  cancel(): void;
}

export interface Scheduler {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `task` once after `delayMs`; cancelling after it ran is harmless. */
  schedule(delayMs: number, task: () => void): ScheduledTask;
}

/** Wall-clock scheduler; its timers do not keep the process alive. */
export const systemScheduler: Scheduler = {
  now: () => Date.now(),
  schedule(delayMs, task) {
    const timer = setTimeout(task, Math.max(0, delayMs));
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};
