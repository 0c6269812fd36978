// The controller's side of the control plane, served on every node and acting only while this
// node is the controller (the Raft leader): broker registration, heartbeats and the fencing of
// brokers silent past their session timeout, and admin operations forwarded from other nodes.
import {
  brokerHeartbeatIntervalMs,
  ErrorCode,
  errorCodeOf,
  grpc,
  type GrpcServer,
  KafkaError,
  loadProto,
  type Logger,
  type NodeConfig,
  SECURITY_PROTOCOLS,
  serviceConstructor,
} from '../common/index.js';
import type { BrokerHeartbeats } from './broker-heartbeats.js';
import { fenceableSilenceMs, PROBE_AFTER_HEARTBEATS, PROBE_TIMEOUT_MS, type ProbeResult } from './broker-probe.js';
import type { BrokerWatch } from './broker-watch.js';
import type { AclBinding, AclBindingFilter } from './acl-model.js';
import type { Controller, CreateTopicSpec, ReassignmentRequest } from './controller.js';
import type { MetadataLog } from './log.js';
import type { PeerDirectory } from './peer-directory.js';
import type { QuorumAdmin } from './quorum-admin.js';
import type { BrokerEndpoint } from './records.js';
import type { ScramDeletion, ScramUpsertion } from './scram-users.js';

const LIVENESS_CHECK_MS = 100;
/** A liveness check this much later than due means this process stalled (see checkLiveness). */
const LIVENESS_STALL_MS = 250;

export interface ControlResult {
  readonly errorCode: number;
  readonly errorMessage: string;
  readonly resultJson: string;
}

export interface AdminCall {
  readonly operation: string;
  readonly argumentsJson: string;
}

const ok = (result: unknown = null): ControlResult => ({
  errorCode: 0,
  errorMessage: '',
  resultJson: JSON.stringify(result),
});

function failed(err: unknown): ControlResult {
  return {
    errorCode: errorCodeOf(err),
    errorMessage: err instanceof Error ? err.message : String(err),
    resultJson: 'null',
  };
}

/**
 * Moves a stopping broker's partition leaderships to other replicas. Elections are replication's
 * (its PartitionElections implements this); the control plane only asks for them.
 */
export interface LeadershipDrain {
  /** Resolves with how many leaderships are left on `nodeId`: none, or some after `timeoutMs`. */
  drain(nodeId: number, timeoutMs: number): Promise<number>;
  /** ElectLeaders for one partition, on the controller. */
  electLeader(topicId: string, partition: number, type: ElectionType): Promise<ElectionOutcome>;
}

/** Partitions an ElectLeaders request elects at once. */
const CONCURRENT_ELECT_LEADERS = 8;

/** One partition's ElectLeaders answer, named. */
export interface PartitionElectionResult extends ElectionOutcome {
  readonly topic: string;
  readonly partition: number;
}

/** ElectLeaders' election_type: 0 preferred, 1 unclean. */
export type ElectionType = 'preferred' | 'unclean';

/** One partition's ElectLeaders answer (NONE: it is now led as asked). */
export interface ElectionOutcome {
  readonly errorCode: ErrorCode;
  readonly message: string | null;
}

export class ControlService {
  private readonly timer: NodeJS.Timeout;
  private fencing = new Set<number>();
  private probing = new Set<number>();
  private lastLivenessCheckMs = Date.now();

  constructor(
    private readonly config: NodeConfig,
    private readonly metadata: MetadataLog,
    private readonly controller: Controller,
    /**
     * What this controller heard from each broker. A new controller gives every broker a full
     * session before fencing it, but places new replicas only on brokers it has heard from itself.
     */
    private readonly heartbeats: BrokerHeartbeats,
    /** Moves a stopping broker's leaderships (replication's PartitionElections). */
    private readonly leaderships: LeadershipDrain,
    /**
     * A probe for brokers that missed heartbeats: a refused connection means the process is gone
     * (kill -9, crash), and the broker is fenced at once instead of after its session timeout.
     */
    private readonly probe: (nodeId: number) => Promise<ProbeResult>,
    /** The metadata quorum's membership: learners admitted at registration, voters changed. */
    private readonly quorum: QuorumAdmin,
    /** Every node's gRPC address, given to a broker that registers. */
    private readonly peers: PeerDirectory,
    /**
     * This node's connections to the other brokers, kept while they are not fenced: a broker whose
     * connection drops and whose address then answers nothing is gone, and the controller fences it
     * at once (`brokerGone`).
     */
    private readonly watch: Pick<BrokerWatch, 'watch' | 'goneSinceMs' | 'close'>,
    private readonly log: Logger,
  ) {
    metadata.onControllerChange((isController) => {
      if (!isController) return;
      // The old controller may have died with its broker. One this node saw go is fenced now;
      // everyone else is probed at once, so a dead broker is fenced (and its partitions fail
      // over) without waiting for missed heartbeats. A mark older than a session is stale: the old
      // controller would have fenced a broker that stayed gone that long.
      const now = Date.now();
      for (const broker of metadata.state.brokers) {
        if (broker.fenced || broker.nodeId === config.nodeId) continue;
        const goneSinceMs = watch.goneSinceMs(broker.nodeId);
        if (goneSinceMs !== null && now - goneSinceMs < config.brokerSessionTimeoutMs) {
          this.fence(broker.nodeId, 'it was seen gone before this node became the controller');
        } else {
          this.probeBroker(broker.nodeId);
        }
      }
    });
    this.timer = setInterval(() => this.checkLiveness(), LIVENESS_CHECK_MS);
    this.timer.unref();
  }

