// The leader's and the controller's side of replication over gRPC (proto/replication.proto).
// Appends: one bidirectional stream per peer (AppendStream), opened on first use and again after it
// fails; everything queued for the peer when a call leaves travels in one frame (many partitions'
// appends and heartbeats, append-frames.ts), with a few calls in flight for pipelining and answers
// matched to calls by id. The queue is bounded in requests and bytes and drops what does not fit:
// the leader's core treats an unanswered request as lost and sends again. Seal (the controller's
// failover step) implements SealClient, calling this node's replicas directly when the target is
// this node.
import {
  type Clock,
  createClient,
  grpc,
  limits,
  loadProto,
  type Logger,
  NO_PRODUCE_STAGES,
  type NodeConfig,
  type PeerAddresses,
  observeAppendCall,
  type ProduceStages,
  type ScheduledTask,
  serviceConstructor,
  stageNowMs,
} from '../common/index.js';
import type { SealClient } from './partition-elections.js';
import { decodeAppendAnswers, encodeAppendCall } from './append-frames.js';
import type { ReplicaNetwork } from './replica-network.js';
import type { AppendResponse, SealResponse } from './protocol/index.js';
import {
  sealResponseFromWire,
  type WireAppendRequest,
  type WireElectionRequest,
  type WireSealRequest,
  type WireSealResponse,
} from './wire.js';

type Callback<T> = (err: grpc.ServiceError | null, response?: T) => void;

interface ReplicationStub extends grpc.Client {
  AppendStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<Buffer, Buffer>;
  Seal(request: object, options: grpc.CallOptions, callback: Callback<Record<string, unknown>>): void;
  RequestElection(request: object, options: grpc.CallOptions, callback: Callback<{ error?: string }>): void;
}

const SERVICE_PATH = '/brook.replication.Replication/';
const frame = (value: Buffer): Buffer => value;

/**
 * The Replication service: Seal and RequestElection from the proto file, and AppendStream, whose
 * messages are append frames passed to gRPC as they are (no protobuf).
 */
let replicationService: grpc.ServiceDefinition | undefined;
export function replicationServiceDefinition(): grpc.ServiceDefinition {
  if (!replicationService) {
    const fromProto = serviceConstructor(loadProto('replication.proto'), 'brook.replication.Replication').service;
    const appendStream: grpc.MethodDefinition<Buffer, Buffer> = {
      path: `${SERVICE_PATH}AppendStream`,
      requestStream: true,
      responseStream: true,
      requestSerialize: frame,
      requestDeserialize: frame,
      responseSerialize: frame,
      responseDeserialize: frame,
    };
    replicationService = { ...fromProto, AppendStream: appendStream };
  }
  return replicationService;
}

let replicationClient: grpc.ServiceClientConstructor | undefined;
function replicationClientConstructor(): grpc.ServiceClientConstructor {
  replicationClient ??= grpc.makeGenericClientConstructor(replicationServiceDefinition(), 'Replication');
  return replicationClient;
}

/** What this node answers itself, without a network round trip. */
export interface LocalReplication {
  seal(request: WireSealRequest): Promise<WireSealResponse>;
  requestElection(request: WireElectionRequest): string;
}

/** A call unanswered this long fails the stream (the peer is stuck; keepalive catches a dead one sooner). */
const APPEND_CALL_TIMEOUT_MS = 5_000;
const APPEND_TIMEOUT_CHECK_INTERVAL_MS = 1_000;
/** Before a failed stream is opened again, so a peer that is down is not called in a tight loop. */
const STREAM_REOPEN_BACKOFF_MS = 100;
const ELECTION_CALL_TIMEOUT_MS = 1_000;
const REQUEST_OVERHEAD_BYTES = 128;

interface PendingAppend {
  readonly request: WireAppendRequest;
  readonly bytes: number;
  readonly resolve: (response: AppendResponse | null) => void;
  /** stageNowMs when queued (the produce stage timings). */
  readonly queuedAtMs: number;
}

interface InflightCall {
  readonly appends: PendingAppend[];
  readonly sentAtMs: number;
  /** stageNowMs when written to the stream. */
  readonly writtenAtMs: number;
}

class PeerChannel {
  private queue: PendingAppend[] = [];
  private queuedBytes = 0;
  private stream: grpc.ClientDuplexStream<Buffer, Buffer> | null = null;
  private readonly inflight = new Map<number, InflightCall>();
  private nextCallId = 1;
  private reopenAtMs = 0;
  private retryTimer: ScheduledTask | null = null;
  private reachable = true;
  private closed = false;
  dropped = 0;

  constructor(
    private readonly peer: number,
    private readonly address: string,
    private readonly stub: ReplicationStub,
    private readonly clusterId: string,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly stages: ProduceStages,
  ) {}

