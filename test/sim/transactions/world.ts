// The world of the transaction simulation: virtual time, three nodes that each run the real
// TransactionCoordinator (src/transactions) on a clock that dies with the process, the
// __transaction_state partitions as committed logs with leaders and epochs, and data partitions
// with the partition side's rules (producer epochs, coordinator epochs, markers ending open
// transactions, the last stable offset, KIP-890 verification). Every message between them takes
// a drawn latency and may be dropped, answered into the void, or delivered twice.
import type { Clock, ScheduledTask } from '../../../src/common/clock.js';
import { ErrorCode, KafkaError } from '../../../src/common/errors.js';
import { partitionForKey } from '../../../src/common/java-hash.js';
import { silentLogger } from '../../../src/common/log.js';
import { createPrng, type Prng } from '../../../src/raft/prng.js';
import { TransactionCoordinator } from '../../../src/transactions/coordinator.js';
import type {
  MarkerRequest,
  MarkerResult,
  MarkerTransport,
  PartitionLeader,
} from '../../../src/transactions/marker-channel.js';
import { decodeTxnLogRecord, encodeTxnLogRecord, type TxnLogRecord } from '../../../src/transactions/records.js';
import type { TransactionStateLog } from '../../../src/transactions/state-log.js';
import { EventQueue } from '../event-queue.js';

export const NODES = [1, 2, 3] as const;
export const TXN_PARTITIONS = 2;
export const DATA_PARTITIONS = 3;
export const TOPIC = 'data';
/** How long a caller waits for an answer that never comes (a dead node, a lost message). */
export const CALL_TIMEOUT_MS = 400;
const EPOCH_MS = 1_700_000_000_000;

export interface Faults {
  /** A message is dropped on its way. */
  readonly dropRate: number;
  /** A marker call is served but its answer lost. */
  readonly lostAnswerRate: number;
  /** A marker call is delivered a second time later. */
  readonly duplicateRate: number;
  /** A __transaction_state append fails without committing / commits but is reported failed. */
  readonly appendFailRate: number;
  readonly appendAmbiguousRate: number;
}

export interface WorldStats {
  crashes: number;
  aimedCrashes: number;
  txnFailovers: number;
  dataLeaderMoves: number;
  markersSent: number;
  markerAnswersLost: number;
  markerDuplicates: number;
  ambiguousAppends: number;
}

export type Appended = { readonly offset: number } | { readonly error: ErrorCode };

/** One entry of a data partition's log. */
export type DataEntry =
  | { kind: 'data'; producerId: number; producerEpoch: number; txnTag: string; value: string }
  | { kind: 'marker'; producerId: number; producerEpoch: number; committed: boolean; coordinatorEpoch: number };

interface ProducerOnPartition {
  epoch: number;
  lastCoordinatorEpoch: number;
  /** First offset of the open transaction, or null. */
  openFrom: number | null;
  /** Bumped by every marker: a verification under way when one lands is void. */
  generation: number;
}

export class SimDataPartition {
  readonly entries: DataEntry[] = [];
  highWatermark = 0;
  readonly producers = new Map<number, ProducerOnPartition>();
  /** Offsets of markers whose append is not yet durable: their transaction counts as open until it is. */
  private readonly ending: { offset: number; from: number }[] = [];

  constructor(
    readonly partition: number,
    public leader: number,
  ) {}

  producer(producerId: number): ProducerOnPartition {
    let p = this.producers.get(producerId);
    if (!p)
      this.producers.set(producerId, (p = { epoch: -1, lastCoordinatorEpoch: -1, openFrom: null, generation: 0 }));
    return p;
  }

  /** The last stable offset: the first offset of the earliest open transaction, else the high watermark. */
  get lastStableOffset(): number {
    let lso = this.highWatermark;
    for (const p of this.producers.values()) if (p.openFrom !== null) lso = Math.min(lso, p.openFrom);
    for (const e of this.ending) if (e.offset >= this.highWatermark) lso = Math.min(lso, e.from);
    return lso;
  }

