// AlterPartitionReassignments (key 45), version 0, flexible: per partition the replicas it should
// move to, or null to cancel the reassignment under way.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface ReassignablePartition extends TaggedStruct {
  partitionIndex: number;
  /** null: cancel the reassignment of this partition. */
  replicas: number[] | null;
}

export interface ReassignableTopic extends TaggedStruct {
  name: string;
  partitions: ReassignablePartition[];
}

export interface AlterPartitionReassignmentsRequest extends TaggedStruct {
  timeoutMs: number;
  topics: ReassignableTopic[];
}

export interface ReassignablePartitionResponse extends TaggedStruct {
  partitionIndex: number;
  errorCode: number;
  errorMessage: string | null;
}

export interface ReassignableTopicResponse extends TaggedStruct {
  name: string;
  partitions: ReassignablePartitionResponse[];
}

export interface AlterPartitionReassignmentsResponse extends TaggedStruct {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  responses: ReassignableTopicResponse[];
}

const request: MessageSchema = {
  name: 'AlterPartitionReassignmentsRequest',
  apiKey: 45,
  type: 'request',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    f.int32('timeoutMs', '0+', { default: 60_000 }),
    f.array('topics', '0+', [
      f.string('name', '0+'),
      f.array('partitions', '0+', [
        f.int32('partitionIndex', '0+'),
        f.array('replicas', '0+', 'int32', { nullableVersions: '0+', default: null }),
      ]),
    ]),
  ],
};

const response: MessageSchema = {
  name: 'AlterPartitionReassignmentsResponse',
  apiKey: 45,
  type: 'response',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    f.int32('throttleTimeMs', '0+'),
    f.int16('errorCode', '0+'),
    f.string('errorMessage', '0+', { nullableVersions: '0+', default: null }),
    f.array('responses', '0+', [
      f.string('name', '0+'),
      f.array('partitions', '0+', [
        f.int32('partitionIndex', '0+'),
        f.int16('errorCode', '0+'),
        f.string('errorMessage', '0+', { nullableVersions: '0+', default: null }),
      ]),
    ]),
  ],
};

export const alterPartitionReassignmentsApi: ApiSchema = {
  apiKey: 45,
  name: 'AlterPartitionReassignments',
  request,
  response,
};
