// What this node answers other nodes' replication calls with, whatever carries them: gRPC in
// production (replication-service.ts), the simulated network in test/sim/replication. An append or
// a seal for a partition not open here waits a little for it (the metadata that creates it may be
// on its way), then is answered `unknown`. An append that fails with an operating error (a disk
// error, a full queue, a closed replica) is answered `unknown` too: the leader treats it as lost and
// sends again. A broken invariant is not an answer: the node stops (invariants.ts).
import type { Logger } from '../common/index.js';
import { type Fatal, stopIfBroken } from './invariants.js';
import type { AppendRequest, SealResponse } from './protocol/index.js';
import type { ReplicaManager } from './replica-manager.js';
import { unknownPartitionResponse, type WireAppendResponse } from './wire.js';

/** How long an append or seal for a partition not open here waits for it to open. */
const REPLICA_OPEN_WAIT_MS = 1_000;

/** An append as it arrived for one partition. */
export interface InboundAppend {
  readonly topicId: string;
  readonly partition: number;
  readonly request: AppendRequest;
  readonly buffers: readonly Buffer[];
  readonly leaderLogStartOffset: number;
}

export class ReplicaInbound {
  constructor(
    private readonly manager: ReplicaManager,
    private readonly nodeId: number,
    private readonly logger: Logger,
    private readonly fatal: Fatal,
  ) {}

  async append(a: InboundAppend): Promise<WireAppendResponse> {
    const replica = await this.manager.awaitReplica(a.topicId, a.partition, REPLICA_OPEN_WAIT_MS);
    if (!replica) return unknownPartitionResponse(this.nodeId);
    try {
      return await replica.handleAppend(a.request, a.buffers, a.leaderLogStartOffset);
    } catch (err) {
      stopIfBroken(err, this.fatal);
      this.logger.warn(
        { err: (err as Error).message, topic: replica.topic, partition: replica.partition },
        'append from the leader failed',
      );
      return unknownPartitionResponse(this.nodeId);
    }
  }

  /** The replica's answer to Seal(epoch); null when it is not open here. Operating errors reject. */
  async seal(topicId: string, partition: number, epoch: number): Promise<SealResponse | null> {
    const replica = await this.manager.awaitReplica(topicId, partition, REPLICA_OPEN_WAIT_MS);
    if (!replica) return null;
    const response = await replica.handleSeal(epoch);
    this.logger.debug({ topic: replica.topic, partition: replica.partition, epoch, ...response }, 'sealed');
    return response;
  }
}
