// The replication core's view of a local PartitionLog. With the default flush policy
// (flush.messages = 1) only fsynced offsets count: an append reaches the high watermark once it is
// durable on W replicas. With a relaxed policy the operator chose Kafka's trade-off: durability by
// replication, fsync by count or time; the page cache then counts as "durable" for the high
// watermark, and Seal still flushes before it answers.
import type { Logger } from '../common/index.js';
import type { PartitionLog } from '../storage/index.js';
import type { EpochEntry, ReplicaLogView } from './protocol/index.js';

export class PartitionLogView implements ReplicaLogView {
  /** `alwaysStrict`: count only fsynced offsets whatever the policy (Seal answers use this). */
  constructor(
    private readonly log: PartitionLog,
    private readonly alwaysStrict = false,
  ) {}

  /** True when every append must be fsynced before it counts (the default). */
  get strict(): boolean {
    return this.alwaysStrict || this.log.needsFlushBeforeAck();
  }

  get logStartOffset(): number {
    return this.log.logStartOffset;
  }

  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  get durableEndOffset(): number {
    return this.strict ? this.log.durableEndOffset : this.log.logEndOffset;
  }

  epochEntries(): readonly EpochEntry[] {
    return this.log.epochEntries();
  }
}

/** With a relaxed policy: starts a flush in the background when the count or time is reached. */
export function flushIfDue(log: PartitionLog, nowMs: number, logger: Logger): void {
  if (log.flushDue(nowMs)) log.flush().catch((err: unknown) => logger.error({ err }, 'flush failed'));
}