  append(request: WireAppendRequest): Promise<AppendResponse | null> {
    if (this.closed) return Promise.resolve(null);
    let bytes = REQUEST_OVERHEAD_BYTES;
    for (const b of request.records) bytes += b.length;
    if (
      this.queue.length >= limits.replicationPeerQueueRequestsMax ||
      this.queuedBytes + bytes > limits.replicationPeerQueueBytesMax
    ) {
      this.dropped++;
      return Promise.resolve(null);
    }
    return new Promise((resolve) => {
      this.queue.push({ request, bytes, resolve, queuedAtMs: stageNowMs() });
      this.queuedBytes += bytes;
      // Appends made in the same turn of the event loop leave together.
      if (this.queue.length === 1) this.clock.soon(() => this.pump());
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
    // Bounded by replicationPeerCallsInflightMax calls on the stream.
    while (!this.closed && this.inflight.size < limits.replicationPeerCallsInflightMax && this.queue.length > 0) {
      const stream = this.openStream();
      if (stream === null) return;
      const appends = this.takeCall();
      const callId = this.nextCallId;
      this.nextCallId = this.nextCallId >= 0xffffffff ? 1 : this.nextCallId + 1;
      this.inflight.set(callId, { appends, sentAtMs: this.clock.now(), writtenAtMs: stageNowMs() });
      stream.write(
        encodeAppendCall(
          callId,
          this.clusterId,
          appends.map((p) => p.request),
        ),
      );
    }
  }

  /** The open stream, opening one if allowed now; null while backing off (a retry is scheduled). */
  private openStream(): grpc.ClientDuplexStream<Buffer, Buffer> | null {
    if (this.stream !== null) return this.stream;
    const wait = this.reopenAtMs - this.clock.now();
    if (wait > 0) {
      this.retryTimer ??= this.clock.schedule(wait, () => {
        this.retryTimer = null;
        this.pump();
      });
      return null;
    }
    const stream = this.stub.AppendStream();
    stream.on('data', (answers: Buffer) => this.onAnswers(stream, answers));
    stream.on('error', (err: grpc.ServiceError) => this.failStream(stream, err));
    // The server ended the stream (it is shutting down): what is in flight is lost.
    stream.on('status', () => this.failStream(stream, null));
    this.stream = stream;
    return stream;
  }

  private onAnswers(stream: grpc.ClientDuplexStream<Buffer, Buffer>, frame: Buffer): void {
    if (this.stream !== stream) return;
    let decoded: ReturnType<typeof decodeAppendAnswers>;
    try {
      decoded = decodeAppendAnswers(frame);
    } catch (err) {
      this.log.error(
        { peer: this.peer, err: (err as Error).message },
        'malformed append answers; reopening the stream',
      );
      this.failStream(stream, null);
      return;
    }
    const call = this.inflight.get(decoded.callId);
    // Unknown: answered after the stream was given up, or a confused peer; the core resends either way.
    if (call === undefined || decoded.answers.length !== call.appends.length) return;
    this.inflight.delete(decoded.callId);
    this.timeCall(call, decoded.handling);
    this.markReachable();
    call.appends.forEach((p, i) => p.resolve(decoded.answers[i] ?? null));
    this.pump();
  }

  /** The replication legs of a call that carried batches (heartbeats would only dilute them). */
  private timeCall(call: InflightCall, handling: { receivedAtWallMs: number; handledSeconds: number }): void {
    if (!call.appends.some((p) => p.request.records.length > 0)) return;
    observeAppendCall(this.stages, {
      queuedAtMs: (call.appends[0] as PendingAppend).queuedAtMs,
      sentAtMs: call.writtenAtMs,
      answeredAtMs: stageNowMs(),
      followerReceivedAtWallMs: handling.receivedAtWallMs,
      followerSeconds: handling.handledSeconds,
    });
  }

  /** Everything in flight on `stream` is lost; the next call opens a new stream after a short pause. */
  private failStream(stream: grpc.ClientDuplexStream<Buffer, Buffer>, err: grpc.ServiceError | null): void {
    if (this.stream !== stream) return;
    this.stream = null;
    stream.cancel();
    if (err !== null) this.unreachable(err);
    this.reopenAtMs = this.clock.now() + STREAM_REOPEN_BACKOFF_MS;
    const lost = [...this.inflight.values()];
    this.inflight.clear();
    for (const call of lost) for (const p of call.appends) p.resolve(null);
    if (this.queue.length > 0) this.pump();
  }

  /** Fails a stream whose oldest call has waited too long (called on the client's timer). */
  checkTimeouts(now: number): void {
    if (this.stream === null) return;
    for (const call of this.inflight.values()) {
      if (now - call.sentAtMs >= APPEND_CALL_TIMEOUT_MS) {
        this.log.warn({ peer: this.peer, address: this.address }, 'append calls unanswered; reopening the stream');
        this.failStream(this.stream, null);
        return;
      }
    }
  }

  private unreachable(err: grpc.ServiceError): void {
    if (!this.reachable) return;
    this.reachable = false;
    this.log.warn(
      { peer: this.peer, address: this.address, code: err.code, err: err.details },
      'replication peer unreachable',
    );
  }

  private markReachable(): void {
    if (this.reachable) return;
    this.reachable = true;
    this.log.info({ peer: this.peer, address: this.address }, 'replication peer reachable');
  }

  close(): void {
    this.closed = true;
    this.retryTimer?.cancel();
    if (this.stream !== null) this.failStream(this.stream, null);
    for (const p of this.queue) p.resolve(null);
    this.queue = [];
    this.queuedBytes = 0;
  }
}

export class ReplicationClient implements SealClient, ReplicaNetwork {
  private readonly stubs = new Map<number, ReplicationStub>();
  private readonly channels = new Map<number, PeerChannel>();
  private closed = false;
  private readonly timeoutTimer: ScheduledTask;

  constructor(
    private readonly config: NodeConfig,
    /** Where each node's gRPC server is (voters as configured, brokers as registered). */
    private readonly peers: PeerAddresses,
    private readonly clock: Clock,
    /** This node's replicas, answering Seal and RequestElection addressed to this node. */
    private readonly local: LocalReplication,
    private readonly log: Logger,
    /** The node's peer credentials (mutual TLS when configured). */
    private readonly credentials: grpc.ChannelCredentials,
    /** Where the replication legs of the produce stage timings go. */
    private readonly stages: ProduceStages = NO_PRODUCE_STAGES,
  ) {
    this.timeoutTimer = clock.every(APPEND_TIMEOUT_CHECK_INTERVAL_MS, () => {
      const now = clock.now();
      for (const channel of this.channels.values()) channel.checkTimeouts(now);
    });
  }

  private stub(nodeId: number): ReplicationStub | null {
    let stub = this.stubs.get(nodeId);
    if (stub) return stub;
    const address = this.peers.address(nodeId);
    if (address === null || this.closed) return null;
    stub = createClient<ReplicationStub>(replicationClientConstructor(), address, this.credentials);
    this.stubs.set(nodeId, stub);
    return stub;
  }

  /** Sends an append to a follower; null when it was lost (dropped, unreachable, partition unknown there). */
  append(to: number, request: WireAppendRequest): Promise<AppendResponse | null> {
    let channel = this.channels.get(to);
    if (!channel) {
      const stub = this.stub(to);
      if (!stub) return Promise.resolve(null);
      channel = new PeerChannel(
        to,
        this.peers.address(to) ?? 'unknown',
        stub,
        this.config.clusterId,
        this.clock,
        this.log,
        this.stages,
      );
      this.channels.set(to, channel);
    }
    return channel.append(request);
  }

  async seal(
    nodeId: number,
    request: { topic: string; topicId: string; partition: number; epoch: number },
    timeoutMs: number,
  ): Promise<SealResponse> {
    const wire: WireSealRequest = { clusterId: this.config.clusterId, ...request };
    if (nodeId === this.config.nodeId) {
      return sealResponseFromWire((await this.local.seal(wire)) as unknown as Record<string, unknown>);
    }
    const stub = this.stub(nodeId);
    if (!stub) throw new Error(`no address for node ${nodeId}`);
    return new Promise((resolve, reject) => {
      stub.Seal(wire, { deadline: this.clock.now() + timeoutMs }, (err, response) => {
        if (err || !response) return reject(err ?? new Error('no seal response'));
        try {
          resolve(sealResponseFromWire(response));
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    });
  }

  /** Asks the controller for a new leader election of a partition; resolves with the refusal text ('' when taken). */
  requestElection(
    controllerId: number,
    request: Omit<WireElectionRequest, 'clusterId' | 'requesterId'>,
  ): Promise<string> {
    const wire: WireElectionRequest = { clusterId: this.config.clusterId, requesterId: this.config.nodeId, ...request };
    if (controllerId === this.config.nodeId) return Promise.resolve(this.local.requestElection(wire));
    const stub = this.stub(controllerId);
    if (!stub) return Promise.resolve('no_controller');
    return new Promise((resolve) => {
      stub.RequestElection(wire, { deadline: this.clock.now() + ELECTION_CALL_TIMEOUT_MS }, (err, response) => {
        resolve(err ? `unreachable: ${err.details}` : (response?.error ?? ''));
      });
    });
  }

  close(): void {
    this.closed = true;
    this.timeoutTimer.cancel();
    for (const channel of this.channels.values()) channel.close();
    this.channels.clear();
    for (const stub of this.stubs.values()) stub.close();
    this.stubs.clear();
  }
}
