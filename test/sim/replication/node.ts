// One simulated node: a machine (its SimDisk, which outlives processes) and the process running on
// it — the real ReplicaManager with its real Replica, LeaderReplica and PartitionLog on the disk,
// on a virtual clock that dies with the process, its own copy of the metadata, and the simulated
// network behind ReplicaNetwork. What it answers other nodes goes through ReplicaInbound, as the
// gRPC service's does; appends travel as real append frames. A crash drops the process: a machine
// crash (power loss) also loses what the disk had not made durable, a process crash keeps the page
// cache. The next process recovers from the disk and catches up on the metadata.
import type { NodeConfig } from '../../../src/common/index.js';
import { ErrorCode, errorName, KafkaError } from '../../../src/common/errors.js';
import { silentLogger } from '../../../src/common/log.js';
import type { Prng } from '../../../src/raft/prng.js';
import { fenceableSilenceMs } from '../../../src/metadata/broker-probe.js';
import {
  decodeAppendAnswers,
  decodeAppendCall,
  encodeAppendAnswers,
  encodeAppendCall,
} from '../../../src/replication/append-frames.js';
import { isOperatingError } from '../../../src/replication/invariants.js';
import type { ReplicationLimits, SealResponse } from '../../../src/replication/protocol/index.js';
import type { Replica } from '../../../src/replication/replica.js';
import { ReplicaManager } from '../../../src/replication/replica-manager.js';
import type { ReplicaNetwork } from '../../../src/replication/replica-network.js';
import { unknownPartitionResponse, type WireAppendResponse } from '../../../src/replication/wire.js';
import { buildRecordBatch, validateClientBatch } from '../../../src/storage/index.js';
import { SimDisk } from '../disk.js';
import type { SimLoop } from './sim-loop.js';
import type { SealCall, SimController } from './controller.js';
import { encodeValue, LogMirror } from './log-mirror.js';
import { type MetadataRegister, NodeMetadata } from './metadata.js';
import { CONTROLLER_ID, type SimNetwork } from './network.js';
import { ProcessClock } from './process-clock.js';

export const SIM_TOPIC = 't';
export const DATA_DIR = '/data';
const CLUSTER_ID = 'sim';

export type ProduceError = 'NOT_LEADER_OR_FOLLOWER' | 'NOT_ENOUGH_REPLICAS' | 'REQUEST_TIMED_OUT' | 'OTHER';

export interface ProduceAnswer {
  readonly error: ProduceError | null;
  readonly baseOffset: number;
  readonly epoch: number;
}

export interface NodeEnv {
  readonly loop: SimLoop;
  readonly rng: Prng;
  readonly network: SimNetwork;
  readonly register: MetadataRegister;
  readonly controller: SimController;
  readonly limits: Partial<ReplicationLimits>;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly pollMs: number;
  readonly produceTimeoutMs: number;
  /** The key of a client's value on a compacted topic, or null: records without keys. */
  readonly keyOf: ((value: number) => string) | null;
  node(id: number): SimNode | undefined;
  /** A broken invariant in this node's shell (the real node would stop). */
  fatal(node: SimNode, err: unknown): void;
  /** The node's replica started (replica) or stopped (null) leading. */
  leadershipChanged(node: SimNode, replica: Replica | null): void;
  /** The node answered a seal (accepted) or acknowledged an append (success): a chance to aim a crash there. */
  answered(node: SimNode, what: 'seal' | 'append'): void;
  /** The process exited on its own (its replicas could not open: a disk fault); the supervisor restarts it. */
  exited(node: SimNode): void;
  /** A line for the trace (debugging a seed). */
  trace(what: () => string): void;
  /** The leader appended a client's batch. */
  appended(node: SimNode, epoch: number, baseOffset: number, values: readonly number[]): void;
}

/** A running process: dropped whole at a crash. */
interface NodeProcess {
  readonly incarnation: number;
  readonly clock: ProcessClock;
  readonly metadata: NodeMetadata;
  manager: ReplicaManager | null;
  confirmedAtMs: number;
  opening: boolean;
}

