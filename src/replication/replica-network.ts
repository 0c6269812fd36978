// How this node's replicas reach the other nodes, and what the ReplicaManager follows of the
// metadata: small interfaces, so the deterministic simulation can run the real shells on its own
// network and its own copy of the metadata. Production passes ReplicationClient (gRPC; it is also
// the controller's SealClient) and the node's MetadataLog.
import type { MetadataListener, MetadataState } from '../metadata/index.js';
import type { AppendResponse } from './protocol/index.js';
import type { WireAppendRequest } from './wire.js';

/** Which epoch's leader asks for a new election of which partition. */
export interface ElectionAsk {
  readonly topicId: string;
  readonly partition: number;
  readonly leaderEpoch: number;
  /**
   * Not an election for a leader that cannot lead: the leader of a partition being reassigned
   * says every learner caught up, and asks for the switch to the target replicas.
   */
  readonly learnersCaughtUp?: boolean;
}

export interface ReplicaNetwork {
  /** Sends an append to follower `to`; null when it was lost (dropped, unreachable, partition unknown there). */
  append(to: number, request: WireAppendRequest): Promise<AppendResponse | null>;
  /** Asks the controller for a new election; resolves with its refusal ('' when it took the request). */
  requestElection(controllerId: number, ask: ElectionAsk): Promise<string>;
}

/** What a ReplicaManager reads of the metadata, and the changes it reacts to. */
export interface ReplicaMetadata {
  readonly state: Pick<MetadataState, 'topics' | 'topic' | 'topicById'>;
  /** The node id of the controller, or -1 while there is none. */
  readonly controllerId: number;
  onChange(listener: MetadataListener): void;
}
