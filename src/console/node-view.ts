// What the console is given of the node it runs in: the dispatcher its admin requests go through
// (in-process, as a Kafka client's would), the listener they count on, how logins are checked,
// and the node's own views that no Kafka API carries (brokers fenced or live, this node's Raft
// state, its replicas' offsets and log sizes, the per-topic traffic it counted).
import type { HostPort } from '../client/index.js';
import type { TopicTotals } from '../common/index.js';
import type { CredentialSource, ListenerIdentity, RequestDispatcher } from '../kafka/index.js';

export interface RaftView {
  readonly role: string;
  readonly term: number;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  /** -1 when no leader is known. */
  readonly leaderId: number;
}

export interface BrokerView {
  readonly nodeId: number;
  /** The broker's address on the console's listener; null when it has none there. */
  readonly address: HostPort | null;
  readonly fenced: boolean;
}

/** One of this node's replicas, as ReplicaManager reports it. */
export interface LocalReplica {
  readonly topic: string;
  readonly partition: number;
  readonly role: string;
  readonly highWatermark: number;
  readonly logEndOffset: number;
  readonly logStartOffset: number;
  readonly sizeBytes: number;
}

export interface ConsoleNode {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly dispatcher: RequestDispatcher;
  /** The listener in-process requests count on: the node's first, whose Metadata names brokers. */
  readonly listener: ListenerIdentity;
  /** Some Kafka listener authenticates clients, so the console asks for a login too. */
  readonly authRequired: boolean;
  /** The SCRAM users of the metadata, which logins are checked against. */
  readonly credentials: CredentialSource;
  raft(): RaftView;
  brokers(): BrokerView[];
  replicas(): LocalReplica[];
  traffic(): Record<string, TopicTotals>;
}