export class SimNode {
  readonly disk: SimDisk;
  readonly mirror: LogMirror;
  private proc: NodeProcess | null = null;
  private incarnations = 0;
  /** Committed metadata records the node's Raft log holds (replayed by the next process). */
  private appliedRecords: number;
  /** The follower high watermark already shown to the checker (this process). */
  followerHighWatermarkSeen = 0;
  /** The epoch this process was last reported leading to the checker. */
  announcedEpoch = -1;
  starts = 0;

  constructor(
    readonly id: number,
    private readonly config: NodeConfig,
    private readonly env: NodeEnv,
    seed: number,
    initialRecords: number,
    /** [min, max] ms of an fsync on this machine's disk. */
    fsyncMs: readonly [number, number],
  ) {
    this.fenceableSilenceMs = fenceableSilenceMs({ brokerSessionTimeoutMs: env.sessionTimeoutMs });
    this.disk = new SimDisk({
      seed,
      scheduler: env.loop,
      clock: { now: () => env.loop.nowMs },
      latencyMs: { sync: fsyncMs, read: [0, 1], meta: [0, 1] },
    });
    this.mirror = new LogMirror(this.disk, `${DATA_DIR}/topics/${SIM_TOPIC}-0`);
    this.appliedRecords = initialRecords;
  }

  get up(): boolean {
    return this.proc !== null;
  }

  get incarnation(): number {
    return this.proc?.incarnation ?? -1;
  }

  /**
   * The partition's replica in the running process, once its ReplicaManager is open. Not one whose
   * log failed: it stops its node at its next tick, and what it shows until then is not checked
   * (its file was cut back to what is durable; reads of the rest fail).
   */
  get replica(): Replica | undefined {
    const replica = this.proc?.manager?.replica(SIM_TOPIC, 0);
    return replica?.log.failed === true ? undefined : replica;
  }

  /** What the cleaners of this node's ended processes did, all together. */
  readonly cleaned = { passes: 0, recordsRemoved: 0 };

  /** The real broker's window (fenceableSilenceMs) for this simulation's session timeout. */
  private readonly fenceableSilenceMs: number;

  /** What the running process's cleaner has done so far (added to `cleaned` when it stops). */
  get runningCleaned(): { readonly passes: number; readonly recordsRemoved: number } {
    return this.proc?.manager?.logCleaner?.stats ?? { passes: 0, recordsRemoved: 0 };
  }

  /** The real broker's rule (BrokerLifecycle.mayBeFenced): no heartbeat answered for fenceableSilenceMs. */
  get mayBeFenced(): boolean {
    const p = this.proc;
    return p !== null && p.confirmedAtMs > 0 && p.clock.now() - p.confirmedAtMs > this.fenceableSilenceMs;
  }

  // ---------------------------------------------------------------- life cycle

  /** The operator's part: an empty data directory, durable (a mount point, not something a crash undoes). */
  async provision(): Promise<void> {
    const view = this.disk.boot();
    await view.mkdir(DATA_DIR, true);
    await view.fsyncDir('/');
  }

  /** Starts a process: it registers with the controller (heartbeats), then opens its replicas. */
  start(): void {
    if (this.proc !== null) return;
    this.starts++;
    const clock = new ProcessClock(this.env.loop);
    const proc: NodeProcess = {
      incarnation: ++this.incarnations,
      clock,
      metadata: new NodeMetadata(this.env.register.records, this.appliedRecords),
      manager: null,
      confirmedAtMs: 0,
      opening: false,
    };
    this.proc = proc;
    this.followerHighWatermarkSeen = 0;
    this.announcedEpoch = -1;
    proc.metadata.onChange(() => {
      if (this.proc === proc) this.appliedRecords = proc.metadata.applied;
    });
    this.heartbeat(proc);
    clock.every(this.env.heartbeatIntervalMs, () => this.heartbeat(proc));
    clock.every(this.env.pollMs, () => this.poll(proc));
  }

