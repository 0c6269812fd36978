// The follower's and the controller's side of replication over gRPC (proto/replication.proto),
// served on the node's shared GrpcServer. Append/AppendBatch hand each partition's request to its
// replica here (answering `unknown` for a partition this node does not host, after a short wait in
// case the metadata that creates it is still on its way); Seal reaches the replica the same way;
// RequestElection reaches the controller's PartitionElections. Calls from another cluster are refused.
import type { NodeConfig } from '../common/config.js';
import { grpc, type GrpcServer } from '../common/grpc.js';
import type { Logger } from '../common/log.js';
import type { MetadataLog } from '../metadata/log.js';
import type { PartitionElections } from '../metadata/partition-elections.js';
import type { LocalReplication } from './replication-client.js';
import { replicationServiceConstructor } from './replication-client.js';
import type { ReplicaManager } from './replica-manager.js';
import {
  appendRequestFromWire,
  appendResponseToWire,
  electionRequestFromWire,
  sealRequestFromWire,
  unknownPartitionResponse,
  type WireAppendResponse,
  type WireElectionRequest,
  type WireSealRequest,
  type WireSealResponse,
} from './wire.js';

/** How long an append or seal for a partition not open here waits for it to open. */
const REPLICA_OPEN_WAIT_MS = 1_000;
const REFUSAL_LOG_INTERVAL_MS = 10_000;

export class ReplicationService implements LocalReplication {
  private manager: ReplicaManager | null = null;
  private elections: PartitionElections | null = null;
  private lastRefusalLogMs = 0;

  constructor(
    private readonly config: NodeConfig,
    private readonly metadata: MetadataLog,
    private readonly log: Logger,
  ) {}

  /** Registers on the server; call before it starts listening. Requests wait for setManager. */
  register(server: GrpcServer): void {
    type Raw = Record<string, unknown>;
    server.addService(replicationServiceConstructor().service, {
      Append: (call: grpc.ServerUnaryCall<Raw, WireAppendResponse>, callback: grpc.sendUnaryData<WireAppendResponse>) => {
        const refusal = this.checkCluster(call.request['clusterId']);
        if (refusal) return callback(refusal);
        this.append(call.request).then((r) => callback(null, r), (err: unknown) => callback({ code: grpc.status.INTERNAL, details: String(err) }));
      },
      AppendBatch: (call: grpc.ServerUnaryCall<Raw, { responses: WireAppendResponse[] }>, callback: grpc.sendUnaryData<{ responses: WireAppendResponse[] }>) => {
        const refusal = this.checkCluster(call.request['clusterId']);
        if (refusal) return callback(refusal);
        const requests = (Array.isArray(call.request['requests']) ? call.request['requests'] : []) as Raw[];
        Promise.all(requests.map((r) => this.append(r))).then(
          (responses) => callback(null, { responses }),
          (err: unknown) => callback({ code: grpc.status.INTERNAL, details: String(err) }),
        );
      },
      Seal: (call: grpc.ServerUnaryCall<Raw, WireSealResponse>, callback: grpc.sendUnaryData<WireSealResponse>) => {
        const refusal = this.checkCluster(call.request['clusterId']);
        if (refusal) return callback(refusal);
        this.seal(sealRequestFromWire(call.request)).then((r) => callback(null, r), (err: unknown) => callback({ code: grpc.status.INTERNAL, details: String(err) }));
      },
      RequestElection: (call: grpc.ServerUnaryCall<Raw, { error: string }>, callback: grpc.sendUnaryData<{ error: string }>) => {
        const refusal = this.checkCluster(call.request['clusterId']);
        if (refusal) return callback(refusal);
        callback(null, { error: this.requestElection(electionRequestFromWire(call.request)) });
      },
    });
  }

  setManager(manager: ReplicaManager): void {
    this.manager = manager;
  }

  /** The controller's elections (on every node; they act only while it is the controller). */
  setElections(elections: PartitionElections): void {
    this.elections = elections;
  }

  private checkCluster(clusterId: unknown): Partial<grpc.StatusObject> | null {
    if (clusterId === this.config.clusterId) return null;
    const now = Date.now();
    if (now - this.lastRefusalLogMs >= REFUSAL_LOG_INTERVAL_MS) {
      this.lastRefusalLogMs = now;
      this.log.error({ theirClusterId: clusterId, ourClusterId: this.config.clusterId }, 'refusing replication calls from another cluster');
    }
    return { code: grpc.status.FAILED_PRECONDITION, details: `cluster id mismatch: expected ${this.config.clusterId}` };
  }

  private async append(raw: Record<string, unknown>): Promise<WireAppendResponse> {
    const me = this.config.nodeId;
    const decoded = appendRequestFromWire(raw);
    const manager = this.manager;
    if (typeof decoded === 'string' || manager === null) {
      if (typeof decoded === 'string') this.log.warn({ reason: decoded }, 'malformed append request');
      return unknownPartitionResponse(me);
    }
    const replica = await manager.awaitReplica(String(raw['topicId'] ?? ''), Number(raw['partition']), REPLICA_OPEN_WAIT_MS);
    if (!replica) return unknownPartitionResponse(me);
    try {
      return appendResponseToWire(await replica.handleAppend(decoded.request, decoded.buffers, decoded.leaderLogStartOffset));
    } catch (err) {
      // The leader treats it as lost and sends again.
      this.log.warn({ err: (err as Error).message, topic: replica.topic, partition: replica.partition }, 'append from the leader failed');
      return unknownPartitionResponse(me);
    }
  }

  async seal(request: WireSealRequest): Promise<WireSealResponse> {
    const none = { replicaId: this.config.nodeId, sealedEpoch: -1, lastEpoch: -1, logEndOffset: 0, accepted: false };
    const replica = this.manager ? await this.manager.awaitReplica(request.topicId, request.partition, REPLICA_OPEN_WAIT_MS) : undefined;
    if (!replica) return { ...none, error: 'unknown' };
    const response = await replica.handleSeal(request.epoch);
    this.log.debug({ topic: replica.topic, partition: replica.partition, epoch: request.epoch, ...response }, 'sealed');
    return { ...response, error: '' };
  }

  requestElection(request: WireElectionRequest): string {
    if (!this.elections || !this.metadata.isController) return 'not_controller';
    this.elections.requestElection(request.topicId, request.partition, request.leaderEpoch);
    return '';
  }
}
