// ElectLeaders (key 43), versions 0-2, flexible from 2. v1 adds the election type (0 preferred,
// 1 unclean; v0 is preferred only) and a top-level error code.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface ElectLeadersTopicPartitions extends TaggedStruct {
  topic: string;
  partitions: number[];
}

export interface ElectLeadersRequest extends TaggedStruct {
  electionType: number;
  /** null: every partition of the cluster. */
  topicPartitions: ElectLeadersTopicPartitions[] | null;
  timeoutMs: number;
}

export interface ElectLeadersPartitionResult extends TaggedStruct {
  partitionId: number;
  errorCode: number;
  errorMessage: string | null;
}

export interface ElectLeadersTopicResult extends TaggedStruct {
  topic: string;
  partitionResult: ElectLeadersPartitionResult[];
}

export interface ElectLeadersResponse extends TaggedStruct {
  throttleTimeMs: number;
  errorCode: number;
  replicaElectionResults: ElectLeadersTopicResult[];
}

const request: MessageSchema = {
  name: 'ElectLeadersRequest',
  apiKey: 43,
  type: 'request',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    f.int8('electionType', '1+'),
    f.array('topicPartitions', '0+', [f.string('topic', '0+'), f.array('partitions', '0+', 'int32')], {
      nullableVersions: '0+',
    }),
    f.int32('timeoutMs', '0+', { default: 60_000 }),
  ],
};

const response: MessageSchema = {
  name: 'ElectLeadersResponse',
  apiKey: 43,
  type: 'response',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    f.int32('throttleTimeMs', '0+'),
    f.int16('errorCode', '1+'),
    f.array('replicaElectionResults', '0+', [
      f.string('topic', '0+'),
      f.array('partitionResult', '0+', [
        f.int32('partitionId', '0+'),
        f.int16('errorCode', '0+'),
        f.string('errorMessage', '0+', { nullableVersions: '0+', default: null }),
      ]),
    ]),
  ],
};

export const electLeadersApi: ApiSchema = { apiKey: 43, name: 'ElectLeaders', request, response };
