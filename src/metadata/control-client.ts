// The broker's side of the control plane: calls reach whichever node is the controller right now
// (this node directly, others over gRPC), and are retried through controller elections until a
// deadline, so an admin request or a heartbeat survives a controller failover.
import { randomUUID } from 'node:crypto';
import {
  brokerHeartbeatIntervalMs,
  createClient,
  ErrorCode,
  type ErrorCode as ErrorCodeValue,
  grpc,
  KafkaError,
  loadProto,
  type Logger,
  type NodeConfig,
  serviceConstructor,
} from '../common/index.js';
import { fenceableSilenceMs } from './broker-probe.js';
import type { AdminCall, ControlResult, ControlService, HeartbeatCall, RegisterBrokerCall } from './control-service.js';
import type { MetadataLog } from './log.js';
import type { PeerDirectory } from './peer-directory.js';

const RETRY_DELAY_MS = 50;
const CALL_TIMEOUT_MS = 5_000;

type Method = 'RegisterBroker' | 'Heartbeat' | 'Admin' | 'ControlledShutdown';

interface ControlStub extends grpc.Client {
  RegisterBroker(request: object, options: grpc.CallOptions, callback: grpc.requestCallback<ControlResult>): void;
  Heartbeat(request: object, options: grpc.CallOptions, callback: grpc.requestCallback<ControlResult>): void;
  Admin(request: object, options: grpc.CallOptions, callback: grpc.requestCallback<ControlResult>): void;
  ControlledShutdown(request: object, options: grpc.CallOptions, callback: grpc.requestCallback<ControlResult>): void;
}

/** Errors after which the call goes to the (possibly new) controller again. */
const RETRIABLE = new Set<number>([ErrorCode.NOT_CONTROLLER, ErrorCode.REQUEST_TIMED_OUT, ErrorCode.NETWORK_EXCEPTION]);

export class ControlClient {
  private readonly stubs = new Map<number, { address: string; stub: ControlStub }>();
  /** Which node a call goes to while no controller is known (see callOnce). */
  private nextNode = 0;
  /**
   * The controller this node's metadata names, after a call to it failed (unreachable, or not the
   * controller any more): calls go round the other nodes until the metadata names another. A
   * broker the controller retired stops receiving the metadata log, so on restart its log names a
   * controller of long ago, perhaps dead, and only another node can register it again.
   */
  private staleController = -1;
  private readonly ctor = serviceConstructor(loadProto('admin.proto'), 'brook.admin.Control');

  constructor(
    private readonly config: NodeConfig,
    private readonly metadata: MetadataLog,
    private readonly local: ControlService,
    /** The node's peer credentials (mutual TLS when configured). */
    private readonly credentials: grpc.ChannelCredentials,
    private readonly peers: PeerDirectory,
  ) {}

  private stub(nodeId: number): ControlStub | null {
    const address = this.peers.address(nodeId);
    if (address === null) return null;
    let entry = this.stubs.get(nodeId);
    if (entry?.address !== address) {
      entry?.stub.close();
      entry = { address, stub: createClient<ControlStub>(this.ctor, address, this.credentials) };
      this.stubs.set(nodeId, entry);
    }
    return entry.stub;
  }

  /**
   * Where a call goes while this node knows no controller (or the one it knows failed): a broker
   * beyond the voters learns the Raft leader only once it follows the log, which needs its
   * registration first. Every other node whose address is known (the voters of --cluster-nodes,
   * registered brokers, those the controller told of: PeerDirectory.known) is asked in turn; those
   * that are not the controller answer NOT_CONTROLLER and the retry asks the next.
   */
  private someNode(): number {
    const ids = this.peers.known().flatMap((p) => (p.nodeId === this.config.nodeId ? [] : [p.nodeId]));
    if (ids.length === 0) return -1;
    return ids[this.nextNode++ % ids.length]!;
  }

  private async callOnce(method: Method, request: object): Promise<ControlResult> {
    const controllerId = this.metadata.controllerId;
    if (controllerId === this.config.nodeId) {
      switch (method) {
        case 'RegisterBroker':
          return this.local.registerBroker(request as RegisterBrokerCall);
        case 'Heartbeat':
          return this.local.heartbeat(request as HeartbeatCall);
        case 'Admin':
          return this.local.admin(request as AdminCall);
        case 'ControlledShutdown':
          return this.local.controlledShutdown(request as HeartbeatCall);
      }
    }
    const known = controllerId > 0 && controllerId !== this.staleController;
    const target = known ? controllerId : this.someNode();
    const stub = target > 0 ? this.stub(target) : null;
    if (!stub)
      return { errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: 'no controller known yet', resultJson: 'null' };
    const result = await this.remoteCall(stub, method, request);
    if (known && (result.errorCode === ErrorCode.NOT_CONTROLLER || result.errorCode === ErrorCode.NETWORK_EXCEPTION))
      this.staleController = controllerId;
    else if (result.errorCode === ErrorCode.NONE && target === controllerId) this.staleController = -1;
    return result;
  }

  private remoteCall(stub: ControlStub, method: Method, request: object): Promise<ControlResult> {
    return new Promise((resolve) => {
      stub[method](request, { deadline: Date.now() + CALL_TIMEOUT_MS }, (err, response) => {
        if (err || !response) {
          resolve({
            errorCode: ErrorCode.NETWORK_EXCEPTION,
            errorMessage: err?.message ?? 'no response',
            resultJson: 'null',
          });
        } else {
          resolve(response);
        }
      });
    });
  }

