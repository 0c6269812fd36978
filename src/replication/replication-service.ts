// The follower's and the controller's side of replication over gRPC (proto/replication.proto),
// served on the node's shared GrpcServer. AppendStream hands each partition's append of a frame to its
// replica here and answers the frame once all its appends are answered (answering `unknown` for a partition this node does not host, after a short wait in
// case the metadata that creates it is still on its way); Seal reaches the replica the same way;
// RequestElection is noted for the controller's PartitionElections (ElectionRequests). Calls from
// another cluster are refused.
import {
  type Clock,
  grpc,
  type GrpcServer,
  type Logger,
  NO_PRODUCE_STAGES,
  type NodeConfig,
  type ProduceStages,
  stageNowMs,
  wallClockMs,
} from '../common/index.js';
import type { MetadataLog } from '../metadata/index.js';
import type { ElectionRequests } from './election-requests.js';
import { type LocalReplication, replicationServiceDefinition } from './replication-client.js';
import { decodeAppendCall, encodeAppendAnswers, type ReceivedAppend } from './append-frames.js';
import type { ReplicaManager } from './replica-manager.js';
import {
  electionRequestFromWire,
  sealRequestFromWire,
  unknownPartitionResponse,
  type WireAppendResponse,
  type WireElectionRequest,
  type WireSealRequest,
  type WireSealResponse,
} from './wire.js';

const REFUSAL_LOG_INTERVAL_MS = 10_000;
/** Unanswered calls one append stream may carry (the leader keeps replicationPeerCallsInflightMax). */
const APPEND_STREAM_CALLS_MAX = 64;

export class ReplicationService implements LocalReplication {
  private lastRefusalLogMs = 0;
  /** Open append streams, each with the function that ends it; ended on close so the server stops at once. */
  private readonly streams = new Set<(status: Partial<grpc.StatusObject> | null) => void>();
  private closed = false;

  constructor(
    private readonly config: NodeConfig,
    private readonly metadata: MetadataLog,
    /** Where RequestElection calls are noted while this node is the controller. */
    private readonly electionRequests: ElectionRequests,
    /**
     * This node's replicas, once open: they open after the broker registers, which needs this
     * service listening already. Until then appends and seals are answered `unknown`.
     */
    private readonly replicas: () => ReplicaManager | null,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** Where brook_replication_follower_append_seconds is observed. */
    private readonly stages: ProduceStages = NO_PRODUCE_STAGES,
  ) {}

  /** Registers on the server; call before it starts listening. */
  register(server: GrpcServer): void {
    type Raw = Record<string, unknown>;
    server.addService(replicationServiceDefinition(), {
      AppendStream: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => this.serveAppendStream(call),
      Seal: (call: grpc.ServerUnaryCall<Raw, WireSealResponse>, callback: grpc.sendUnaryData<WireSealResponse>) => {
        const refusal = this.checkCluster(call.request['clusterId']);
        if (refusal) return callback(refusal);
        this.seal(sealRequestFromWire(call.request)).then(
          (r) => callback(null, r),
          (err: unknown) => callback({ code: grpc.status.INTERNAL, details: String(err) }),
        );
      },
      RequestElection: (
        call: grpc.ServerUnaryCall<Raw, { error: string }>,
        callback: grpc.sendUnaryData<{ error: string }>,
      ) => {
        const refusal = this.checkCluster(call.request['clusterId']);
        if (refusal) return callback(refusal);
        callback(null, { error: this.requestElection(electionRequestFromWire(call.request)) });
      },
    });
  }

  private checkCluster(clusterId: unknown): Partial<grpc.StatusObject> | null {
    if (clusterId === this.config.clusterId) return null;
    const now = this.clock.now();
    if (now - this.lastRefusalLogMs >= REFUSAL_LOG_INTERVAL_MS) {
      this.lastRefusalLogMs = now;
      this.log.error(
        { theirClusterId: clusterId, ourClusterId: this.config.clusterId },
        'refusing replication calls from another cluster',
      );
    }
    return { code: grpc.status.FAILED_PRECONDITION, details: `cluster id mismatch: expected ${this.config.clusterId}` };
  }

