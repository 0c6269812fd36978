// OffsetForLeaderEpoch (key 23), versions 0-4, flexible from 4. v1 returns the leader epoch of
// the answer; v2 adds currentLeaderEpoch (KIP-320) and throttleTimeMs; v3 replicaId (consumers
// send -1, followers their id; -2 when absent). The answer is the end offset of the largest epoch
// not above the one asked for.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface OffsetForLeaderPartition extends TaggedStruct {
  partition: number;
  /** v2+; -1 means "do not check". */
  currentLeaderEpoch: number;
  leaderEpoch: number;
}

export interface OffsetForLeaderTopic extends TaggedStruct {
  topic: string;
  partitions: OffsetForLeaderPartition[];
}

export interface OffsetForLeaderEpochRequest extends TaggedStruct {
  /** v3+; -2 when absent. */
  replicaId: number;
  topics: OffsetForLeaderTopic[];
}

export interface EpochEndOffset extends TaggedStruct {
  errorCode: number;
  partition: number;
  /** v1+. */
  leaderEpoch: number;
  endOffset: number;
}

export interface OffsetForLeaderTopicResult extends TaggedStruct {
  topic: string;
  partitions: EpochEndOffset[];
}

export interface OffsetForLeaderEpochResponse extends TaggedStruct {
  /** v2+. */
  throttleTimeMs: number;
  topics: OffsetForLeaderTopicResult[];
}

const request: MessageSchema = {
  name: 'OffsetForLeaderEpochRequest',
  apiKey: 23,
  type: 'request',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    f.int32('replicaId', '3+', { default: -2 }),
    f.array('topics', '0+', [
      f.string('topic', '0+'),
      f.array('partitions', '0+', [
        f.int32('partition', '0+'),
        f.int32('currentLeaderEpoch', '2+', { default: -1 }),
        f.int32('leaderEpoch', '0+'),
      ]),
    ]),
  ],
};

const response: MessageSchema = {
  name: 'OffsetForLeaderEpochResponse',
  apiKey: 23,
  type: 'response',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    f.int32('throttleTimeMs', '2+'),
    f.array('topics', '0+', [
      f.string('topic', '0+'),
      f.array('partitions', '0+', [
        f.int16('errorCode', '0+'),
        f.int32('partition', '0+'),
        f.int32('leaderEpoch', '1+', { default: -1 }),
        f.int64('endOffset', '0+', { default: -1 }),
      ]),
    ]),
  ],
};

export const offsetForLeaderEpochApi: ApiSchema = { apiKey: 23, name: 'OffsetForLeaderEpoch', request, response };