  register(server: GrpcServer): void {
    const ctor = serviceConstructor(loadProto('admin.proto'), 'brook.admin.Control');
    const unary =
      <Req>(fn: (request: Req) => Promise<ControlResult>) =>
      (call: grpc.ServerUnaryCall<Req, ControlResult>, callback: grpc.sendUnaryData<ControlResult>) => {
        fn(call.request).then(
          (result) => callback(null, result),
          (err: unknown) => callback(null, failed(err)),
        );
      };
    server.addService(ctor.service, {
      ControlledShutdown: unary((r: HeartbeatCall) => this.controlledShutdown(r)),
      RegisterBroker: unary((r: RegisterBrokerCall) => this.registerBroker(r)),
      Heartbeat: unary((r: HeartbeatCall) => this.heartbeat(r)),
      Admin: unary((r: AdminCall & { clusterId: string }) => this.checkCluster(r.clusterId).then(() => this.admin(r))),
    });
  }

  private checkCluster(clusterId: string): Promise<void> {
    if (clusterId !== this.config.clusterId) {
      return Promise.reject(
        new KafkaError(ErrorCode.INVALID_REQUEST, `cluster id ${clusterId} is not ${this.config.clusterId}`),
      );
    }
    return Promise.resolve();
  }

  private requireController(): void {
    if (!this.metadata.isController) {
      throw new KafkaError(
        ErrorCode.NOT_CONTROLLER,
        `node ${this.config.nodeId} is not the controller (${this.metadata.controllerId})`,
      );
    }
  }

  async registerBroker(request: RegisterBrokerCall): Promise<ControlResult> {
    await this.checkCluster(request.clusterId);
    this.requireController();
    const current = this.metadata.state.broker(request.nodeId);
    this.heartbeats.heard(request.nodeId);
    const endpoints = registeredEndpoints(request);
    const peerAddress = registeredPeerAddress(request);
    const unchanged =
      current &&
      !current.fenced &&
      current.incarnation === request.incarnation &&
      current.host === request.host &&
      current.port === request.port &&
      current.rack === (request.rack === '' ? null : request.rack) &&
      current.peerAddress === peerAddress &&
      JSON.stringify(current.endpoints) === JSON.stringify(endpoints);
    if (!unchanged) {
      await this.metadata.propose([
        {
          type: 'RegisterBroker',
          nodeId: request.nodeId,
          host: request.host,
          port: request.port,
          endpoints,
          rack: request.rack === '' ? null : request.rack,
          incarnation: request.incarnation,
          ...(peerAddress !== null ? { peerAddress } : {}),
        },
      ]);
      const listeners = endpoints.map((e) => `${e.listener}://${e.host}:${e.port}`);
      this.log.info({ broker: request.nodeId, listeners, peerAddress }, 'broker registered');
    }
    // After the record, so the Raft leader knows where the new learner is before sending to it.
    await this.quorum.admitLearner(request.nodeId);
    return ok({ peers: this.peers.known() });
  }

  async heartbeat(request: HeartbeatCall): Promise<ControlResult> {
    await this.checkCluster(request.clusterId);
    this.requireController();
    const broker = this.metadata.state.broker(request.nodeId);
    if (!broker || broker.incarnation !== request.incarnation) {
      // Unknown broker or an old process: it must register (again) first.
      throw new KafkaError(ErrorCode.STALE_BROKER_EPOCH, `broker ${request.nodeId} must register`);
    }
    this.heartbeats.heard(request.nodeId);
    if (broker.fenced) {
      await this.metadata.propose([{ type: 'UnfenceBroker', nodeId: request.nodeId }]);
      this.log.info({ broker: request.nodeId }, 'broker unfenced');
    }
    return ok();
  }

