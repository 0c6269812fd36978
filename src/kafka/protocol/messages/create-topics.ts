// CreateTopics (key 19), versions 0-7, flexible from 5. v1 adds validateOnly; v4 lets
// numPartitions/replicationFactor be -1 (broker defaults); v5 returns the topic's configs; v7
// returns the topic id.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface CreatableReplicaAssignment extends TaggedStruct {
  partitionIndex: number;
  brokerIds: number[];
}

export interface CreatableTopicConfig extends TaggedStruct {
  name: string;
  value: string | null;
}

export interface CreatableTopic extends TaggedStruct {
  name: string;
  /** -1: the broker's default, or the count implied by `assignments`. */
  numPartitions: number;
  /** -1: the broker's default, or the count implied by `assignments`. */
  replicationFactor: number;
  assignments: CreatableReplicaAssignment[];
  configs: CreatableTopicConfig[];
}

export interface CreateTopicsRequest extends TaggedStruct {
  topics: CreatableTopic[];
  timeoutMs: number;
  validateOnly: boolean;
}

export interface CreatableTopicConfigs extends TaggedStruct {
  name: string;
  value: string | null;
  readOnly: boolean;
  configSource: number;
  isSensitive: boolean;
}

export interface CreatableTopicResult extends TaggedStruct {
  name: string;
  topicId: string;
  errorCode: number;
  errorMessage: string | null;
  /** Tagged (tag 0, v5+): set when the configs could not be returned. */
  topicConfigErrorCode: number;
  numPartitions: number;
  replicationFactor: number;
  configs: CreatableTopicConfigs[] | null;
}

export interface CreateTopicsResponse extends TaggedStruct {
  throttleTimeMs: number;
  topics: CreatableTopicResult[];
}

const request: MessageSchema = {
  name: 'CreateTopicsRequest',
  apiKey: 19,
  type: 'request',
  validVersions: '0-7',
  flexibleVersions: '5+',
  fields: [
    f.array('topics', '0+', [
      f.string('name', '0+'),
      f.int32('numPartitions', '0+'),
      f.int16('replicationFactor', '0+'),
      f.array('assignments', '0+', [f.int32('partitionIndex', '0+'), f.array('brokerIds', '0+', 'int32')]),
      f.array('configs', '0+', [f.string('name', '0+'), f.string('value', '0+', { nullableVersions: '0+' })]),
    ]),
    f.int32('timeoutMs', '0+', { default: 60000 }),
    f.bool('validateOnly', '1+', { default: false }),
  ],
};

const response: MessageSchema = {
  name: 'CreateTopicsResponse',
  apiKey: 19,
  type: 'response',
  validVersions: '0-7',
  flexibleVersions: '5+',
  fields: [
    f.int32('throttleTimeMs', '2+'),
    f.array('topics', '0+', [
      f.string('name', '0+'),
      f.uuid('topicId', '7+'),
      f.int16('errorCode', '0+'),
      f.string('errorMessage', '1+', { nullableVersions: '0+' }),
      f.int16('topicConfigErrorCode', '5+', { tag: 0, taggedVersions: '5+' }),
      f.int32('numPartitions', '5+', { default: -1 }),
      f.int16('replicationFactor', '5+', { default: -1 }),
      f.array(
        'configs',
        '5+',
        [
          f.string('name', '5+'),
          f.string('value', '5+', { nullableVersions: '5+' }),
          f.bool('readOnly', '5+'),
          f.int8('configSource', '5+', { default: -1 }),
          f.bool('isSensitive', '5+'),
        ],
        { nullableVersions: '5+' },
      ),
    ]),
  ],
};

export const createTopicsApi: ApiSchema = { apiKey: 19, name: 'CreateTopics', request, response };
