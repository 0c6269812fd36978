// The replication simulation's event loop: timed tasks in (virtual time, insertion) order, one at a
// time, and after each every promise continuation it caused runs to completion, so a seed replays
// the same interleaving. Like test/sim/virtual-loop.ts, which gives the event loop a turn before and
// after each task; here one drain per task, and a drain without a turn, is enough (nothing else
// runs between two tasks), and the turns were a fifth of the simulation's time.
import type { ScheduledTask } from '../../../src/common/clock.js';
import { EventQueue } from '../event-queue.js';

/**
 * Lets every pending promise continuation run, and nothing else: Node runs the nextTick queue only
 * once V8's microtask queue is empty, so this resolves after every continuation (and theirs) has
 * finished, without a turn of the event loop (a tenth of the cost of setImmediate). That holds
 * while the code under simulation does not call process.nextTick itself (src/ does not).
 */
function drainContinuations(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
}

export class SimLoop {
  private nowMsValue = 0;
  private readonly queue = new EventQueue();

  get nowMs(): number {
    return this.nowMsValue;
  }

  schedule(delayMs: number, task: () => void): ScheduledTask {
    let cancelled = false;
    this.queue.push(this.nowMsValue + Math.max(0, delayMs), () => {
      if (!cancelled) task();
    });
    return { cancel: () => void (cancelled = true) };
  }

  /** Runs the next task (advancing time to it) and what it set off; false when none is left. */
  async step(): Promise<boolean> {
    const next = this.queue.pop();
    if (next === undefined) return false;
    this.nowMsValue = Math.max(this.nowMsValue, next.at);
    next.run();
    await drainContinuations();
    return true;
  }

  /** Runs tasks until `promise` settles (set-up steps); throws if it cannot. */
  async settle<T>(promise: Promise<T>, tasksMax = 100_000): Promise<T> {
    let settled = false;
    void promise.then(
      () => (settled = true),
      () => (settled = true),
    );
    await drainContinuations();
    for (let i = 0; i < tasksMax && !settled; i++) if (!(await this.step())) break;
    if (!settled) throw new Error('the promise did not settle: nothing left to run');
    return promise;
  }
}
