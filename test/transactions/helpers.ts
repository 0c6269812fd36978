// Test doubles for the transaction coordinator: a fake clock with timers, an in-memory
// __transaction_state partition that stores records in their encoded form (so every test also runs
// the record format), and a marker transport whose answers a test decides.
import type { Clock, ScheduledTask } from '../../src/common/clock.js';
import { ErrorCode, KafkaError } from '../../src/common/errors.js';
import { silentLogger } from '../../src/common/log.js';
import { TransactionCoordinator, type TransactionCoordinatorOptions } from '../../src/transactions/coordinator.js';
import type {
  MarkerRequest,
  MarkerResult,
  MarkerTransport,
  PartitionLeader,
} from '../../src/transactions/marker-channel.js';
import { decodeTxnLogRecord, encodeTxnLogRecord, type TxnLogRecord } from '../../src/transactions/records.js';
import type { TransactionStateLog } from '../../src/transactions/state-log.js';

interface Task {
  readonly at: number;
  readonly seq: number;
  readonly run: () => void;
  readonly everyMs: number | null;
  cancelled: boolean;
}

export class FakeClock implements Clock {
  private time = 1_700_000_000_000;
  private seq = 0;
  private tasks: Task[] = [];

  now(): number {
    return this.time;
  }

  schedule(delayMs: number, run: () => void): ScheduledTask {
    return this.add(Math.max(0, delayMs), run, null);
  }

  every(intervalMs: number, run: () => void): ScheduledTask {
    return this.add(intervalMs, run, intervalMs);
  }

  soon(run: () => void): ScheduledTask {
    return this.add(0, run, null);
  }

  private add(delayMs: number, run: () => void, everyMs: number | null): ScheduledTask {
    const task: Task = { at: this.time + delayMs, seq: this.seq++, run, everyMs, cancelled: false };
    this.tasks.push(task);
    return { cancel: () => (task.cancelled = true) };
  }

  /** Moves the clock forward, running every timer that falls due in time order, with promise turns between. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (let i = 0; i < 100_000; i++) {
      await settle();
      const due = this.tasks.filter((t) => !t.cancelled && t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.tasks = this.tasks.filter((t) => t !== due && !t.cancelled);
      this.time = Math.max(this.time, due.at);
      if (due.everyMs !== null) this.add(due.everyMs, due.run, due.everyMs);
      due.run();
    }
    this.time = end;
    await settle();
  }
}

/** Lets every pending promise continuation run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

export class MemoryTxnLog implements TransactionStateLog {
  readonly entries: { key: Buffer; value: Buffer | null }[] = [];
  failWith: KafkaError | null = null;
  /** When set, appends wait for it (a write in flight). */
  hold: Promise<void> | null = null;

  constructor(public coordinatorEpoch = 0) {}

  async replay(visit: (record: TxnLogRecord) => void): Promise<void> {
    await Promise.resolve();
    for (const entry of this.entries) {
      const record = decodeTxnLogRecord(entry.key, entry.value);
      if (record) visit(record);
    }
  }

  async append(records: readonly TxnLogRecord[]): Promise<void> {
    await Promise.resolve();
    if (this.hold) await this.hold;
    if (this.failWith) throw this.failWith;
    for (const record of records) this.entries.push(encodeTxnLogRecord(record));
  }

  /** The records as decoded, in log order. */
  records(): TxnLogRecord[] {
    return this.entries.map((e) => decodeTxnLogRecord(e.key, e.value)!);
  }

  /** The same log under a new leader epoch (a failover to another node that holds it). */
  copy(coordinatorEpoch: number): MemoryTxnLog {
    const log = new MemoryTxnLog(coordinatorEpoch);
    log.entries.push(...this.entries);
    return log;
  }
}

export interface SentMarkers {
  readonly nodeId: number;
  readonly markers: readonly MarkerRequest[];
}

/** Answers every marker NONE unless `answer` says otherwise; `hold` keeps calls unanswered until released. */
export class FakeMarkers implements MarkerTransport {
  readonly sent: SentMarkers[] = [];
  answer: (nodeId: number, marker: MarkerRequest, topic: string, partition: number) => number = () => ErrorCode.NONE;
  failCall: ((nodeId: number) => boolean) | null = null;
  private held: (() => void)[] = [];
  holding = false;

