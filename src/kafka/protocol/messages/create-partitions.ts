// CreatePartitions (key 37), versions 0-3, flexible from 2. v1 and v3 only change broker behaviour
// (throttling), not the shape.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface CreatePartitionsAssignment extends TaggedStruct {
  brokerIds: number[];
}

export interface CreatePartitionsTopic extends TaggedStruct {
  name: string;
  /** The new total partition count. */
  count: number;
  /** One entry per new partition, or null to let the broker place them. */
  assignments: CreatePartitionsAssignment[] | null;
}

export interface CreatePartitionsRequest extends TaggedStruct {
  topics: CreatePartitionsTopic[];
  timeoutMs: number;
  validateOnly: boolean;
}

export interface CreatePartitionsTopicResult extends TaggedStruct {
  name: string;
  errorCode: number;
  errorMessage: string | null;
}

export interface CreatePartitionsResponse extends TaggedStruct {
  throttleTimeMs: number;
  results: CreatePartitionsTopicResult[];
}

const request: MessageSchema = {
  name: 'CreatePartitionsRequest',
  apiKey: 37,
  type: 'request',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    f.array('topics', '0+', [
      f.string('name', '0+'),
      f.int32('count', '0+'),
      f.array('assignments', '0+', [f.array('brokerIds', '0+', 'int32')], { nullableVersions: '0+' }),
    ]),
    f.int32('timeoutMs', '0+'),
    f.bool('validateOnly', '0+'),
  ],
};

const response: MessageSchema = {
  name: 'CreatePartitionsResponse',
  apiKey: 37,
  type: 'response',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    f.int32('throttleTimeMs', '0+'),
    f.array('results', '0+', [
      f.string('name', '0+'),
      f.int16('errorCode', '0+'),
      f.string('errorMessage', '0+', { nullableVersions: '0+', default: null }),
    ]),
  ],
};

export const createPartitionsApi: ApiSchema = { apiKey: 37, name: 'CreatePartitions', request, response };
