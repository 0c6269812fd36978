// OffsetDelete (key 47), version 0 only, never flexible. Deletes a group's committed offsets for
// partitions the group no longer subscribes to.
import { f, type MessageSchema } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface OffsetDeleteRequestPartition {
  partitionIndex: number;
}

export interface OffsetDeleteRequestTopic {
  name: string;
  partitions: OffsetDeleteRequestPartition[];
}

export interface OffsetDeleteRequest {
  groupId: string;
  topics: OffsetDeleteRequestTopic[];
}

export interface OffsetDeleteResponsePartition {
  partitionIndex: number;
  errorCode: number;
}

export interface OffsetDeleteResponseTopic {
  name: string;
  partitions: OffsetDeleteResponsePartition[];
}

export interface OffsetDeleteResponse {
  errorCode: number;
  throttleTimeMs: number;
  topics: OffsetDeleteResponseTopic[];
}

const request: MessageSchema = {
  name: 'OffsetDeleteRequest',
  apiKey: 47,
  type: 'request',
  validVersions: '0',
  flexibleVersions: 'none',
  fields: [
    f.string('groupId', '0+'),
    f.array('topics', '0+', [f.string('name', '0+'), f.array('partitions', '0+', [f.int32('partitionIndex', '0+')])]),
  ],
};

const response: MessageSchema = {
  name: 'OffsetDeleteResponse',
  apiKey: 47,
  type: 'response',
  validVersions: '0',
  flexibleVersions: 'none',
  fields: [
    f.int16('errorCode', '0+'),
    f.int32('throttleTimeMs', '0+'),
    f.array('topics', '0+', [
      f.string('name', '0+'),
      f.array('partitions', '0+', [f.int32('partitionIndex', '0+'), f.int16('errorCode', '0+')]),
    ]),
  ],
};

export const offsetDeleteApi: ApiSchema = { apiKey: 47, name: 'OffsetDelete', request, response };
