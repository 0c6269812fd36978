// The leader's and the controller's side of replication over gRPC (proto/replication.proto).
// Appends: one channel per peer; everything queued for the peer when a call leaves travels in one
// AppendBatch (many partitions' appends and heartbeats), with a few calls in flight for pipelining.
// The queue is bounded in requests and bytes and drops what does not fit: the leader's core treats
// an unanswered request as lost and sends again. Seal (the controller's failover step) implements
// SealClient, calling this node's replicas directly when the target is this node.
import type { NodeConfig } from '../common/config.js';
import { createClient, grpc, loadProto, serviceConstructor } from '../common/grpc.js';
import { limits } from '../common/limits.js';
import type { Logger } from '../common/log.js';
import type { SealClient } from '../metadata/partition-elections.js';
import type { AppendResponse, SealResponse } from './protocol/index.js';
import {
  appendResponseFromWire,
  sealResponseFromWire,
  type WireAppendRequest,
  type WireElectionRequest,
  type WireSealRequest,
  type WireSealResponse,
} from './wire.js';

type Callback<T> = (err: grpc.ServiceError | null, response?: T) => void;

interface ReplicationStub extends grpc.Client {
  AppendBatch(request: object, options: grpc.CallOptions, callback: Callback<{ responses?: Record<string, unknown>[] }>): void;
  Seal(request: object, options: grpc.CallOptions, callback: Callback<Record<string, unknown>>): void;
  RequestElection(request: object, options: grpc.CallOptions, callback: Callback<{ error?: string }>): void;
}

let replicationService: grpc.ServiceClientConstructor | undefined;
export function replicationServiceConstructor(): grpc.ServiceClientConstructor {
  replicationService ??= serviceConstructor(loadProto('replication.proto'), 'brook.replication.Replication');
  return replicationService;
}

/** What this node answers itself, without a network round trip. */
export interface LocalReplication {
  seal(request: WireSealRequest): Promise<WireSealResponse>;
  requestElection(request: WireElectionRequest): string;
}

const APPEND_CALL_TIMEOUT_MS = 5_000;
const ELECTION_CALL_TIMEOUT_MS = 1_000;
const REQUEST_OVERHEAD_BYTES = 128;

interface PendingAppend {
  readonly request: WireAppendRequest;
  readonly bytes: number;
  readonly resolve: (response: AppendResponse | null) => void;
}

class PeerChannel {
  private queue: PendingAppend[] = [];
  private queuedBytes = 0;
  private inflight = 0;
  private reachable = true;
  private closed = false;
  dropped = 0;

  constructor(
    private readonly peer: number,
    private readonly address: string,
    private readonly stub: ReplicationStub,
    private readonly clusterId: string,
    private readonly log: Logger,
  ) {}

  append(request: WireAppendRequest): Promise<AppendResponse | null> {
    if (this.closed) return Promise.resolve(null);
    const bytes = request.records.length + REQUEST_OVERHEAD_BYTES;
    if (this.queue.length >= limits.replicationPeerQueueRequestsMax || this.queuedBytes + bytes > limits.replicationPeerQueueBytesMax) {
      this.dropped++;
      return Promise.resolve(null);
    }
    return new Promise((resolve) => {
      this.queue.push({ request, bytes, resolve });
      this.queuedBytes += bytes;
      // Appends made in the same turn of the event loop leave together.
      if (this.queue.length === 1) setImmediate(() => this.pump());
    });
  }

  private takeCall(): PendingAppend[] {
    let n = 1;
    let bytes = (this.queue[0] as PendingAppend).bytes;
    for (; n < this.queue.length; n++) {
      const next = (this.queue[n] as PendingAppend).bytes;
      if (bytes + next > limits.replicationCallBytesMax) break;
      bytes += next;
    }
    this.queuedBytes -= bytes;
    return this.queue.splice(0, n);
  }

  private pump(): void {
    // Bounded by replicationPeerCallsInflightMax calls per pass.
    while (!this.closed && this.inflight < limits.replicationPeerCallsInflightMax && this.queue.length > 0) {
      const call = this.takeCall();
      this.inflight++;
      this.stub.AppendBatch(
        { clusterId: this.clusterId, requests: call.map((p) => p.request) },
        { deadline: Date.now() + APPEND_CALL_TIMEOUT_MS },
        (err, response) => {
          this.inflight--;
          if (err || !response) {
            this.unreachable(err);
            for (const p of call) p.resolve(null);
          } else {
            this.markReachable();
            const answers = response.responses ?? [];
            call.forEach((p, i) => p.resolve(appendResponseFromWire(answers[i])));
          }
          this.pump();
        },
      );
    }
  }

