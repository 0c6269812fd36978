// DeleteRecords (key 21), versions 0-2, flexible from 2. Moves each partition's log start offset
// up to `offset` (-1: up to the high watermark) and answers with the new low watermark.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface DeleteRecordsPartition extends TaggedStruct {
  partitionIndex: number;
  offset: number;
}

export interface DeleteRecordsTopic extends TaggedStruct {
  name: string;
  partitions: DeleteRecordsPartition[];
}

export interface DeleteRecordsRequest extends TaggedStruct {
  topics: DeleteRecordsTopic[];
  timeoutMs: number;
}

export interface DeleteRecordsPartitionResult extends TaggedStruct {
  partitionIndex: number;
  lowWatermark: number;
  errorCode: number;
}

export interface DeleteRecordsTopicResult extends TaggedStruct {
  name: string;
  partitions: DeleteRecordsPartitionResult[];
}

export interface DeleteRecordsResponse extends TaggedStruct {
  throttleTimeMs: number;
  topics: DeleteRecordsTopicResult[];
}

const request: MessageSchema = {
  name: 'DeleteRecordsRequest',
  apiKey: 21,
  type: 'request',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    f.array('topics', '0+', [
      f.string('name', '0+'),
      f.array('partitions', '0+', [f.int32('partitionIndex', '0+'), f.int64('offset', '0+')]),
    ]),
    f.int32('timeoutMs', '0+'),
  ],
};

const response: MessageSchema = {
  name: 'DeleteRecordsResponse',
  apiKey: 21,
  type: 'response',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    f.int32('throttleTimeMs', '0+'),
    f.array('topics', '0+', [
      f.string('name', '0+'),
      f.array('partitions', '0+', [
        f.int32('partitionIndex', '0+'),
        f.int64('lowWatermark', '0+'),
        f.int16('errorCode', '0+'),
      ]),
    ]),
  ],
};

export const deleteRecordsApi: ApiSchema = { apiKey: 21, name: 'DeleteRecords', request, response };