  appendData(producerId: number, producerEpoch: number, txnTag: string, value: string): Appended {
    const p = this.producer(producerId);
    if (producerEpoch < p.epoch) return { error: ErrorCode.INVALID_PRODUCER_EPOCH };
    p.epoch = producerEpoch;
    const offset = this.entries.length;
    this.entries.push({ kind: 'data', producerId, producerEpoch, txnTag, value });
    p.openFrom ??= offset;
    return { offset };
  }

  /** As the partition side's WriteTxnMarkers: epoch checks, then the marker ends the producer's open transaction. */
  appendMarker(m: MarkerRequest): Appended {
    const p = this.producer(m.producerId);
    if (m.producerEpoch < p.epoch) return { error: ErrorCode.INVALID_PRODUCER_EPOCH };
    if (m.coordinatorEpoch < p.lastCoordinatorEpoch) return { error: ErrorCode.TRANSACTION_COORDINATOR_FENCED };
    p.epoch = m.producerEpoch;
    p.lastCoordinatorEpoch = m.coordinatorEpoch;
    p.generation++;
    const offset = this.entries.length;
    this.entries.push({
      kind: 'marker',
      producerId: m.producerId,
      producerEpoch: m.producerEpoch,
      committed: m.committed,
      coordinatorEpoch: m.coordinatorEpoch,
    });
    if (p.openFrom !== null) this.ending.push({ offset, from: p.openFrom });
    p.openFrom = null;
    return { offset };
  }

  advance(to: number): void {
    this.highWatermark = Math.max(this.highWatermark, Math.min(to, this.entries.length));
    for (let i = this.ending.length - 1; i >= 0; i--)
      if (this.ending[i]!.offset < this.highWatermark) this.ending.splice(i, 1);
  }
}

/** A __transaction_state partition: its committed records, its leader and leader epoch. */
export class SimTxnPartition {
  readonly records: { key: Buffer; value: Buffer | null }[] = [];
  leader = -1;
  epoch = 0;

  constructor(readonly partition: number) {}

  decoded(): TxnLogRecord[] {
    return this.records.map((r) => decodeTxnLogRecord(r.key, r.value)!);
  }
}

/** A process: one run of a node, from start to crash. Its timers and I/O die with it. */
export class SimProcess {
  alive = true;
  coordinator!: TransactionCoordinator;

  constructor(
    readonly nodeId: number,
    readonly incarnation: number,
  ) {}
}

class ProcessClock implements Clock {
  constructor(
    private readonly world: SimWorld,
    private readonly process: SimProcess,
  ) {}

  now(): number {
    return EPOCH_MS + this.world.nowMs;
  }

  schedule(delayMs: number, task: () => void): ScheduledTask {
    const t = { cancelled: false };
    this.world.at(Math.max(0, delayMs), () => {
      if (!t.cancelled && this.process.alive) task();
    });
    return { cancel: () => (t.cancelled = true) };
  }

  every(intervalMs: number, task: () => void): ScheduledTask {
    const t = { cancelled: false };
    const tick = () => {
      if (t.cancelled || !this.process.alive) return;
      task();
      this.world.at(intervalMs, tick);
    };
    this.world.at(intervalMs, tick);
    return { cancel: () => (t.cancelled = true) };
  }

  soon(task: () => void): ScheduledTask {
    return this.schedule(0, task);
  }
}

export interface SimOptions {
  readonly seed: number;
  readonly faults: Faults;
  /** Called when a __transaction_state record commits (the checker's hook). */
  readonly onTxnRecord: (partition: number, record: TxnLogRecord, world: SimWorld) => void;
  /** Probability that the process which wrote a Prepare or Complete record crashes right after. */
  readonly aimedCrashRate: number;
  readonly transactionalIdExpirationMs: number;
}

