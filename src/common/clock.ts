// Time comes to Brook's shells through this interface, never from Date.now, setTimeout or
// setImmediate directly: production passes `systemClock`, the deterministic simulation a virtual
// clock whose timers fire in seeded order, and unit tests a fake one they advance by hand.

export interface ScheduledTask {
  /** Stops the task; cancelling one that already ran (or was cancelled) is harmless. */
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch (wall-clock time: timestamps, deadlines, session expiry). */
  now(): number;
  /** Runs `task` once after `delayMs` (0 or less: on a later turn, never synchronously). */
  schedule(delayMs: number, task: () => void): ScheduledTask;
  /** Runs `task` every `intervalMs` until cancelled. */
  every(intervalMs: number, task: () => void): ScheduledTask;
  /**
   * Runs `task` once the current turn and its promise continuations are done (setImmediate):
   * work arriving in one turn shares one run of it (one Ready, one fsync).
   */
  soon(task: () => void): ScheduledTask;
}

/** The real clock. Its timers do not keep the process alive: the listeners and sockets do. */
export const systemClock: Clock = {
  now: () => Date.now(),
  schedule(delayMs, task) {
    const timer = setTimeout(task, Math.max(0, delayMs));
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
  every(intervalMs, task) {
    const timer = setInterval(task, intervalMs);
    timer.unref();
    return { cancel: () => clearInterval(timer) };
  },
  soon(task) {
    const immediate = setImmediate(task);
    return { cancel: () => clearImmediate(immediate) };
  },
};
