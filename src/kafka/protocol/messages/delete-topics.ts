// DeleteTopics (key 20), versions 0-6, flexible from 4. v0-5 name topics by `topicNames`; v6
// replaces them with `topics`, each named by name or by topic id. v5 adds per-topic error messages.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface DeleteTopicState extends TaggedStruct {
  /** Null when the topic is named by `topicId`. */
  name: string | null;
  topicId: string;
}

export interface DeleteTopicsRequest extends TaggedStruct {
  /** v6+. */
  topics: DeleteTopicState[];
  /** v0-5. */
  topicNames: string[];
  timeoutMs: number;
}

export interface DeletableTopicResult extends TaggedStruct {
  name: string | null;
  topicId: string;
  errorCode: number;
  errorMessage: string | null;
}

export interface DeleteTopicsResponse extends TaggedStruct {
  throttleTimeMs: number;
  responses: DeletableTopicResult[];
}

const request: MessageSchema = {
  name: 'DeleteTopicsRequest',
  apiKey: 20,
  type: 'request',
  validVersions: '0-6',
  flexibleVersions: '4+',
  fields: [
    f.array('topics', '6+', [
      f.string('name', '6+', { nullableVersions: '6+', default: null }),
      f.uuid('topicId', '6+'),
    ]),
    f.array('topicNames', '0-5', 'string'),
    f.int32('timeoutMs', '0+'),
  ],
};

const response: MessageSchema = {
  name: 'DeleteTopicsResponse',
  apiKey: 20,
  type: 'response',
  validVersions: '0-6',
  flexibleVersions: '4+',
  fields: [
    f.int32('throttleTimeMs', '1+'),
    f.array('responses', '0+', [
      f.string('name', '0+', { nullableVersions: '6+' }),
      f.uuid('topicId', '6+'),
      f.int16('errorCode', '0+'),
      f.string('errorMessage', '5+', { nullableVersions: '5+', default: null }),
    ]),
  ],
};

export const deleteTopicsApi: ApiSchema = { apiKey: 20, name: 'DeleteTopics', request, response };