  /** Moves a stopping broker's partition leaderships to other replicas before it goes. */
  async controlledShutdown(request: HeartbeatCall): Promise<ControlResult> {
    await this.checkCluster(request.clusterId);
    this.requireController();
    const broker = this.metadata.state.broker(request.nodeId);
    if (!broker || broker.incarnation !== request.incarnation) return ok({ remaining: 0 });
    const remaining = await this.leaderships.drain(request.nodeId, this.config.shutdownTimeoutMs / 2);
    this.log.info({ broker: request.nodeId, remaining }, 'controlled shutdown: leaderships moved');
    return ok({ remaining });
  }

  async admin(call: AdminCall): Promise<ControlResult> {
    this.requireController();
    const args = JSON.parse(call.argumentsJson) as Record<string, unknown>;
    switch (call.operation) {
      case 'createTopic': {
        const spec = args.spec as CreateTopicSpec;
        if (args.validateOnly) {
          this.controller.planTopic(spec);
          return ok(null);
        }
        return ok(await this.controller.createTopic(spec));
      }
      case 'deleteTopic':
        await this.controller.deleteTopic(args.name as string);
        return ok();
      case 'createPartitions': {
        const assignments = args.assignments as number[][] | undefined;
        if (args.validateOnly)
          this.controller.planPartitions(args.name as string, args.totalCount as number, assignments);
        else await this.controller.createPartitions(args.name as string, args.totalCount as number, assignments);
        return ok();
      }
      case 'alterTopicConfig': {
        const configs = args.configs as Record<string, string>;
        if (args.validateOnly) this.controller.planTopicConfig(args.name as string, configs);
        else await this.controller.alterTopicConfig(args.name as string, configs);
        return ok();
      }
      case 'allocateProducerIds':
        return ok(await this.controller.allocateProducerIds(args.nodeId as number));
      case 'createAcls':
        return ok(await this.controller.createAcls(args.acls as AclBinding[]));
      case 'deleteAcls':
        return ok(await this.controller.deleteAcls(args.filters as AclBindingFilter[]));
      case 'alterClientQuotas':
        return ok(
          await this.controller.alterClientQuotas(
            args.alterations as Parameters<Controller['alterClientQuotas']>[0],
            args.validateOnly === true,
          ),
        );
      case 'alterScramCredentials':
        return ok(
          await this.controller.alterScramCredentials(
            args.deletions as ScramDeletion[],
            args.upsertions as ScramUpsertion[],
            args.createOnly === true,
          ),
        );
      case 'electLeaders':
        return ok(
          await this.electLeaders(
            args.type as ElectionType,
            args.partitions as { topic: string; partition: number }[] | null,
          ),
        );
      case 'alterReassignments':
        return ok(await this.controller.alterReassignments(args.requests as ReassignmentRequest[]));
      case 'decommissionBroker':
        await this.controller.decommissionBroker(args.nodeId as number);
        return ok();
      case 'addRaftVoter':
        await this.quorum.addVoter(args.voterId as number, args.timeoutMs as number);
        return ok();
      case 'removeRaftVoter':
        await this.quorum.removeVoter(args.voterId as number);
        return ok();
      default:
        throw new KafkaError(ErrorCode.INVALID_REQUEST, `unknown admin operation ${call.operation}`);
    }
  }

