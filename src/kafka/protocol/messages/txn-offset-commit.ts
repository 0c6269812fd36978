// TxnOffsetCommit (key 28), versions 0-4, flexible from 3: a transactional producer commits a
// consumer group's offsets inside its transaction; they become the group's only when the
// transaction commits. v2 adds the committed leader epoch; v3 the member id, group instance id and
// generation (KIP-447), checked like OffsetCommit's; v4 only allows TRANSACTION_ABORTABLE
// (KIP-890).
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface TxnOffsetCommitRequestPartition extends TaggedStruct {
  partitionIndex: number;
  committedOffset: number;
  /** v2+; -1 when absent. */
  committedLeaderEpoch: number;
  committedMetadata: string | null;
}

export interface TxnOffsetCommitRequestTopic extends TaggedStruct {
  name: string;
  partitions: TxnOffsetCommitRequestPartition[];
}

export interface TxnOffsetCommitRequest extends TaggedStruct {
  transactionalId: string;
  groupId: string;
  producerId: number;
  producerEpoch: number;
  /** v3+; -1 when absent. */
  generationId: number;
  /** v3+; '' when absent. */
  memberId: string;
  /** v3+. */
  groupInstanceId: string | null;
  topics: TxnOffsetCommitRequestTopic[];
}

export interface TxnOffsetCommitResponsePartition extends TaggedStruct {
  partitionIndex: number;
  errorCode: number;
}

export interface TxnOffsetCommitResponseTopic extends TaggedStruct {
  name: string;
  partitions: TxnOffsetCommitResponsePartition[];
}

export interface TxnOffsetCommitResponse extends TaggedStruct {
  throttleTimeMs: number;
  topics: TxnOffsetCommitResponseTopic[];
}

const request: MessageSchema = {
  name: 'TxnOffsetCommitRequest',
  apiKey: 28,
  type: 'request',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    f.string('transactionalId', '0+'),
    f.string('groupId', '0+'),
    f.int64('producerId', '0+'),
    f.int16('producerEpoch', '0+'),
    f.int32('generationId', '3+', { default: -1 }),
    f.string('memberId', '3+', { default: '' }),
    f.string('groupInstanceId', '3+', { nullableVersions: '3+', default: null }),
    f.array('topics', '0+', [
      f.string('name', '0+'),
      f.array('partitions', '0+', [
        f.int32('partitionIndex', '0+'),
        f.int64('committedOffset', '0+'),
        f.int32('committedLeaderEpoch', '2+', { default: -1 }),
        f.string('committedMetadata', '0+', { nullableVersions: '0+' }),
      ]),
    ]),
  ],
};

const response: MessageSchema = {
  name: 'TxnOffsetCommitResponse',
  apiKey: 28,
  type: 'response',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    f.int32('throttleTimeMs', '0+'),
    f.array('topics', '0+', [
      f.string('name', '0+'),
      f.array('partitions', '0+', [f.int32('partitionIndex', '0+'), f.int16('errorCode', '0+')]),
    ]),
  ],
};

export const txnOffsetCommitApi: ApiSchema = { apiKey: 28, name: 'TxnOffsetCommit', request, response };
