// Test doubles for the group coordinator: a fake clock with timers, and an in-memory
// __consumer_offsets partition that stores records in their encoded form (so every test also runs
// the record format) and can be made to fail or to stall while loading.
import { ErrorCode, KafkaError } from '../../src/common/errors.js';
import { silentLogger } from '../../src/common/log.js';
import type { CoordinatorLog, ReplayEntry, TransactionalProducer } from '../../src/groups/coordinator-log.js';
import { GroupCoordinator, type GroupCoordinatorOptions } from '../../src/groups/coordinator.js';
import { offsetsPartitionFor } from '../../src/groups/hash.js';
import { decodeCoordinatorRecord, encodeCoordinatorRecord, type CoordinatorRecord } from '../../src/groups/records.js';
import type { ScheduledTask, Scheduler } from '../../src/groups/scheduler.js';
import type { JoinGroupParams } from '../../src/groups/membership.js';
import { encodeConsumerSubscription } from '../../src/groups/consumer-protocol.js';

interface Task {
  readonly at: number;
  readonly seq: number;
  readonly run: () => void;
  cancelled: boolean;
}

export class FakeScheduler implements Scheduler {
  private time = 1_700_000_000_000;
  private seq = 0;
  private tasks: Task[] = [];

  now(): number {
    return this.time;
  }

  schedule(delayMs: number, run: () => void): ScheduledTask {
    const task: Task = { at: this.time + Math.max(0, delayMs), seq: this.seq++, run, cancelled: false };
    this.tasks.push(task);
    return { cancel: () => (task.cancelled = true) };
  }

  /** Moves the clock forward, running every timer that falls due, in time order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (let i = 0; i < 100_000; i++) {
      const due = this.tasks.filter((t) => !t.cancelled && t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.tasks = this.tasks.filter((t) => t !== due && !t.cancelled);
      this.time = Math.max(this.time, due.at);
      due.run();
    }
    this.time = end;
  }
}

export class MemoryLog implements CoordinatorLog {
  /** The log, one entry per offset: a record (transactional when it names a producer) or a marker. */
  readonly entries: (
    | { key: Buffer; value: Buffer | null; producerId: number | null }
    | { marker: { producerId: number; committed: boolean } }
  )[] = [];
  failWith: KafkaError | null = null;
  /** When set, replay waits for it: the partition is "loading". */
  gate: Promise<void> | null = null;
  /** When set, an append waits for it after its records are in the log (not yet durable). */
  durableGate: Promise<void> | null = null;

  async replay(visit: (entry: ReplayEntry) => void): Promise<void> {
    if (this.gate) await this.gate;
    this.entries.forEach((entry, offset) => {
      if ('marker' in entry) {
        visit({ kind: 'marker', ...entry.marker, offset });
        return;
      }
      const record = decodeCoordinatorRecord(entry.key, entry.value);
      if (record) visit({ kind: 'record', record, offset, producerId: entry.producerId });
    });
  }

  async append(
    records: readonly CoordinatorRecord[],
    transaction?: TransactionalProducer,
  ): Promise<{ baseOffset: number }> {
    await Promise.resolve();
    if (this.failWith) throw this.failWith;
    const baseOffset = this.entries.length;
    for (const record of records)
      this.entries.push({ ...encodeCoordinatorRecord(record), producerId: transaction?.producerId ?? null });
    if (this.durableGate) await this.durableGate;
    return { baseOffset };
  }

  /** A transaction marker of `producerId` lands; returns its offset. */
  marker(producerId: number, committed: boolean): number {
    this.entries.push({ marker: { producerId, committed } });
    return this.entries.length - 1;
  }

  decoded(): CoordinatorRecord[] {
    return this.entries.flatMap((e) => ('marker' in e ? [] : [decodeCoordinatorRecord(e.key, e.value)!]));
  }
}

export const PARTITIONS = 4;

/** Lets pending promise callbacks (log appends, their continuations) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

export interface Harness {
  readonly clock: FakeScheduler;
  readonly logs: MemoryLog[];
  readonly coordinator: GroupCoordinator;
}

/** A coordinator leading every partition of a 4-partition offsets topic, each on its own MemoryLog. */
export async function harness(
  options: Partial<GroupCoordinatorOptions> = {},
  logs?: MemoryLog[],
  clock = new FakeScheduler(),
): Promise<Harness> {
  let ids = 0;
  const coordinator = new GroupCoordinator({
    minSessionTimeoutMs: 6000,
    maxSessionTimeoutMs: 300_000,
    initialRebalanceDelayMs: 0,
    offsetsRetentionMs: 7 * 24 * 3600_000,
    offsetsRetentionCheckIntervalMs: 60_000,
    offsetsPartitionCount: () => PARTITIONS,
    partitionExists: (topic) => topic !== 'missing',
    scheduler: clock,
    log: silentLogger,
    newMemberId: (prefix) => `${prefix}-${++ids}`,
    ...options,
  });
  const partitionLogs = logs ?? Array.from({ length: PARTITIONS }, () => new MemoryLog());
  await Promise.all(partitionLogs.map((log, p) => coordinator.onPartitionLeadership(p, log)));
  return { clock, logs: partitionLogs, coordinator };
}

export function logOf(h: Harness, groupId: string): MemoryLog {
  return h.logs[offsetsPartitionFor(groupId, PARTITIONS)]!;
}

export function subscription(topics: string[]): Buffer {
  return encodeConsumerSubscription({
    version: 0,
    topics,
    userData: null,
    ownedPartitions: [],
    generationId: -1,
    rackId: null,
  });
}

export function joinParams(groupId: string, overrides: Partial<JoinGroupParams> = {}): JoinGroupParams {
  return {
    groupId,
    memberId: '',
    groupInstanceId: null,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription(['orders']) }],
    requireKnownMemberId: false,
    ...overrides,
  };
}

export const notLeader = () => new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'moved');
