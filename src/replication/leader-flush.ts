// The leader's flushes. With the default policy (flush.messages = 1) an append counts toward the
// high watermark only once it is fsynced here too: one flush loop at a time (group commit), each
// round covering every append made before it, and the leader told after each round. With a relaxed
// policy the page cache counts at once (Kafka's trade-off: durability by replication) and fsyncs
// run in the background by count or time.
import type { Clock, Logger, ProduceStages } from '../common/index.js';
import type { PartitionLog } from '../storage/index.js';
import { type Fatal, stopIfBroken } from './invariants.js';
import { LeaderDurabilityTiming } from './leader-durability-timing.js';
import { flushIfDue, type PartitionLogView } from './replica-log-view.js';

export interface LeaderFlushIo {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly fatal: Fatal;
  /** More of the leader's log counts as durable. */
  durable(): void;
  /** The flush failed: the log refuses writes from now on. */
  failed(): void;
  /** The replica closed: no more rounds. */
  stopped(): boolean;
  /** Where leader_append_fsync is observed. */
  readonly stages: ProduceStages;
}

export class LeaderFlush {
  private flushing = false;
  private readonly timing: LeaderDurabilityTiming;

  constructor(
    private readonly log: PartitionLog,
    private readonly view: PartitionLogView,
    private readonly io: LeaderFlushIo,
  ) {
    this.timing = new LeaderDurabilityTiming(io.stages);
  }

  /** The leader appended (the append began at `startedAtMs`, stageNowMs): make it count by the flush policy. */
  appended(startedAtMs: number): void {
    this.timing.appended(this.log.logEndOffset, startedAtMs);
    if (this.view.strict) {
      this.loop();
      return;
    }
    this.io.durable();
    this.timing.durable(this.log.logEndOffset, this.log.logEndOffset);
    flushIfDue(this.log, this.io.clock.now(), this.io.logger);
  }

  private loop(): void {
    if (this.flushing) return;
    this.flushing = true;
    void (async () => {
      try {
        // Each round makes everything appended before it durable; bounded by the appends that keep coming.
        while (!this.io.stopped() && this.log.durableEndOffset < this.log.logEndOffset) {
          await this.log.flush();
          this.timing.durable(this.log.durableEndOffset, this.log.logEndOffset);
          this.io.durable();
        }
      } catch (err) {
        stopIfBroken(err, this.io.fatal);
        this.io.logger.error({ err }, 'leader flush failed');
        this.io.failed();
      } finally {
        this.flushing = false;
      }
    })();
  }
}