  /**
   * One leader's stream of append frames. Frames are handled side by side (each partition's replica
   * keeps its own appends in order) and answered as they complete, tagged with their call id. A frame
   * that does not parse, or comes from another cluster, ends the stream: the leader opens a new one.
   */
  private serveAppendStream(call: grpc.ServerDuplexStream<Buffer, Buffer>): void {
    let ended = false;
    let unanswered = 0;
    const end = (status: Partial<grpc.StatusObject> | null): void => {
      if (ended) return;
      ended = true;
      this.streams.delete(end);
      if (status === null) call.end();
      else call.emit('error', status);
    };
    if (this.closed) return end({ code: grpc.status.UNAVAILABLE, details: 'shutting down' });
    this.streams.add(end);
    const forget = (): void => {
      ended = true;
      this.streams.delete(end);
    };
    call.on('error', forget);
    call.on('cancelled', forget);
    call.on('end', () => end(null));
    call.on('data', (frame: Buffer) => {
      if (ended) return;
      const receivedAtMs = stageNowMs();
      let received: ReturnType<typeof decodeAppendCall>;
      try {
        received = decodeAppendCall(frame);
      } catch (err) {
        this.log.warn(
          { peer: call.getPeer(), err: (err as Error).message },
          'malformed append frame; ending the stream',
        );
        return end({ code: grpc.status.INVALID_ARGUMENT, details: (err as Error).message });
      }
      const refusal = this.checkCluster(received.clusterId);
      if (refusal) return end(refusal);
      // The leader keeps a few calls in flight; many more is a broken or hostile peer.
      if (++unanswered > APPEND_STREAM_CALLS_MAX)
        return end({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'too many append calls in flight' });
      Promise.all(received.appends.map((a) => this.append(a))).then(
        (answers) => {
          unanswered--;
          const handledSeconds = (stageNowMs() - receivedAtMs) / 1000;
          if (received.appends.some((a) => 'request' in a.decoded && a.decoded.request.batches.length > 0))
            this.stages.replicaAppend(handledSeconds);
          const handling = { receivedAtWallMs: wallClockMs(receivedAtMs), handledSeconds };
          if (!ended) call.write(encodeAppendAnswers(received.callId, answers, handling));
        },
        (err: unknown) => end({ code: grpc.status.INTERNAL, details: String(err) }),
      );
    });
  }

  private async append(received: ReceivedAppend): Promise<WireAppendResponse> {
    const manager = this.replicas();
    if ('refused' in received.decoded || manager === null) {
      if ('refused' in received.decoded)
        this.log.warn(
          { reason: received.decoded.refused, topic: received.topic, partition: received.partition },
          'malformed append request',
        );
      return unknownPartitionResponse(this.config.nodeId);
    }
    return manager.inbound.append({ topicId: received.topicId, partition: received.partition, ...received.decoded });
  }

  /** Ends every open append stream (their leaders treat what is in flight as lost) and refuses new ones. */
  close(): void {
    this.closed = true;
    for (const end of [...this.streams]) end({ code: grpc.status.UNAVAILABLE, details: 'shutting down' });
  }

  async seal(request: WireSealRequest): Promise<WireSealResponse> {
    const none = {
      replicaId: this.config.nodeId,
      sealedEpoch: -1,
      lastEpoch: -1,
      logEndOffset: 0,
      accepted: false,
      ledHighWatermark: -1,
    };
    const manager = this.replicas();
    const response = manager ? await manager.inbound.seal(request.topicId, request.partition, request.epoch) : null;
    return response === null
      ? { ...none, error: 'unknown' }
      : { ...response, led: response.ledHighWatermark >= 0, error: '' };
  }

  requestElection(request: WireElectionRequest): string {
    if (!this.metadata.isController) return 'not_controller';
    if (request.learnersCaughtUp === true)
      this.electionRequests.addCaughtUp(request.topicId, request.partition, request.leaderEpoch);
    else this.electionRequests.add(request.topicId, request.partition, request.leaderEpoch);
    return '';
  }
}
