// The metadata log of a cluster: records travel through Raft (src/raft/driver.ts) and every node
// applies them in log order to its MetadataState. The Raft leader is the controller: only it
// proposes. One propose() call is one Raft entry (a JSON array of records), so its records apply
// atomically on every node.
import { join } from 'node:path';
import { ErrorCode, type GrpcServer, KafkaError, type Logger, type NodeConfig } from '../common/index.js';
import {
  type ConfChange,
  type ConfState,
  type Entry,
  type NodeRaftDriverOptions,
  NotLeaderError,
  openNodeRaftDriver,
  ProposalDroppedError,
  type RaftDriver,
  type RaftDriverStatus,
  type RaftStateMachine,
  RaftUnavailableError,
  UnavailableReason,
} from '../raft/index.js';
import type { ControllerChangeListener, MetadataListener, MetadataLog } from './log.js';
import { PeerDirectory } from './peer-directory.js';
import { decodeRecordBatch, encodeRecordBatch, type MetadataRecord } from './records.js';
import { type BrokerInfo, type MetadataChange, type MetadataSnapshot, MetadataState, type TopicInfo } from './state.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The settings RaftMetadataLog.open reads from the node's configuration. */
export type RaftMetadataConfig = Pick<
  NodeConfig,
  'nodeId' | 'clusterId' | 'clusterNodes' | 'dataDir' | 'raftHeartbeatMs' | 'raftElectionTimeoutMs'
>;

export interface RaftMetadataLogOptions {
  /** Snapshot the metadata every this many applied entries (default 1000). */
  readonly snapshotEntries?: number;
  readonly snapshotTrailingEntries?: number;
  readonly proposalTimeoutMs?: number;
  readonly readIndexTimeoutMs?: number;
  /** Raft's LevelDB directory (default <dataDir>/raft). */
  readonly dir?: string;
}

/** MetadataState behind Raft's state machine interface; tells listeners what each entry changed. */
class MetadataStateMachine implements RaftStateMachine {
  readonly listeners: MetadataListener[] = [];

  constructor(
    readonly state: MetadataState,
    private readonly log: Logger,
  ) {}

  apply(entry: Entry): void {
    for (const record of decodeRecordBatch(entry.data)) {
      const change = this.state.apply(record);
      if (change) this.emit(change);
    }
  }

  snapshot(): Uint8Array {
    return encoder.encode(JSON.stringify(this.state.snapshot()));
  }

  restore(data: Uint8Array): void {
    const before = { brokers: this.state.brokers, topics: this.state.topics };
    this.state.restore(JSON.parse(decoder.decode(data)) as MetadataSnapshot);
    for (const change of diff(before, { brokers: this.state.brokers, topics: this.state.topics })) this.emit(change);
    // Rare (a follower far behind): whoever caches what ACLs and quotas say looks again.
    this.emit({ kind: 'acls-changed' });
    this.emit({ kind: 'client-quotas-changed' });
  }

  private emit(change: MetadataChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.log.error({ err, change: change.kind }, 'metadata listener threw');
      }
    }
  }
}

interface StateView {
  readonly brokers: readonly BrokerInfo[];
  readonly topics: readonly TopicInfo[];
}

/** The changes that turn `before` into `after`, as if their records had been applied. */
function diff(before: StateView, after: StateView): MetadataChange[] {
  const changes: MetadataChange[] = [];
  const old = new Map<string, TopicInfo>(before.topics.map((t) => [t.topicId, t]));
  const now = new Map<string, TopicInfo>(after.topics.map((t) => [t.topicId, t]));
  for (const [id, topic] of old) if (!now.has(id)) changes.push({ kind: 'topic-deleted', topic });
  for (const [id, topic] of now) {
    const prev = old.get(id);
    if (prev === undefined) {
      changes.push({ kind: 'topic-created', topic });
      continue;
    }
    if (JSON.stringify(prev.configs) !== JSON.stringify(topic.configs)) changes.push({ kind: 'config-changed', topic });
    const partitions = topic.partitions
      .filter((p) => JSON.stringify(p) !== JSON.stringify(prev.partitions[p.partition]))
      .map((p) => p.partition);
    if (partitions.length > 0) changes.push({ kind: 'partitions-changed', topic, partitions });
  }
  if (JSON.stringify(before.brokers) !== JSON.stringify(after.brokers)) changes.push({ kind: 'brokers-changed' });
  return changes;
}

export class RaftMetadataLog implements MetadataLog {
  private readonly controllerListeners: ControllerChangeListener[] = [];
  /**
   * The term in which this node became a controller that may decide: a new Raft leader first
   * completes a ReadIndex round, which needs an entry of its own term committed and everything
   * before it applied, so its decisions never rest on a state missing a predecessor's records.
   */
  private readyTerm = -1;

  private constructor(
    readonly state: MetadataState,
    /** Where every node's gRPC server is: the voters as configured, the others as registered. */
    readonly peers: PeerDirectory,
    private readonly machine: MetadataStateMachine,
    private readonly driver: RaftDriver,
    private readonly log: Logger,
  ) {
    driver.onLeaderChange((leaderId, term) => this.leaderChanged(leaderId, term));
    // A single voter may have elected itself while the driver opened, before this subscription.
    const status = driver.status();
    if (driver.isLeader) this.leaderChanged(status.leaderId, status.term);
  }