  async writeTxnMarkers(nodeId: number, markers: readonly MarkerRequest[]): Promise<readonly MarkerResult[]> {
    this.sent.push({ nodeId, markers });
    if (this.holding) await new Promise<void>((resolve) => this.held.push(resolve));
    if (this.failCall?.(nodeId)) throw new KafkaError(ErrorCode.NETWORK_EXCEPTION, `node ${nodeId} unreachable`);
    return markers.flatMap((m) =>
      m.partitions.map((p) => ({
        producerId: m.producerId,
        topic: p.topic,
        partition: p.partition,
        errorCode: this.answer(nodeId, m, p.topic, p.partition),
      })),
    );
  }

  release(): void {
    this.holding = false;
    for (const resolve of this.held.splice(0)) resolve();
  }

  /** Every (partition, committed, epoch) marker sent, flattened. */
  flat(): {
    nodeId: number;
    topic: string;
    partition: number;
    committed: boolean;
    producerEpoch: number;
    coordinatorEpoch: number;
  }[] {
    return this.sent.flatMap((s) =>
      s.markers.flatMap((m) =>
        m.partitions.map((p) => ({
          nodeId: s.nodeId,
          topic: p.topic,
          partition: p.partition,
          committed: m.committed,
          producerEpoch: m.producerEpoch,
          coordinatorEpoch: m.coordinatorEpoch,
        })),
      ),
    );
  }
}

export const TXN_PARTITIONS = 3;

export interface Harness {
  readonly clock: FakeClock;
  readonly markers: FakeMarkers;
  readonly coordinator: TransactionCoordinator;
  /** Leaders by topic-partition key; missing: led by node 1; 'gone' / 'none' as given. */
  readonly leaders: Map<string, PartitionLeader>;
  /** One log per __transaction_state partition, all loaded. */
  readonly logs: MemoryTxnLog[];
  nextProducerId: number;
}

export async function harness(overrides: Partial<TransactionCoordinatorOptions> = {}): Promise<Harness> {
  const clock = new FakeClock();
  const markers = new FakeMarkers();
  const leaders = new Map<string, PartitionLeader>();
  const h = { clock, markers, leaders, logs: [] as MemoryTxnLog[], nextProducerId: 1000 } as Harness & {
    coordinator: TransactionCoordinator;
  };
  h.coordinator = new TransactionCoordinator({
    transactionMaxTimeoutMs: 900_000,
    transactionalIdExpirationMs: 7 * 24 * 3600_000,
    abortTimedOutTransactionsIntervalMs: 10_000,
    removeExpiredTransactionalIdsIntervalMs: 3600_000,
    txnPartitionCount: () => TXN_PARTITIONS,
    allocateProducerId: () => Promise.resolve(h.nextProducerId++),
    groupPartition: (groupId) => ({ topic: '__consumer_offsets', partition: groupId.length % 50 }),
    markers,
    leaderOf: (topic, partition) => leaders.get(`${topic}-${partition}`) ?? 1,
    clock,
    log: silentLogger,
    ...overrides,
  });
  for (let p = 0; p < TXN_PARTITIONS; p++) {
    const log = new MemoryTxnLog(5);
    h.logs.push(log);
    await h.coordinator.onPartitionLeadership(p, log);
  }
  return h;
}

/** The log of `transactionalId`'s partition. */
export function logOf(h: Harness, transactionalId: string): MemoryTxnLog {
  return h.logs[h.coordinator.partitionFor(transactionalId)]!;
}

/** The states written for `transactionalId`, in order. */
export function statesWritten(h: Harness, transactionalId: string): string[] {
  return logOf(h, transactionalId)
    .records()
    .filter((r) => r.transactionalId === transactionalId)
    .map((r) => r.value?.state ?? 'tombstone');
}

/** InitProducerId until it is answered (retrying CONCURRENT_TRANSACTIONS while a fence completes). */
export async function init(
  h: Harness,
  transactionalId: string,
  options: { timeoutMs?: number; producerId?: number; producerEpoch?: number } = {},
): Promise<{ errorCode: number; producerId: number; producerEpoch: number }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const result = await h.coordinator.initProducerId({
      transactionalId,
      transactionTimeoutMs: options.timeoutMs ?? 60_000,
      producerId: options.producerId ?? -1,
      producerEpoch: options.producerEpoch ?? -1,
    });
    if (result.errorCode !== ErrorCode.CONCURRENT_TRANSACTIONS) return result;
    await h.clock.advance(100);
  }
  throw new Error('InitProducerId kept answering CONCURRENT_TRANSACTIONS');
}