  private unreachable(err: grpc.ServiceError | null | undefined): void {
    if (!this.reachable) return;
    this.reachable = false;
    this.log.warn({ peer: this.peer, address: this.address, code: err?.code, err: err?.details }, 'replication peer unreachable');
  }

  private markReachable(): void {
    if (this.reachable) return;
    this.reachable = true;
    this.log.info({ peer: this.peer, address: this.address }, 'replication peer reachable');
  }

  close(): void {
    this.closed = true;
    for (const p of this.queue) p.resolve(null);
    this.queue = [];
    this.queuedBytes = 0;
  }
}

export class ReplicationClient implements SealClient {
  private readonly stubs = new Map<number, ReplicationStub>();
  private readonly channels = new Map<number, PeerChannel>();
  private local: LocalReplication | null = null;
  private closed = false;

  constructor(
    private readonly config: NodeConfig,
    private readonly log: Logger,
  ) {}

  /** This node's replicas, answering Seal and RequestElection addressed to this node. */
  setLocal(local: LocalReplication): void {
    this.local = local;
  }

  private stub(nodeId: number): ReplicationStub | null {
    let stub = this.stubs.get(nodeId);
    if (stub) return stub;
    const member = this.config.clusterNodes.find((m) => m.nodeId === nodeId);
    if (!member || this.closed) return null;
    stub = createClient<ReplicationStub>(replicationServiceConstructor(), `${member.host}:${member.grpcPort}`);
    this.stubs.set(nodeId, stub);
    return stub;
  }

  /** Sends an append to a follower; null when it was lost (dropped, unreachable, partition unknown there). */
  append(to: number, request: WireAppendRequest): Promise<AppendResponse | null> {
    let channel = this.channels.get(to);
    if (!channel) {
      const stub = this.stub(to);
      if (!stub) return Promise.resolve(null);
      const member = this.config.clusterNodes.find((m) => m.nodeId === to);
      channel = new PeerChannel(to, `${member?.host}:${member?.grpcPort}`, stub, this.config.clusterId, this.log);
      this.channels.set(to, channel);
    }
    return channel.append(request);
  }

  async seal(nodeId: number, request: { topic: string; topicId: string; partition: number; epoch: number }, timeoutMs: number): Promise<SealResponse> {
    const wire: WireSealRequest = { clusterId: this.config.clusterId, ...request };
    if (nodeId === this.config.nodeId) {
      if (!this.local) throw new Error('replicas are not open yet');
      return sealResponseFromWire(await this.local.seal(wire) as unknown as Record<string, unknown>);
    }
    const stub = this.stub(nodeId);
    if (!stub) throw new Error(`no address for node ${nodeId}`);
    return new Promise((resolve, reject) => {
      stub.Seal(wire, { deadline: Date.now() + timeoutMs }, (err, response) => {
        if (err || !response) return reject(err ?? new Error('no seal response'));
        try {
          resolve(sealResponseFromWire(response));
        } catch (e) {
          reject(e);
        }
      });
    });
  }

  /** Asks the controller for a new leader election of a partition; resolves with the refusal text ('' when taken). */
  requestElection(controllerId: number, request: Omit<WireElectionRequest, 'clusterId' | 'requesterId'>): Promise<string> {
    const wire: WireElectionRequest = { clusterId: this.config.clusterId, requesterId: this.config.nodeId, ...request };
    if (controllerId === this.config.nodeId) return Promise.resolve(this.local ? this.local.requestElection(wire) : 'not_ready');
    const stub = this.stub(controllerId);
    if (!stub) return Promise.resolve('no_controller');
    return new Promise((resolve) => {
      stub.RequestElection(wire, { deadline: Date.now() + ELECTION_CALL_TIMEOUT_MS }, (err, response) => {
        resolve(err ? `unreachable: ${err.details}` : (response?.error ?? ''));
      });
    });
  }

  close(): void {
    this.closed = true;
    for (const channel of this.channels.values()) channel.close();
    this.channels.clear();
    for (const stub of this.stubs.values()) stub.close();
    this.stubs.clear();
  }
}
