// ListPartitionReassignments (key 46), version 0, flexible: the reassignments under way, of the
// named partitions or (topics null) of every partition.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface ListPartitionReassignmentsTopics extends TaggedStruct {
  name: string;
  partitionIndexes: number[];
}

export interface ListPartitionReassignmentsRequest extends TaggedStruct {
  timeoutMs: number;
  /** null: every reassignment under way. */
  topics: ListPartitionReassignmentsTopics[] | null;
}

export interface OngoingPartitionReassignment extends TaggedStruct {
  partitionIndex: number;
  /** Every replica now: the current ones and those being added. */
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}

export interface OngoingTopicReassignment extends TaggedStruct {
  name: string;
  partitions: OngoingPartitionReassignment[];
}

export interface ListPartitionReassignmentsResponse extends TaggedStruct {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  topics: OngoingTopicReassignment[];
}

const request: MessageSchema = {
  name: 'ListPartitionReassignmentsRequest',
  apiKey: 46,
  type: 'request',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    f.int32('timeoutMs', '0+', { default: 60_000 }),
    f.array('topics', '0+', [f.string('name', '0+'), f.array('partitionIndexes', '0+', 'int32')], {
      nullableVersions: '0+',
      default: null,
    }),
  ],
};

const response: MessageSchema = {
  name: 'ListPartitionReassignmentsResponse',
  apiKey: 46,
  type: 'response',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    f.int32('throttleTimeMs', '0+'),
    f.int16('errorCode', '0+'),
    f.string('errorMessage', '0+', { nullableVersions: '0+', default: null }),
    f.array('topics', '0+', [
      f.string('name', '0+'),
      f.array('partitions', '0+', [
        f.int32('partitionIndex', '0+'),
        f.array('replicas', '0+', 'int32'),
        f.array('addingReplicas', '0+', 'int32'),
        f.array('removingReplicas', '0+', 'int32'),
      ]),
    ]),
  ],
};

export const listPartitionReassignmentsApi: ApiSchema = {
  apiKey: 46,
  name: 'ListPartitionReassignments',
  request,
  response,
};