export class SimWorld {
  readonly queue = new EventQueue();
  readonly rng: Prng;
  nowMs = 0;
  readonly processes = new Map<number, SimProcess>();
  private incarnations = 0;
  readonly txnPartitions: SimTxnPartition[] = [];
  readonly dataPartitions: SimDataPartition[] = [];
  private nextProducerId = 1000;
  faultsOn = true;
  readonly stats: WorldStats = {
    crashes: 0,
    aimedCrashes: 0,
    txnFailovers: 0,
    dataLeaderMoves: 0,
    markersSent: 0,
    markerAnswersLost: 0,
    markerDuplicates: 0,
    ambiguousAppends: 0,
  };

  constructor(readonly options: SimOptions) {
    this.rng = createPrng(options.seed);
    for (let p = 0; p < TXN_PARTITIONS; p++) this.txnPartitions.push(new SimTxnPartition(p));
    for (let p = 0; p < DATA_PARTITIONS; p++)
      this.dataPartitions.push(new SimDataPartition(p, NODES[p % NODES.length]!));
  }

  at(delayMs: number, run: () => void): void {
    this.queue.push(this.nowMs + delayMs, run);
  }

  latency(): number {
    return 1 + this.rng.nextInt(0, 5);
  }

  chance(p: number): boolean {
    return this.faultsOn && this.rng.next() < p;
  }

