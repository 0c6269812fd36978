// DescribeQuorum (key 55), versions 0-2, flexible in every version. The Raft quorum of the
// cluster metadata, asked for as topic `__cluster_metadata` partition 0 (KIP-595, KIP-836). v1
// adds each replica's last fetch and last caught-up times; v2 adds error messages, each replica's
// directory id and the voters' listener endpoints (KIP-853).
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface DescribeQuorumRequestPartition extends TaggedStruct {
  partitionIndex: number;
}

export interface DescribeQuorumRequestTopic extends TaggedStruct {
  topicName: string;
  partitions: DescribeQuorumRequestPartition[];
}

export interface DescribeQuorumRequest extends TaggedStruct {
  topics: DescribeQuorumRequestTopic[];
}

export interface QuorumReplicaState extends TaggedStruct {
  replicaId: number;
  /** v2+; the zero uuid when the replica has none. */
  replicaDirectoryId: string;
  /** -1 when unknown (a follower's view of its peers). */
  logEndOffset: number;
  /** v1+; -1 when unknown. */
  lastFetchTimestamp: number;
  /** v1+; -1 when unknown. */
  lastCaughtUpTimestamp: number;
}

export interface DescribeQuorumResponsePartition extends TaggedStruct {
  partitionIndex: number;
  errorCode: number;
  /** v2+. */
  errorMessage: string | null;
  leaderId: number;
  /** The leader's Raft term. */
  leaderEpoch: number;
  /** The Raft commit index. */
  highWatermark: number;
  currentVoters: QuorumReplicaState[];
  observers: QuorumReplicaState[];
}

export interface DescribeQuorumResponseTopic extends TaggedStruct {
  topicName: string;
  partitions: DescribeQuorumResponsePartition[];
}

export interface QuorumListener extends TaggedStruct {
  name: string;
  host: string;
  port: number;
}

export interface QuorumNode extends TaggedStruct {
  nodeId: number;
  listeners: QuorumListener[];
}

export interface DescribeQuorumResponse extends TaggedStruct {
  errorCode: number;
  /** v2+. */
  errorMessage: string | null;
  topics: DescribeQuorumResponseTopic[];
  /** v2+. */
  nodes: QuorumNode[];
}

const replicaState = [
  f.int32('replicaId', '0+'),
  f.uuid('replicaDirectoryId', '2+'),
  f.int64('logEndOffset', '0+'),
  f.int64('lastFetchTimestamp', '1+', { default: -1 }),
  f.int64('lastCaughtUpTimestamp', '1+', { default: -1 }),
];

const request: MessageSchema = {
  name: 'DescribeQuorumRequest',
  apiKey: 55,
  type: 'request',
  validVersions: '0-2',
  flexibleVersions: '0+',
  fields: [
    f.array('topics', '0+', [
      f.string('topicName', '0+'),
      f.array('partitions', '0+', [f.int32('partitionIndex', '0+')]),
    ]),
  ],
};

const response: MessageSchema = {
  name: 'DescribeQuorumResponse',
  apiKey: 55,
  type: 'response',
  validVersions: '0-2',
  flexibleVersions: '0+',
  fields: [
    f.int16('errorCode', '0+'),
    f.string('errorMessage', '2+', { nullableVersions: '2+', default: null }),
    f.array('topics', '0+', [
      f.string('topicName', '0+'),
      f.array('partitions', '0+', [
        f.int32('partitionIndex', '0+'),
        f.int16('errorCode', '0+'),
        f.string('errorMessage', '2+', { nullableVersions: '2+', default: null }),
        f.int32('leaderId', '0+'),
        f.int32('leaderEpoch', '0+'),
        f.int64('highWatermark', '0+'),
        f.array('currentVoters', '0+', replicaState),
        f.array('observers', '0+', replicaState),
      ]),
    ]),
    f.array('nodes', '2+', [
      f.int32('nodeId', '2+'),
      f.array('listeners', '2+', [f.string('name', '2+'), f.string('host', '2+'), f.uint16('port', '2+')]),
    ]),
  ],
};

export const describeQuorumApi: ApiSchema = { apiKey: 55, name: 'DescribeQuorum', request, response };
