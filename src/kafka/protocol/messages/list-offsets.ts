// ListOffsets (key 2), versions 0-10, flexible from 6. v0 asks for up to maxNumOffsets offsets
// and answers with oldStyleOffsets; v1+ answer one (timestamp, offset); v2 isolationLevel; v4
// currentLeaderEpoch and leaderEpoch (KIP-320); v7 allows MAX_TIMESTAMP (-3); v8 and v9 allow the
// tiered-storage timestamps -4 and -5; v10 adds timeoutMs. Timestamps: -1 latest, -2 earliest.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface ListOffsetsPartition extends TaggedStruct {
  partitionIndex: number;
  /** v4+; -1 means "do not check". */
  currentLeaderEpoch: number;
  timestamp: number;
  /** v0 only. */
  maxNumOffsets: number;
}

export interface ListOffsetsTopic extends TaggedStruct {
  name: string;
  partitions: ListOffsetsPartition[];
}

export interface ListOffsetsRequest extends TaggedStruct {
  replicaId: number;
  /** v2+: 0 read_uncommitted, 1 read_committed. */
  isolationLevel: number;
  topics: ListOffsetsTopic[];
  /** v10+. */
  timeoutMs: number;
}

export interface ListOffsetsPartitionResponse extends TaggedStruct {
  partitionIndex: number;
  errorCode: number;
  /** v0 only. */
  oldStyleOffsets: number[];
  /** v1+. */
  timestamp: number;
  /** v1+. */
  offset: number;
  /** v4+. */
  leaderEpoch: number;
}

export interface ListOffsetsTopicResponse extends TaggedStruct {
  name: string;
  partitions: ListOffsetsPartitionResponse[];
}

export interface ListOffsetsResponse extends TaggedStruct {
  /** v2+. */
  throttleTimeMs: number;
  topics: ListOffsetsTopicResponse[];
}

const request: MessageSchema = {
  name: 'ListOffsetsRequest',
  apiKey: 2,
  type: 'request',
  validVersions: '0-10',
  flexibleVersions: '6+',
  fields: [
    f.int32('replicaId', '0+'),
    f.int8('isolationLevel', '2+'),
    f.array('topics', '0+', [
      f.string('name', '0+'),
      f.array('partitions', '0+', [
        f.int32('partitionIndex', '0+'),
        f.int32('currentLeaderEpoch', '4+', { default: -1 }),
        f.int64('timestamp', '0+'),
        f.int32('maxNumOffsets', '0', { default: 1 }),
      ]),
    ]),
    f.int32('timeoutMs', '10+'),
  ],
};

const response: MessageSchema = {
  name: 'ListOffsetsResponse',
  apiKey: 2,
  type: 'response',
  validVersions: '0-10',
  flexibleVersions: '6+',
  fields: [
    f.int32('throttleTimeMs', '2+'),
    f.array('topics', '0+', [
      f.string('name', '0+'),
      f.array('partitions', '0+', [
        f.int32('partitionIndex', '0+'),
        f.int16('errorCode', '0+'),
        f.array('oldStyleOffsets', '0', 'int64'),
        f.int64('timestamp', '1+', { default: -1 }),
        f.int64('offset', '1+', { default: -1 }),
        f.int32('leaderEpoch', '4+', { default: -1 }),
      ]),
    ]),
  ],
};

export const listOffsetsApi: ApiSchema = { apiKey: 2, name: 'ListOffsets', request, response };
