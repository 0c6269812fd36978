// Time for the group coordinator comes through this interface, never from Date.now or setTimeout
// directly, so unit tests drive sessions, rebalance timeouts and offset expiry with a fake clock.
// It is the part of the node's Clock (common/clock.ts) the coordinator needs.
import { type Clock, systemClock } from '../common/index.js';

export type { ScheduledTask } from '../common/index.js';

export type Scheduler = Pick<Clock, 'now' | 'schedule'>;

/** Wall-clock scheduler; its timers do not keep the process alive. */
export const systemScheduler: Scheduler = systemClock;