  /** Runs every event up to `untilMs`, letting promise continuations finish after each. */
  async run(untilMs: number): Promise<void> {
    for (;;) {
      const next = this.queue.peekTime();
      if (next === undefined || next > untilMs) break;
      const event = this.queue.pop()!;
      this.nowMs = event.at;
      event.run();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.nowMs = untilMs;
  }

  // ---------------------------------------------------------------- processes

  live(nodeId: number): SimProcess | null {
    const p = this.processes.get(nodeId);
    return p?.alive ? p : null;
  }

  start(nodeId: number): SimProcess {
    const process = new SimProcess(nodeId, ++this.incarnations);
    this.processes.set(nodeId, process);
    process.coordinator = new TransactionCoordinator({
      transactionMaxTimeoutMs: 60_000,
      transactionalIdExpirationMs: this.options.transactionalIdExpirationMs,
      abortTimedOutTransactionsIntervalMs: 1_000,
      removeExpiredTransactionalIdsIntervalMs: 2_000,
      txnPartitionCount: () => TXN_PARTITIONS,
      allocateProducerId: () =>
        new Promise((resolve) => this.at(this.latency(), () => process.alive && resolve(this.nextProducerId++))),
      groupPartition: () => ({ topic: TOPIC, partition: 0 }),
      markers: new SimMarkerTransport(this, process),
      leaderOf: (topic, partition) => this.leaderOf(topic, partition),
      clock: new ProcessClock(this, process),
      log: silentLogger,
    });
    // Partitions this node led before it died get a new leadership (a new epoch), which may be its own.
    for (const p of this.txnPartitions) if (p.leader === nodeId) this.at(1, () => this.moveTxnLeader(p.partition, -1));
    return process;
  }

  crash(nodeId: number): void {
    const process = this.live(nodeId);
    if (!process) return;
    process.alive = false;
    process.coordinator.close();
    this.stats.crashes++;
    // The controller notices after a while and moves the dead node's leaderships.
    this.at(50 + this.rng.nextInt(0, 200), () => this.failOver(nodeId));
  }

  /** Moves every leadership of a dead node to a live one. */
  failOver(nodeId: number): void {
    if (this.live(nodeId)) return;
    for (const p of this.txnPartitions) if (p.leader === nodeId) this.moveTxnLeader(p.partition);
    for (const p of this.dataPartitions) if (p.leader === nodeId) this.moveDataLeader(p.partition);
  }

  private pickLive(except: number): number | null {
    const live = NODES.filter((n) => n !== except && this.live(n));
    return live.length === 0 ? null : live[this.rng.nextInt(0, live.length)]!;
  }

  /** A new leader (and leader epoch) for a __transaction_state partition: the old one unloads, the new one loads. */
  moveTxnLeader(partition: number, to?: number): void {
    const p = this.txnPartitions[partition]!;
    // -1: any live node, the current leader's node included (a re-election after its restart).
    const target = to === -1 ? this.pickLive(-1) : (to ?? this.pickLive(p.leader));
    if (target === null || !this.live(target)) return;
    const old = this.live(p.leader);
    p.leader = target;
    p.epoch++;
    this.stats.txnFailovers++;
    if (old) void old.coordinator.onPartitionLeadership(partition, null);
    const process = this.live(target)!;
    void process.coordinator.onPartitionLeadership(partition, new SimTxnLog(this, p, p.epoch, process));
  }

  moveDataLeader(partition: number): void {
    const p = this.dataPartitions[partition]!;
    const target = this.pickLive(p.leader);
    if (target === null) return;
    p.leader = target;
    this.stats.dataLeaderMoves++;
  }

  leaderOf(topic: string, partition: number): PartitionLeader {
    if (topic !== TOPIC || partition < 0 || partition >= DATA_PARTITIONS) return 'gone';
    return this.dataPartitions[partition]!.leader;
  }

  /** The process coordinating `transactionalId` now, if any. */
  coordinatorOf(transactionalId: string): SimProcess | null {
    return this.live(this.txnPartitions[partitionForKey(transactionalId, TXN_PARTITIONS)]!.leader);
  }

  allocate(): number {
    return this.nextProducerId++;
  }

  // ---------------------------------------------------------------- data partitions

  /** Waits until `offset` is durable on `partition` (a drawn replication delay). */
  durable(partition: SimDataPartition, offset: number, then: () => void): void {
    this.at(1 + this.rng.nextInt(0, 8), () => {
      partition.advance(offset + 1);
      then();
    });
  }

  /** The partition leader asks the coordinator whether `partition` is in the producer's transaction. */
  verify(
    transactionalId: string,
    producerId: number,
    producerEpoch: number,
    partition: number,
    answer: (errorCode: ErrorCode) => void,
  ): void {
    const data = this.dataPartitions[partition]!;
    const generation = data.producer(producerId).generation;
    this.at(this.latency(), () => {
      const coordinator = this.coordinatorOf(transactionalId);
      if (!coordinator || this.chance(this.options.faults.dropRate)) {
        this.at(CALL_TIMEOUT_MS, () => answer(ErrorCode.NOT_ENOUGH_REPLICAS));
        return;
      }
      const [result] = coordinator.coordinator.verify(transactionalId, producerId, producerEpoch, [
        { topic: TOPIC, partition },
      ]);
      this.at(this.latency(), () => {
        // A marker of the producer landed meanwhile: the answer is about a transaction that ended.
        if (data.producer(producerId).generation !== generation) answer(ErrorCode.NOT_ENOUGH_REPLICAS);
        else answer(result!.errorCode);
      });
    });
  }
}

/** The __transaction_state partition as one leadership of it sees it. */
class SimTxnLog implements TransactionStateLog {
  constructor(
    private readonly world: SimWorld,
    private readonly partition: SimTxnPartition,
    readonly coordinatorEpoch: number,
    private readonly process: SimProcess,
  ) {}

  replay(visit: (record: TxnLogRecord) => void): Promise<void> {
    return new Promise((resolve) => {
      this.world.at(1 + this.world.rng.nextInt(0, 20), () => {
        if (!this.process.alive) return;
        for (const r of this.partition.records) {
          const record = decodeTxnLogRecord(r.key, r.value);
          if (record) visit(record);
        }
        resolve();
      });
    });
  }

