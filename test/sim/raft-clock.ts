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
    let cancelled = false;
    this.time.queue.push(this.time.nowMs + Math.max(0, delayMs), () => {
      if (cancelled || this.stopped) return;
      this.time.touch(this.nodeId);
      task();
    });
    return { cancel: () => void (cancelled = true) };
  }

  every(intervalMs: number, task: () => void): ScheduledTask {
    let cancelled = false;
    const run = (): void => {
      if (cancelled || this.stopped) return;
      this.time.touch(this.nodeId);
      task();
      this.time.queue.push(this.time.nowMs + intervalMs, run);
    };
    this.time.queue.push(this.time.nowMs + intervalMs, run);
    return { cancel: () => void (cancelled = true) };
  }

  /** After everything already queued for this instant, as setImmediate runs after the I/O
   * callbacks of the turn. */
  soon(task: () => void): ScheduledTask {
    return this.schedule(0, task);
  }

  /** The process died: none of its timers fires again. */
  stop(): void {
    this.stopped = true;
  }
}