  /** The process dies; `machine`: the power too, and what the disk did not make durable is lost or torn. */
  crash(machine: boolean): void {
    const p = this.proc;
    if (p === null) return;
    this.cleaned.passes += p.manager?.logCleaner?.stats.passes ?? 0;
    this.cleaned.recordsRemoved += p.manager?.logCleaner?.stats.recordsRemoved ?? 0;
    p.clock.kill();
    this.proc = null;
    if (machine) {
      this.disk.crash();
      this.mirror.invalidate();
    } else {
      this.disk.kill();
    }
  }

  private openReplicas(proc: NodeProcess): void {
    proc.opening = true;
    const disk = this.mirror.watch(this.disk.boot());
    ReplicaManager.open({
      config: this.config,
      clock: proc.clock,
      disk,
      metadata: proc.metadata,
      network: this.networkOf(proc),
      logger: silentLogger,
      controllerSession: {
        fenceableSilenceMs: this.fenceableSilenceMs,
        mayBeFenced: () => this.proc === proc && this.mayBeFenced,
      },
      fatal: (err) => this.env.fatal(this, err),
      // The node stops (its supervisor restarts it): a process exit, the page cache stays.
      storageFailed: (err) =>
        this.env.loop.schedule(0, () => {
          if (this.proc !== proc) return;
          this.env.trace(() => `node ${this.id} stops: ${err.message}`);
          this.crash(false);
          this.env.exited(this);
        }),
      limits: this.env.limits,
    }).then(
      (manager) => {
        if (this.proc !== proc) return;
        proc.manager = manager;
        this.env.trace(() => {
          const log = manager.replica(SIM_TOPIC, 0)?.log;
          return `node ${this.id} opened: log end ${log?.logEndOffset} epochs ${JSON.stringify(log?.epochEntries())}`;
        });
        manager.onLeadershipChange((_topic, _partition, replica) => {
          if (this.proc === proc) this.env.leadershipChanged(this, replica);
        });
      },
      (err: unknown) => {
        // An operating error while recovering (a disk fault): the process exits; it is started again later.
        if (this.proc !== proc) return;
        if (!isOperatingError(err)) this.env.fatal(this, err);
        this.env.trace(() => `node ${this.id} exits: ${err instanceof Error ? err.message : String(err)}`);
        this.crash(false);
        this.env.exited(this);
      },
    );
  }

  // ---------------------------------------------------------------- to the controller

  private heartbeat(proc: NodeProcess): void {
    const { network, controller } = this.env;
    network.send(this.id, CONTROLLER_ID, () => {
      controller.heartbeat(this.id, proc.incarnation).then(
        (ok) => {
          if (!ok) return;
          network.send(CONTROLLER_ID, this.id, () => {
            if (this.proc !== proc) return;
            proc.confirmedAtMs = proc.clock.now();
            // Registered: the broker opens its replicas (broker.ts waits for this too).
            if (!proc.opening) this.openReplicas(proc);
          });
        },
        () => undefined,
      );
    });
  }

  private poll(proc: NodeProcess): void {
    const { network, controller, register } = this.env;
    const from = proc.metadata.applied;
    network.send(this.id, CONTROLLER_ID, () => {
      if (!controller.up || register.records.length <= from) return;
      const records = register.records.slice(from);
      network.send(CONTROLLER_ID, this.id, () => this.receiveMetadata(records, from));
    });
  }

  /** Committed metadata records from index `from` arrived (pushed or polled). */
  receiveMetadata(records: Parameters<NodeMetadata['receive']>[0], from: number): void {
    this.proc?.metadata.receive(records, from);
  }

  // ---------------------------------------------------------------- the network behind ReplicaNetwork

  private networkOf(proc: NodeProcess): ReplicaNetwork {
    const { network } = this.env;
    return {
      append: (to, request) =>
        new Promise((resolve) => {
          const frame = encodeAppendCall(1, CLUSTER_ID, [request]);
          network.send(this.id, to, () =>
            this.env.node(to)?.receiveAppend(frame, (answers) =>
              network.send(to, this.id, () => {
                if (this.proc === proc) resolve(decodeAppendAnswers(answers).answers[0] ?? null);
              }),
            ),
          );
        }),
      requestElection: (controllerId, ask) =>
        new Promise((resolve) => {
          network.send(this.id, controllerId, () => {
            const refusal = this.env.controller.up
              ? this.env.controller.requestElection(
                  ask.topicId,
                  ask.partition,
                  ask.leaderEpoch,
                  ask.learnersCaughtUp === true,
                )
              : 'unreachable';
            network.send(controllerId, this.id, () => {
              if (this.proc === proc) resolve(refusal);
            });
          });
        }),
    };
  }

