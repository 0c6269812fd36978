// OffsetFetch (key 9), versions 0-9, flexible from 6. v2 allows null topics (all of the group's)
// and adds a top-level error; v5 adds committedLeaderEpoch; v7 adds requireStable. v8 changes the
// shape: many groups per request (`groups`) and per response (`groups`), and the single-group
// fields (v0-7) are gone. v9 adds memberId/memberEpoch for the new consumer protocol.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface OffsetFetchRequestTopic extends TaggedStruct {
  name: string;
  partitionIndexes: number[];
}

export interface OffsetFetchRequestGroup extends TaggedStruct {
  groupId: string;
  memberId: string | null;
  memberEpoch: number;
  /** Null: every topic the group has offsets for. */
  topics: OffsetFetchRequestTopic[] | null;
}

export interface OffsetFetchRequest extends TaggedStruct {
  /** v0-7. */
  groupId: string;
  /** v0-7; null (v2+): every topic the group has offsets for. */
  topics: OffsetFetchRequestTopic[] | null;
  /** v8+. */
  groups: OffsetFetchRequestGroup[];
  requireStable: boolean;
}

export interface OffsetFetchResponsePartition extends TaggedStruct {
  partitionIndex: number;
  /** -1: no committed offset. */
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

export interface OffsetFetchResponseTopic extends TaggedStruct {
  name: string;
  partitions: OffsetFetchResponsePartition[];
}

export interface OffsetFetchResponseGroup extends TaggedStruct {
  groupId: string;
  topics: OffsetFetchResponseTopic[];
  errorCode: number;
}

export interface OffsetFetchResponse extends TaggedStruct {
  throttleTimeMs: number;
  /** v0-7. */
  topics: OffsetFetchResponseTopic[];
  /** v2-7. */
  errorCode: number;
  /** v8+. */
  groups: OffsetFetchResponseGroup[];
}

const request: MessageSchema = {
  name: 'OffsetFetchRequest',
  apiKey: 9,
  type: 'request',
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    f.string('groupId', '0-7'),
    f.array('topics', '0-7', [f.string('name', '0-7'), f.array('partitionIndexes', '0-7', 'int32')], {
      nullableVersions: '2-7',
    }),
    f.array('groups', '8+', [
      f.string('groupId', '8+'),
      f.string('memberId', '9+', { nullableVersions: '9+', default: null }),
      f.int32('memberEpoch', '9+', { default: -1 }),
      f.array('topics', '8+', [f.string('name', '8+'), f.array('partitionIndexes', '8+', 'int32')], {
        nullableVersions: '8+',
      }),
    ]),
    f.bool('requireStable', '7+', { default: false }),
  ],
};

// The v0-7 and v8+ partition entries are the same fields under different version ranges.
function partitionFields(versions: string, leaderEpochVersions: string) {
  return [
    f.int32('partitionIndex', versions),
    f.int64('committedOffset', versions),
    f.int32('committedLeaderEpoch', leaderEpochVersions, { default: -1 }),
    f.string('metadata', versions, { nullableVersions: versions }),
    f.int16('errorCode', versions),
  ];
}

const response: MessageSchema = {
  name: 'OffsetFetchResponse',
  apiKey: 9,
  type: 'response',
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: [
    f.int32('throttleTimeMs', '3+'),
    f.array('topics', '0-7', [f.string('name', '0-7'), f.array('partitions', '0-7', partitionFields('0-7', '5-7'))]),
    f.int16('errorCode', '2-7', { default: 0 }),
    f.array('groups', '8+', [
      f.string('groupId', '8+'),
      f.array('topics', '8+', [f.string('name', '8+'), f.array('partitions', '8+', partitionFields('8+', '8+'))]),
      f.int16('errorCode', '8+', { default: 0 }),
    ]),
  ],
};

export const offsetFetchApi: ApiSchema = { apiKey: 9, name: 'OffsetFetch', request, response };
