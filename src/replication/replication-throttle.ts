// Kafka's replication throttles (leader.replication.throttled.rate, follower.replication.throttled.rate):
// bytes per second for the replicas a reassignment adds, so that copying a partition to a new
// broker does not take the bandwidth and disk the partition's clients need. Only learners are
// throttled; the replicas in the quorums never are (a throttled voter would slow acks=all).
// A leader sends a learner nothing while its node's leader throttle is in debt; a learner delays
// taking an append while its node's follower throttle is, which stalls the leader's window to it.
import type { Clock } from '../common/index.js';

export class ReplicationThrottle {
  /** When the bytes charged so far are paid off at the rate (ms, the clock's time). */
  private paidOffAtMs = 0;

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    /** Bytes per second; Kafka's default (the largest long; here the largest safe integer) is unlimited. */
    private readonly rateBytesPerSecond: number,
  ) {}

  get limited(): boolean {
    return this.rateBytesPerSecond > 0 && this.rateBytesPerSecond < Number.MAX_SAFE_INTEGER;
  }

  /** How long until the bytes charged so far are paid off (0: send now). */
  delayMs(): number {
    if (!this.limited) return 0;
    return Math.max(0, this.paidOffAtMs - this.clock.now());
  }

  /** Counts bytes sent or taken: they are paid off at the rate from now or from the last debt. */
  charge(bytes: number): void {
    if (!this.limited || bytes <= 0) return;
    const from = Math.max(this.clock.now(), this.paidOffAtMs);
    this.paidOffAtMs = from + (bytes * 1000) / this.rateBytesPerSecond;
  }
}

/** No throttle (replicas built without a node's throttles: tests). */
export const UNTHROTTLED = new ReplicationThrottle({ now: () => 0 }, Number.MAX_SAFE_INTEGER);

/** A node's two throttles, shared by all its replicas. */
export interface ReplicationThrottles {
  readonly leader: ReplicationThrottle;
  readonly follower: ReplicationThrottle;
}
