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
import type { ProbeResult } from './broker-probe.js';
import type { AclBinding, AclBindingFilter } from './acl-model.js';
import type { Controller, CreateTopicSpec } from './controller.js';
import type { MetadataLog } from './log.js';
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
    private readonly log: Logger,
  ) {
    metadata.onControllerChange((isController) => {
      if (!isController) return;
      // The old controller may have died with its broker: probe everyone at once, so a dead
      // broker is fenced (and its partitions fail over) without waiting for missed heartbeats.
      for (const broker of metadata.state.brokers) {
        if (!broker.fenced && broker.nodeId !== config.nodeId) this.probeBroker(broker.nodeId);
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
    const unchanged =
      current &&
      !current.fenced &&
      current.incarnation === request.incarnation &&
      current.host === request.host &&
      current.port === request.port &&
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
        },
      ]);
      const listeners = endpoints.map((e) => `${e.listener}://${e.host}:${e.port}`);
      this.log.info({ broker: request.nodeId, listeners }, 'broker registered');
    }
    return ok();
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
      default:
        throw new KafkaError(ErrorCode.INVALID_REQUEST, `unknown admin operation ${call.operation}`);
    }
  }

  private checkLiveness(): void {
    const now = Date.now();
    const lateMs = now - this.lastLivenessCheckMs - LIVENESS_CHECK_MS;
    this.lastLivenessCheckMs = now;
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
      if (silentMs > 1.5 * brokerHeartbeatIntervalMs(this.config) && broker.nodeId !== this.config.nodeId)
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
        if (result === 'refused' && this.metadata.isController && !this.metadata.state.broker(nodeId)?.fenced) {
          this.fence(nodeId, 'its connection is refused');
        }
        if (result === 'timeout') this.heartbeats.unreachable(nodeId);
      })
      .catch((err: unknown) => this.log.debug({ err, broker: nodeId }, 'probe failed'))
      .finally(() => this.probing.delete(nodeId));
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

export interface HeartbeatCall {
  readonly clusterId: string;
  readonly nodeId: number;
  readonly incarnation: string;
}