  /** Opens <dataDir>/raft, registers the Raft service on `grpcServer` (the node starts listening)
   * and joins the cluster of `config.clusterNodes`: as one of its voters when this node is named
   * there, else with no configuration of its own until the controller adds it as a learner (a
   * broker beyond the voters). A stored configuration wins over both on restart. */
  static async open(
    config: RaftMetadataConfig,
    grpcServer: GrpcServer,
    logger: Logger,
    options: RaftMetadataLogOptions = {},
  ): Promise<RaftMetadataLog> {
    const log = logger.child({ module: 'metadata' });
    const state = new MetadataState();
    const machine = new MetadataStateMachine(state, log);
    const peers = new PeerDirectory(config.clusterNodes, state);
    const driverOptions: NodeRaftDriverOptions = {
      nodeId: config.nodeId,
      clusterId: config.clusterId,
      peers: config.clusterNodes.map((m) => ({ nodeId: m.nodeId, address: `${m.host}:${m.grpcPort}` })),
      addressOf: (nodeId) => peers.address(nodeId),
      dir: options.dir ?? join(config.dataDir, 'raft'),
      grpcServer,
      stateMachine: machine,
      logger,
      heartbeatMs: config.raftHeartbeatMs,
      electionTimeoutMs: config.raftElectionTimeoutMs,
      ...(options.snapshotEntries !== undefined ? { snapshotEntries: options.snapshotEntries } : {}),
      ...(options.snapshotTrailingEntries !== undefined
        ? { snapshotTrailingEntries: options.snapshotTrailingEntries }
        : {}),
      ...(options.proposalTimeoutMs !== undefined ? { proposalTimeoutMs: options.proposalTimeoutMs } : {}),
      ...(options.readIndexTimeoutMs !== undefined ? { readIndexTimeoutMs: options.readIndexTimeoutMs } : {}),
    };
    const driver = await openNodeRaftDriver(driverOptions);
    return new RaftMetadataLog(state, peers, machine, driver, log);
  }

  private leaderChanged(leaderId: number, term: number): void {
    const controllerId = leaderId === 0 ? -1 : leaderId;
    if (leaderId !== this.driver.nodeId) {
      this.notifyController(false, controllerId);
      return;
    }
    this.driver.readIndex().then(
      () => {
        if (!this.driver.isLeader || this.driver.basicStatus().term !== term) return;
        this.readyTerm = term;
        this.notifyController(true, controllerId);
      },
      (err: unknown) =>
        this.log.warn(
          { err: (err as Error).message, term },
          'new leader could not confirm its term; not acting as controller',
        ),
    );
  }

  private notifyController(isController: boolean, controllerId: number): void {
    for (const listener of this.controllerListeners) {
      try {
        listener(isController, controllerId);
      } catch (err) {
        this.log.error({ err }, 'controller-change listener threw');
      }
    }
  }

  get isController(): boolean {
    return this.driver.isLeader && this.readyTerm === this.driver.basicStatus().term;
  }

  get controllerId(): number {
    const leader = this.driver.leaderId;
    return leader === 0 ? -1 : leader;
  }

  /** Commits `records` as one Raft entry. Only the controller proposes: elsewhere this throws
   * KafkaError(NOT_CONTROLLER) (also when leadership is lost before the entry commits). */
  async propose(records: readonly MetadataRecord[]): Promise<void> {
    if (records.length === 0) return;
    try {
      await this.driver.propose(encodeRecordBatch(records));
    } catch (err) {
      throw toKafkaError(err);
    }
  }

  /** Linearizable: resolves once this node applied everything committed before the call. */
  async barrier(): Promise<void> {
    try {
      await this.driver.readIndex();
    } catch (err) {
      throw toKafkaError(err);
    }
  }

  onChange(listener: MetadataListener): void {
    this.machine.listeners.push(listener);
  }

  onControllerChange(listener: ControllerChangeListener): void {
    this.controllerListeners.push(listener);
  }

  /** The Raft driver stopped on a fatal error (disk failure, a broken invariant); without a
   * listener the error is rethrown and the process exits. */
  onFatal(listener: (err: Error) => void): void {
    this.driver.onFatal(listener);
  }

  status(): RaftDriverStatus {
    return this.driver.status();
  }

  /** The broker watch saw `nodeId` gone: if it is the controller, the election starts now
   * (RaftNode.leaderGone) instead of after the election timeout. */
  controllerGone(nodeId: number): void {
    this.driver.leaderGone(nodeId);
  }

  /** The metadata quorum as this node knows it: voters and learners (brokers that follow the log). */
  membership(): ConfState {
    return this.driver.status().confState;
  }

  /** A single-server change of the quorum (add a learner, promote it, demote or remove a member),
   * on the controller; resolves once it is applied here. One at a time: while another is pending
   * this fails with REQUEST_TIMED_OUT (retriable), as Kafka answers a second voter change. */
  async changeMembership(change: ConfChange): Promise<void> {
    try {
      await this.driver.proposeConfChange(change);
    } catch (err) {
      throw toKafkaError(err);
    }
  }

  /** Hands the controller role to `to` (default: the most caught-up voter); true once done. */
  transferLeadership(to?: number, timeoutMs?: number): Promise<boolean> {
    return this.driver.transferLeadership(to, timeoutMs);
  }

  async close(): Promise<void> {
    await this.driver.close();
  }
}

function toKafkaError(err: unknown): unknown {
  if (err instanceof NotLeaderError || err instanceof ProposalDroppedError) {
    return new KafkaError(ErrorCode.NOT_CONTROLLER, err.message, { cause: err });
  }
  if (err instanceof RaftUnavailableError) {
    switch (err.reason) {
      case UnavailableReason.noLeader:
      case UnavailableReason.closed:
        return new KafkaError(ErrorCode.NOT_CONTROLLER, err.message, { cause: err });
      case UnavailableReason.tooLarge:
        return new KafkaError(ErrorCode.INVALID_REQUEST, err.message, { cause: err });
      default:
        return new KafkaError(ErrorCode.REQUEST_TIMED_OUT, err.message, { cause: err });
    }
  }
  return err;
}
