// Virtual time for the Raft simulation: each process of a simulated node gets a NodeClock whose
// timers are events on the simulation's EventQueue. A crash stops the clock, and with it every
// timer the dead process had armed (its tick, its deadlines, its pending Ready run).
import type { Clock, ScheduledTask } from '../../src/common/clock.js';
import type { EventQueue } from './event-queue.js';

/** Where the simulated wall clock starts: a plausible epoch time, so nothing mistakes 0 for unset. */
const EPOCH_MS = 1_700_000_000_000;

/** The simulation's time: the EventQueue runs events in (time, insertion) order and `nowMs` is the
 * time of the one running. */
export interface VirtualTime {
  readonly queue: EventQueue;
  readonly nowMs: number;
  /** The running event concerns node `id` (the checker looks at the nodes an event touched). */
  touch(id: number): void;
  /**
   * The running event runs synchronous code only (a delivered message steps the core and
   * schedules a Ready; a Ready run stops at a write still in flight): no promise continuation can
   * be pending after it, and the loop need not wait for any. The loop waits after every other.
   */
  synchronousEvent(): void;
  /** ...except that it settled a promise after all (a write with nothing to write resolves at once). */
  promiseSettled(): void;
}

/** One armed timer; a class rather than closures, as the simulation arms millions. */
class Timer implements ScheduledTask {
  cancelled = false;

  constructor(
    readonly task: () => void,
    /** Re-armed after each run (every), or once (schedule, soon). */
    readonly intervalMs: number | undefined,
    /** A Ready run (soon) begins with a write still in flight: it leaves no continuation. */
    readonly synchronous: boolean,
  ) {}

  cancel(): void {
    this.cancelled = true;
  }
}

export class NodeClock implements Clock {
  private stopped = false;

  constructor(
    private readonly time: VirtualTime,
    private readonly nodeId: number,
  ) {}

  now(): number {
    return EPOCH_MS + this.time.nowMs;
  }

  schedule(delayMs: number, task: () => void): ScheduledTask {
    return this.arm(new Timer(task, undefined, false), Math.max(0, delayMs));
  }

  every(intervalMs: number, task: () => void): ScheduledTask {
    return this.arm(new Timer(task, intervalMs, false), intervalMs);
  }

  /** After everything already queued for this instant, as setImmediate runs after the I/O
   * callbacks of the turn. */
  soon(task: () => void): ScheduledTask {
    return this.arm(new Timer(task, undefined, true), 0);
  }

  /** The process died: none of its timers fires again. */
  stop(): void {
    this.stopped = true;
  }

  private arm(timer: Timer, delayMs: number): Timer {
    this.time.queue.push(this.time.nowMs + delayMs, () => this.fire(timer));
    return timer;
  }

  private fire(timer: Timer): void {
    if (timer.cancelled || this.stopped) return;
    this.time.touch(this.nodeId);
    if (timer.synchronous) this.time.synchronousEvent();
    timer.task();
    if (timer.intervalMs !== undefined) this.arm(timer, timer.intervalMs);
  }
}