  append(records: readonly TxnLogRecord[]): Promise<void> {
    const encoded = records.map((r) => encodeTxnLogRecord(r));
    const faults = this.world.options.faults;
    return new Promise((resolve, reject) => {
      this.world.at(1 + this.world.rng.nextInt(0, 8), () => {
        const current = this.partition.epoch === this.coordinatorEpoch && this.process.alive;
        // A dead leader's last write may or may not have reached its followers.
        const commits = current
          ? !this.world.chance(faults.appendFailRate)
          : this.partition.epoch === this.coordinatorEpoch && this.world.rng.next() < 0.5;
        if (commits) {
          this.partition.records.push(...encoded);
          for (const r of records) this.world.options.onTxnRecord(this.partition.partition, r, this.world);
          this.maybeAimedCrash(records);
        }
        if (!this.process.alive) return;
        if (!current) return reject(new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'deposed'));
        if (!commits) return reject(new KafkaError(ErrorCode.NOT_ENOUGH_REPLICAS, 'too few replicas'));
        if (this.world.chance(faults.appendAmbiguousRate)) {
          this.world.stats.ambiguousAppends++;
          return reject(new KafkaError(ErrorCode.REQUEST_TIMED_OUT, 'committed, but the answer timed out'));
        }
        resolve();
      });
    });
  }

  private maybeAimedCrash(records: readonly TxnLogRecord[]): void {
    const state = records[0]?.value?.state;
    if (!state || !/^(Prepare|Complete)/.test(state)) return;
    if (!this.process.alive || !this.world.chance(this.world.options.aimedCrashRate)) return;
    const nodeId = this.process.nodeId;
    this.world.stats.aimedCrashes++;
    this.world.at(this.world.rng.nextInt(0, 4), () => {
      this.world.crash(nodeId);
      this.world.at(300 + this.world.rng.nextInt(0, 1500), () => {
        if (!this.world.live(nodeId)) this.world.start(nodeId);
      });
    });
  }
}

/** WriteTxnMarkers from one coordinator process to the partition leaders. */
class SimMarkerTransport implements MarkerTransport {
  constructor(
    private readonly world: SimWorld,
    private readonly process: SimProcess,
  ) {}

  writeTxnMarkers(nodeId: number, markers: readonly MarkerRequest[]): Promise<readonly MarkerResult[]> {
    const w = this.world;
    const faults = w.options.faults;
    w.stats.markersSent += markers.reduce((n, m) => n + m.partitions.length, 0);
    return new Promise((resolve, reject) => {
      const timeout = () =>
        w.at(
          CALL_TIMEOUT_MS,
          () => this.process.alive && reject(new KafkaError(ErrorCode.NETWORK_EXCEPTION, 'timed out')),
        );
      if (w.chance(faults.dropRate)) return timeout();
      const deliver = (copies: number) => {
        if (!w.live(nodeId)) return timeout();
        const results: MarkerResult[] = [];
        const waits: Promise<void>[] = [];
        for (let copy = 0; copy < copies; copy++)
          for (const m of markers) {
            for (const { topic, partition } of m.partitions) {
              const data = w.dataPartitions[partition]!;
              const base = { producerId: m.producerId, topic, partition };
              if (data.leader !== nodeId) {
                results.push({ ...base, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER });
                continue;
              }
              const appended = data.appendMarker(m);
              if ('error' in appended) {
                results.push({ ...base, errorCode: appended.error });
                continue;
              }
              const { offset } = appended;
              waits.push(
                new Promise((done) =>
                  w.durable(data, offset, () => {
                    if (copy === 0) results.push({ ...base, errorCode: ErrorCode.NONE });
                    done();
                  }),
                ),
              );
            }
          }
        void Promise.all(waits).then(() => {
          if (w.chance(faults.lostAnswerRate)) {
            w.stats.markerAnswersLost++;
            return timeout();
          }
          w.at(w.latency(), () => this.process.alive && resolve(results));
        });
      };
      // A duplicated call is served twice before it is answered: a marker a partition already has
      // comes again, as after a retry whose first attempt went through.
      const copies = w.chance(faults.duplicateRate) ? 2 : 1;
      if (copies === 2) w.stats.markerDuplicates++;
      w.at(w.latency(), () => deliver(copies));
    });
  }
}
