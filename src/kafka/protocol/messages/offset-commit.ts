// OffsetCommit (key 8), versions 0-9, flexible from 8. v1 adds generation/member and a per-partition
// commit timestamp (v1 only); v2-4 carry retentionTimeMs instead; v6 adds committedLeaderEpoch;
// v7 adds groupInstanceId; v9 is v8 for the new consumer protocol (KIP-848).
// A commit with generation -1 and an empty member id comes from a consumer outside any group
// (kcat, assign()) and must be accepted.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface OffsetCommitRequestPartition extends TaggedStruct {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  /** v1 only. */
  commitTimestamp: number;
  committedMetadata: string | null;
}

export interface OffsetCommitRequestTopic extends TaggedStruct {
  name: string;
  partitions: OffsetCommitRequestPartition[];
}

export interface OffsetCommitRequest extends TaggedStruct {
  groupId: string;
  generationIdOrMemberEpoch: number;
  memberId: string;
  groupInstanceId: string | null;
  /** v2-4; -1: the broker's retention. */
  retentionTimeMs: number;
  topics: OffsetCommitRequestTopic[];
}

export interface OffsetCommitResponsePartition extends TaggedStruct {
  partitionIndex: number;
  errorCode: number;
}

export interface OffsetCommitResponseTopic extends TaggedStruct {
  name: string;
  partitions: OffsetCommitResponsePartition[];
}

export interface OffsetCommitResponse extends TaggedStruct {
  throttleTimeMs: number;
  topics: OffsetCommitResponseTopic[];
}

const request: MessageSchema = {
  name: 'OffsetCommitRequest',
  apiKey: 8,
  type: 'request',
  validVersions: '0-9',
  flexibleVersions: '8+',
  fields: [
    f.string('groupId', '0+'),
    f.int32('generationIdOrMemberEpoch', '1+', { default: -1 }),
    f.string('memberId', '1+'),
    f.string('groupInstanceId', '7+', { nullableVersions: '7+', default: null }),
    f.int64('retentionTimeMs', '2-4', { default: -1 }),
    f.array('topics', '0+', [
      f.string('name', '0+'),
      f.array('partitions', '0+', [
        f.int32('partitionIndex', '0+'),
        f.int64('committedOffset', '0+'),
        f.int32('committedLeaderEpoch', '6+', { default: -1 }),
        f.int64('commitTimestamp', '1', { default: -1 }),
        f.string('committedMetadata', '0+', { nullableVersions: '0+' }),
      ]),
    ]),
  ],
};

const response: MessageSchema = {
  name: 'OffsetCommitResponse',
  apiKey: 8,
  type: 'response',
  validVersions: '0-9',
  flexibleVersions: '8+',
  fields: [
    f.int32('throttleTimeMs', '3+'),
    f.array('topics', '0+', [
      f.string('name', '0+'),
      f.array('partitions', '0+', [f.int32('partitionIndex', '0+'), f.int16('errorCode', '0+')]),
    ]),
  ],
};

export const offsetCommitApi: ApiSchema = { apiKey: 8, name: 'OffsetCommit', request, response };