  /** ElectLeaders: every named partition (every partition when null), a few elections at a time. */
  private async electLeaders(
    type: ElectionType,
    partitions: readonly { topic: string; partition: number }[] | null,
  ): Promise<PartitionElectionResult[]> {
    const state = this.metadata.state;
    const wanted =
      partitions ?? state.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition })));
    const results: PartitionElectionResult[] = new Array<PartitionElectionResult>(wanted.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < wanted.length; i = next++) {
        const { topic, partition } = wanted[i]!;
        const info = state.topic(topic);
        const outcome: ElectionOutcome =
          info && partition >= 0 && partition < info.partitions.length
            ? await this.leaderships.electLeader(info.topicId, partition, type)
            : { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: null };
        results[i] = { topic, partition, ...outcome };
      }
    };
    await Promise.all(Array.from({ length: CONCURRENT_ELECT_LEADERS }, worker));
    if (partitions === null) return results.filter((r) => r.errorCode !== ErrorCode.ELECTION_NOT_NEEDED);
    return results;
  }

  private checkLiveness(): void {
    const now = Date.now();
    const lateMs = now - this.lastLivenessCheckMs - LIVENESS_CHECK_MS;
    this.lastLivenessCheckMs = now;
    this.watch.watch(this.metadata.state.brokers.filter((b) => !b.fenced).map((b) => b.nodeId));
    if (!this.metadata.isController) return;
    // This process itself did not run for a while (a stall, SIGSTOP): the heartbeats that came
    // meanwhile wait unread behind this timer. Brokers get a full session from now, as from an
    // election, instead of being fenced all at once for a silence that was this node's own.
    if (lateMs > LIVENESS_STALL_MS) {
      this.log.warn({ lateMs }, 'the liveness check ran late; every broker gets a full session from now');
      this.heartbeats.restartSessions(now);
      return;
    }
    for (const broker of this.metadata.state.brokers) {
      if (broker.fenced || this.fencing.has(broker.nodeId)) continue;
      const silentMs = now - this.heartbeats.silentSinceMs(broker.nodeId);
      // A probe only fences on a refused connection (a crashed process), so probing after one and a
      // half missed heartbeats costs nothing when the broker is alive but slow.
      if (
        silentMs > PROBE_AFTER_HEARTBEATS * brokerHeartbeatIntervalMs(this.config) &&
        broker.nodeId !== this.config.nodeId
      )
        this.probeBroker(broker.nodeId);
      if (silentMs <= this.config.brokerSessionTimeoutMs) continue;
      this.fence(broker.nodeId, `silent for ${silentMs} ms`);
    }
  }

  private probeBroker(nodeId: number): void {
    if (this.probing.has(nodeId)) return;
    this.probing.add(nodeId);
    this.probe(nodeId)
      .then((result) => {
        if (result === 'timeout') this.heartbeats.unreachable(nodeId);
        if (!this.metadata.isController || this.metadata.state.broker(nodeId)?.fenced !== false) return;
        if (result === 'refused') return this.fence(nodeId, 'its connection is refused');
        if (result !== 'timeout') return;
        // A host that accepts no connection while it also misses heartbeats for half a session is
        // gone (a killed container or machine) or cut off: fence it now, not when its session
        // lapses. A merely slow broker's kernel still accepts, and a late probe proves nothing.
        // The broker applies the same window to itself (BrokerLifecycle.mayBeFenced).
        const silentMs = Date.now() - this.heartbeats.silentSinceMs(nodeId);
        if (silentMs >= fenceableSilenceMs(this.config))
          this.fence(nodeId, `silent for ${silentMs} ms and no connection within ${PROBE_TIMEOUT_MS} ms`);
      })
      .catch((err: unknown) => this.log.debug({ err, broker: nodeId }, 'probe failed'))
      .finally(() => this.probing.delete(nodeId));
  }

  /** The broker watch found `nodeId`'s connection dropped and its address answering nothing. */
  brokerGone(nodeId: number, why: string): void {
    if (!this.metadata.isController || nodeId === this.config.nodeId) return;
    if (this.metadata.state.broker(nodeId)?.fenced !== false) return;
    this.fence(nodeId, why);
  }

  private fence(nodeId: number, why: string): void {
    if (this.fencing.has(nodeId)) return;
    this.fencing.add(nodeId);
    this.log.warn({ broker: nodeId, why }, 'fencing a broker');
    this.metadata
      .propose([{ type: 'FenceBroker', nodeId }])
      .catch((err: unknown) => this.log.warn({ err, broker: nodeId }, 'fencing failed'))
      .finally(() => this.fencing.delete(nodeId));
  }

  close(): void {
    clearInterval(this.timer);
    this.watch.close();
  }
}

export interface RegisterBrokerCall {
  readonly clusterId: string;
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string;
  readonly incarnation: string;
  /** Empty from a broker that registers one PLAINTEXT listener by host and port alone. */
  readonly endpoints: readonly BrokerEndpoint[];
  /** The broker's gRPC "host:port"; empty (or absent) from a broker older than this field. */
  readonly peerAddress?: string;
}

/** The registration's endpoints, checked: a protocol Brook does not know is refused. */
function registeredEndpoints(request: RegisterBrokerCall): BrokerEndpoint[] {
  if (request.endpoints.length === 0) {
    return [{ listener: 'PLAINTEXT', host: request.host, port: request.port, securityProtocol: 'PLAINTEXT' }];
  }
  return request.endpoints.map((e) => {
    if (!(SECURITY_PROTOCOLS as readonly string[]).includes(e.securityProtocol)) {
      throw new KafkaError(ErrorCode.INVALID_REQUEST, `unknown security protocol ${e.securityProtocol}`);
    }
    return { listener: e.listener, host: e.host, port: e.port, securityProtocol: e.securityProtocol };
  });
}

/** The registration's gRPC address: "host:port" with a port in range, or null from an older broker
 * (a voter, reached at its --cluster-nodes address). */
function registeredPeerAddress(request: RegisterBrokerCall): string | null {
  if (request.peerAddress === undefined || request.peerAddress === '') return null;
  const match = /^(.+):(\d+)$/.exec(request.peerAddress);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) {
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `peer address ${request.peerAddress} is not host:port`);
  }
  return request.peerAddress;
}

export interface HeartbeatCall {
  readonly clusterId: string;
  readonly nodeId: number;
  readonly incarnation: string;
}