  /** An append frame from a leader; `reply` carries the answer frame back. */
  receiveAppend(frame: Buffer, reply: (answers: Buffer) => void): void {
    const proc = this.proc;
    if (proc === null) return;
    const call = decodeAppendCall(frame);
    const received = call.appends[0];
    const manager = proc.manager;
    const answer = (response: WireAppendResponse): void => {
      if (this.proc !== proc) return;
      reply(encodeAppendAnswers(call.callId, [response]));
      if (response.error === 'none') this.env.answered(this, 'append');
    };
    if (received === undefined || 'refused' in received.decoded || manager === null)
      return answer(unknownPartitionResponse(this.id));
    void manager.inbound
      .append({ topicId: received.topicId, partition: received.partition, ...received.decoded })
      .then(answer);
  }

  /** A Seal from the controller; `reply` carries the answer (or the failure) back. */
  receiveSeal(request: SealCall, reply: (response: SealResponse | Error) => void): void {
    const proc = this.proc;
    const manager = proc?.manager ?? null;
    if (proc === null) return;
    if (manager === null) return reply(new Error('seal refused: unknown'));
    manager.inbound.seal(request.topicId, request.partition, request.epoch).then(
      (response) => {
        if (this.proc !== proc) return;
        reply(response ?? new Error('seal refused: unknown'));
        if (response?.accepted === true) this.env.answered(this, 'seal');
      },
      (err: unknown) => {
        if (this.proc === proc) reply(err instanceof Error ? err : new Error(String(err)));
      },
    );
  }

  // ---------------------------------------------------------------- clients

  /**
   * A client's acks=all produce of `values`, handled as the Produce handler does
   * (src/kafka/handlers/produce.ts): the leader's replica or NOT_LEADER_OR_FOLLOWER, the batch
   * validated, NOT_ENOUGH_REPLICAS before appending with fewer than W live replicas, then the
   * append and the wait for the high watermark to pass the batch.
   */
  receiveProduce(values: readonly number[], reply: (answer: ProduceAnswer) => void): void {
    const proc = this.proc;
    if (proc === null) return;
    const answer = (a: ProduceAnswer): void => {
      if (this.proc === proc) reply(a);
    };
    const refuse = (err: unknown): void => answer({ error: produceErrorOf(err), baseOffset: -1, epoch: -1 });
    try {
      const manager = proc.manager;
      if (manager === null) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'replicas not open yet');
      const replica = manager.leaderPartition(SIM_TOPIC, 0);
      const now = proc.clock.now();
      const keyOf = this.env.keyOf;
      const batch = buildRecordBatch(
        values.map((v) => ({ key: keyOf ? Buffer.from(keyOf(v)) : null, value: encodeValue(v), timestamp: now })),
      );
      const header = validateClientBatch(batch, { maxMessageBytes: this.config.maxMessageBytes });
      if (!replica.canAcceptAcksAll())
        throw new KafkaError(ErrorCode.NOT_ENOUGH_REPLICAS, 'fewer than write.quorum replicas are live');
      const epoch = replica.leaderEpoch;
      const result = replica.append([batch], { messageCount: header.recordsCount });
      this.env.appended(this, epoch, result.baseOffset, values);
      replica
        .waitForHighWatermark(result.lastOffset + 1, this.env.produceTimeoutMs)
        .then(() => answer({ error: null, baseOffset: result.baseOffset, epoch }), refuse);
    } catch (err) {
      refuse(err);
    }
  }
}

function produceErrorOf(err: unknown): ProduceError {
  if (!(err instanceof KafkaError)) return 'OTHER';
  const name = errorName(err.code);
  return name === 'NOT_LEADER_OR_FOLLOWER' || name === 'NOT_ENOUGH_REPLICAS' || name === 'REQUEST_TIMED_OUT'
    ? name
    : 'OTHER';
}
