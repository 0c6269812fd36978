// Fetch (key 1), versions 0-17, flexible from 12. v3 maxBytes; v4 isolationLevel,
// lastStableOffset and abortedTransactions; v5 logStartOffset; v7 fetch sessions (KIP-227);
// v9 currentLeaderEpoch (KIP-320); v11 rackId and preferredReadReplica; v12 lastFetchedEpoch and
// the tagged divergingEpoch / currentLeader / snapshotId; v13 topic ids replace names; v15 the
// replica id moves into a tagged replicaState; v16 tagged nodeEndpoints; v17 replicaDirectoryId.
// Records stay opaque: a response carries the stored batches as a vector, never re-encoded.
import { f, type MessageSchema, type RecordsValue, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface ReplicaState extends TaggedStruct {
  replicaId: number;
  replicaEpoch: number;
}

export interface FetchPartition extends TaggedStruct {
  partition: number;
  /** v9+; -1 means "do not check". */
  currentLeaderEpoch: number;
  fetchOffset: number;
  /** v12+. */
  lastFetchedEpoch: number;
  /** v5+ (followers only). */
  logStartOffset: number;
  partitionMaxBytes: number;
  /** Tagged (tag 0, v17+). */
  replicaDirectoryId: string;
}

export interface FetchTopic extends TaggedStruct {
  /** v0-12. */
  topic: string;
  /** v13+. */
  topicId: string;
  partitions: FetchPartition[];
}

export interface ForgottenTopic extends TaggedStruct {
  /** v7-12. */
  topic: string;
  /** v13+. */
  topicId: string;
  partitions: number[];
}

export interface FetchRequest extends TaggedStruct {
  /** Tagged (tag 0, v12+). */
  clusterId: string | null;
  /** v0-14; -1 for consumers. */
  replicaId: number;
  /** Tagged (tag 1, v15+). */
  replicaState: ReplicaState;
  maxWaitMs: number;
  minBytes: number;
  /** v3+. */
  maxBytes: number;
  /** v4+: 0 read_uncommitted, 1 read_committed. */
  isolationLevel: number;
  /** v7+. */
  sessionId: number;
  /** v7+. */
  sessionEpoch: number;
  topics: FetchTopic[];
  /** v7+. */
  forgottenTopicsData: ForgottenTopic[];
  /** v11+. */
  rackId: string;
}

export interface EpochEndOffset extends TaggedStruct {
  epoch: number;
  endOffset: number;
}

export interface LeaderIdAndEpoch extends TaggedStruct {
  leaderId: number;
  leaderEpoch: number;
}

export interface SnapshotId extends TaggedStruct {
  endOffset: number;
  epoch: number;
}

export interface AbortedTransaction extends TaggedStruct {
  producerId: number;
  firstOffset: number;
}

export interface FetchPartitionData extends TaggedStruct {
  partitionIndex: number;
  errorCode: number;
  highWatermark: number;
  /** v4+. */
  lastStableOffset: number;
  /** v5+. */
  logStartOffset: number;
  /** Tagged (tag 0, v12+): written only when not (-1, -1). */
  divergingEpoch: EpochEndOffset;
  /** Tagged (tag 1, v12+): written only when not (-1, -1). */
  currentLeader: LeaderIdAndEpoch;
  /** Tagged (tag 2, v12+): written only when not (-1, -1). */
  snapshotId: SnapshotId;
  /** v4+. */
  abortedTransactions: AbortedTransaction[] | null;
  /** v11+. */
  preferredReadReplica: number;
  /** Decoded: a view into the frame. Encoded: also a vector of stored batches. */
  records: RecordsValue;
}

export interface FetchableTopicResponse extends TaggedStruct {
  /** v0-12. */
  topic: string;
  /** v13+. */
  topicId: string;
  partitions: FetchPartitionData[];
}

export interface NodeEndpoint extends TaggedStruct {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface FetchResponse extends TaggedStruct {
  /** v1+. */
  throttleTimeMs: number;
  /** v7+. */
  errorCode: number;
  /** v7+: 0 when sessions are declined. */
  sessionId: number;
  responses: FetchableTopicResponse[];
  /** Tagged (tag 0, v16+). */
  nodeEndpoints: NodeEndpoint[];
}

const request: MessageSchema = {
  name: 'FetchRequest',
  apiKey: 1,
  type: 'request',
  validVersions: '0-17',
  flexibleVersions: '12+',
  fields: [
    f.string('clusterId', '12+', { nullableVersions: '12+', default: null, tag: 0, taggedVersions: '12+' }),
    f.int32('replicaId', '0-14', { default: -1 }),
    f.struct(
      'replicaState',
      '15+',
      [f.int32('replicaId', '15+', { default: -1 }), f.int64('replicaEpoch', '15+', { default: -1 })],
      { tag: 1, taggedVersions: '15+' },
    ),
    f.int32('maxWaitMs', '0+'),
    f.int32('minBytes', '0+'),
    f.int32('maxBytes', '3+', { default: 0x7fffffff }),
    f.int8('isolationLevel', '4+', { default: 0 }),
    f.int32('sessionId', '7+', { default: 0 }),
    f.int32('sessionEpoch', '7+', { default: -1 }),
    f.array('topics', '0+', [
      f.string('topic', '0-12'),
      f.uuid('topicId', '13+'),
      f.array('partitions', '0+', [
        f.int32('partition', '0+'),
        f.int32('currentLeaderEpoch', '9+', { default: -1 }),
        f.int64('fetchOffset', '0+'),
        f.int32('lastFetchedEpoch', '12+', { default: -1 }),
        f.int64('logStartOffset', '5+', { default: -1 }),
        f.int32('partitionMaxBytes', '0+'),
        f.uuid('replicaDirectoryId', '17+', { tag: 0, taggedVersions: '17+' }),
      ]),
    ]),
    f.array('forgottenTopicsData', '7+', [
      f.string('topic', '7-12'),
      f.uuid('topicId', '13+'),
      f.array('partitions', '7+', 'int32'),
    ]),
    f.string('rackId', '11+', { default: '' }),
  ],
};

const response: MessageSchema = {
  name: 'FetchResponse',
  apiKey: 1,
  type: 'response',
  validVersions: '0-17',
  flexibleVersions: '12+',
  fields: [
    f.int32('throttleTimeMs', '1+'),
    f.int16('errorCode', '7+'),
    f.int32('sessionId', '7+', { default: 0 }),
    f.array('responses', '0+', [
      f.string('topic', '0-12'),
      f.uuid('topicId', '13+'),
      f.array('partitions', '0+', [
        f.int32('partitionIndex', '0+'),
        f.int16('errorCode', '0+'),
        f.int64('highWatermark', '0+'),
        f.int64('lastStableOffset', '4+', { default: -1 }),
        f.int64('logStartOffset', '5+', { default: -1 }),
        f.struct(
          'divergingEpoch',
          '12+',
          [f.int32('epoch', '12+', { default: -1 }), f.int64('endOffset', '12+', { default: -1 })],
          { tag: 0, taggedVersions: '12+' },
        ),
        f.struct(
          'currentLeader',
          '12+',
          [f.int32('leaderId', '12+', { default: -1 }), f.int32('leaderEpoch', '12+', { default: -1 })],
          { tag: 1, taggedVersions: '12+' },
        ),
        f.struct(
          'snapshotId',
          '12+',
          [f.int64('endOffset', '0+', { default: -1 }), f.int32('epoch', '0+', { default: -1 })],
          { tag: 2, taggedVersions: '12+' },
        ),
        f.array('abortedTransactions', '4+', [f.int64('producerId', '4+'), f.int64('firstOffset', '4+')], {
          nullableVersions: '4+',
        }),
        f.int32('preferredReadReplica', '11+', { default: -1 }),
        f.records('records', '0+', { nullableVersions: '0+' }),
      ]),
    ]),
    f.array(
      'nodeEndpoints',
      '16+',
      [
        f.int32('nodeId', '16+'),
        f.string('host', '16+'),
        f.int32('port', '16+'),
        f.string('rack', '16+', { nullableVersions: '16+', default: null }),
      ],
      { tag: 0, taggedVersions: '16+' },
    ),
  ],
};

export const fetchApi: ApiSchema = { apiKey: 1, name: 'Fetch', request, response };