  /**
   * Calls the controller, retrying on NOT_CONTROLLER and transport errors until `timeoutMs`.
   * Resolves with the parsed result; throws KafkaError with the controller's error otherwise.
   */
  async call<T>(method: Method, request: object, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: ControlResult | null = null;
    for (let attempt = 0; attempt < 10_000; attempt++) {
      let result: ControlResult;
      try {
        result = await this.callOnce(method, request);
      } catch (err) {
        // The local shortcut throws; map it like a remote answer.
        result = {
          errorCode: err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR,
          errorMessage: err instanceof Error ? err.message : String(err),
          resultJson: 'null',
        };
      }
      if (result.errorCode === 0) return JSON.parse(result.resultJson || 'null') as T;
      last = result;
      if (!RETRIABLE.has(result.errorCode) || Date.now() + RETRY_DELAY_MS >= deadline) break;
      await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
    }
    const code = (last?.errorCode ?? ErrorCode.REQUEST_TIMED_OUT) as ErrorCodeValue;
    throw new KafkaError(code, last?.errorMessage || 'controller did not answer');
  }

  close(): void {
    for (const { stub } of this.stubs.values()) stub.close();
    this.stubs.clear();
  }
}

/** The controller's answer to a registration: every node's gRPC address it knows. */
export interface RegistrationResult {
  readonly peers: readonly { nodeId: number; address: string }[];
}

/** The gRPC address this broker registers: its --cluster-nodes entry when it is named there (the
 * address the other voters already use), else its first listener's advertised host and --grpc-port. */
export function ownPeerAddress(config: NodeConfig): string {
  const member = config.clusterNodes.find((m) => m.nodeId === config.nodeId);
  if (member) return `${member.host}:${member.grpcPort}`;
  return `${config.kafkaListeners[0]!.advertisedHost}:${config.grpcPort}`;
}

/**
 * Keeps this broker registered and alive in the controller's eyes: registers at start (and again
 * when the controller does not know this process), then heartbeats several times per session.
 */
export class BrokerLifecycle {
  readonly incarnation = randomUUID();
  private timer: NodeJS.Timeout | null = null;
  private registered = false;
  private inflight = false;
  private stopped = false;
  /** When the controller last confirmed this broker alive (a registration or heartbeat answered). */
  private confirmedAtMs = 0;
  /** The shortest silence after which the controller may have fenced this broker. */
  readonly fenceableSilenceMs: number;

  constructor(
    private readonly config: NodeConfig,
    private readonly client: ControlClient,
    private readonly log: Logger,
    /** Told the addresses the controller knows, at every registration. */
    private readonly learnPeers: (peers: RegistrationResult['peers']) => void = () => undefined,
  ) {
    this.fenceableSilenceMs = fenceableSilenceMs(config);
  }

  private registration(): RegisterBrokerCall {
    const endpoints = this.config.kafkaListeners.map((l) => ({
      listener: l.name,
      host: l.advertisedHost,
      port: l.advertisedPort,
      securityProtocol: l.securityProtocol,
    }));
    return {
      clusterId: this.config.clusterId,
      nodeId: this.config.nodeId,
      host: endpoints[0]!.host,
      port: endpoints[0]!.port,
      rack: this.config.rack ?? '',
      incarnation: this.incarnation,
      endpoints,
      peerAddress: ownPeerAddress(this.config),
    };
  }

  /** Registers with the controller, waiting through elections until `timeoutMs`. */
  async start(timeoutMs: number): Promise<void> {
    await this.register(timeoutMs);
    this.confirmedAtMs = Date.now();
    const intervalMs = brokerHeartbeatIntervalMs(this.config);
    this.timer = setInterval(() => void this.beat(), intervalMs);
    this.timer.unref();
  }

  private async register(timeoutMs: number): Promise<void> {
    const result = await this.client.call<RegistrationResult | null>('RegisterBroker', this.registration(), timeoutMs);
    this.learnPeers(result?.peers ?? []);
    this.registered = true;
  }

  private async beat(): Promise<void> {
    if (this.inflight || this.stopped) return;
    this.inflight = true;
    try {
      if (!this.registered) {
        await this.register(this.config.brokerSessionTimeoutMs);
      } else {
        await this.client.call(
          'Heartbeat',
          { clusterId: this.config.clusterId, nodeId: this.config.nodeId, incarnation: this.incarnation },
          this.config.brokerSessionTimeoutMs,
        );
      }
      this.confirmedAtMs = Date.now();
    } catch (err) {
      if (err instanceof KafkaError && err.code === ErrorCode.STALE_BROKER_EPOCH) this.registered = false;
      this.log.debug({ err: (err as Error).message }, 'heartbeat failed');
    } finally {
      this.inflight = false;
    }
  }

  /** When a controller last answered this broker's registration or heartbeat (0: never). */
  get controllerAnsweredAtMs(): number {
    return this.confirmedAtMs;
  }

  /**
   * The controller has not confirmed this broker alive for fenceableSilenceMs, so it may have fenced
   * it and be moving its leaderships: cut off from the controller, this broker's own view may be
   * stale. (It has surely been fenced once a whole session has passed.)
   */
  mayBeFenced(nowMs = Date.now()): boolean {
    return this.confirmedAtMs > 0 && nowMs - this.confirmedAtMs > this.fenceableSilenceMs;
  }

  /** Asks the controller to move this broker's leaderships away; false if that did not finish. */
  async controlledShutdown(timeoutMs: number): Promise<boolean> {
    try {
      const result = await this.client.call<{ remaining: number }>(
        'ControlledShutdown',
        { clusterId: this.config.clusterId, nodeId: this.config.nodeId, incarnation: this.incarnation },
        timeoutMs,
      );
      return result.remaining === 0;
    } catch (err) {
      this.log.warn(
        { err: (err as Error).message },
        'controlled shutdown failed; partitions fail over when this broker is fenced',
      );
      return false;
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }
}
