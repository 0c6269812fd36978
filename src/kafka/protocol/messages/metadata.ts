// Metadata (key 3), versions 0-12, flexible from 9. v0: an empty topic list means all topics;
// v1+: null means all. v1 adds rack, controller and isInternal; v2 clusterId; v3 throttleTimeMs;
// v4 allowAutoTopicCreation; v5 offlineReplicas; v7 leaderEpoch; v8 authorized operations
// (cluster-level only in 8-10); v10 topic ids; v12 topics looked up by id have a null name.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface MetadataRequestTopic extends TaggedStruct {
  /** v10+. */
  topicId: string;
  /** Null (v10+) when the topic is asked for by id. */
  name: string | null;
}

export interface MetadataRequest extends TaggedStruct {
  /** Null (v1+) asks for every topic; in v0 an empty array does. */
  topics: MetadataRequestTopic[] | null;
  /** v4+; true when absent. */
  allowAutoTopicCreation: boolean;
  /** v8-10. */
  includeClusterAuthorizedOperations: boolean;
  /** v8+. */
  includeTopicAuthorizedOperations: boolean;
}

export interface MetadataResponseBroker extends TaggedStruct {
  nodeId: number;
  host: string;
  port: number;
  /** v1+. */
  rack: string | null;
}

export interface MetadataResponsePartition extends TaggedStruct {
  errorCode: number;
  partitionIndex: number;
  leaderId: number;
  /** v7+. */
  leaderEpoch: number;
  replicaNodes: number[];
  isrNodes: number[];
  /** v5+. */
  offlineReplicas: number[];
}

export interface MetadataResponseTopic extends TaggedStruct {
  errorCode: number;
  /** Null only in v12+. */
  name: string | null;
  /** v10+. */
  topicId: string;
  /** v1+. */
  isInternal: boolean;
  partitions: MetadataResponsePartition[];
  /** v8+; -2147483648 when not asked for. */
  topicAuthorizedOperations: number;
}

export interface MetadataResponse extends TaggedStruct {
  /** v3+. */
  throttleTimeMs: number;
  brokers: MetadataResponseBroker[];
  /** v2+. */
  clusterId: string | null;
  /** v1+. */
  controllerId: number;
  topics: MetadataResponseTopic[];
  /** v8-10. */
  clusterAuthorizedOperations: number;
}

const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

const request: MessageSchema = {
  name: 'MetadataRequest',
  apiKey: 3,
  type: 'request',
  validVersions: '0-12',
  flexibleVersions: '9+',
  fields: [
    f.array('topics', '0+', [f.uuid('topicId', '10+'), f.string('name', '0+', { nullableVersions: '10+' })], {
      nullableVersions: '1+',
    }),
    f.bool('allowAutoTopicCreation', '4+', { default: true }),
    f.bool('includeClusterAuthorizedOperations', '8-10'),
    f.bool('includeTopicAuthorizedOperations', '8+'),
  ],
};

const response: MessageSchema = {
  name: 'MetadataResponse',
  apiKey: 3,
  type: 'response',
  validVersions: '0-12',
  flexibleVersions: '9+',
  fields: [
    f.int32('throttleTimeMs', '3+'),
    f.array('brokers', '0+', [
      f.int32('nodeId', '0+'),
      f.string('host', '0+'),
      f.int32('port', '0+'),
      f.string('rack', '1+', { nullableVersions: '1+', default: null }),
    ]),
    f.string('clusterId', '2+', { nullableVersions: '2+', default: null }),
    f.int32('controllerId', '1+', { default: -1 }),
    f.array('topics', '0+', [
      f.int16('errorCode', '0+'),
      f.string('name', '0+', { nullableVersions: '12+' }),
      f.uuid('topicId', '10+'),
      f.bool('isInternal', '1+', { default: false }),
      f.array('partitions', '0+', [
        f.int16('errorCode', '0+'),
        f.int32('partitionIndex', '0+'),
        f.int32('leaderId', '0+'),
        f.int32('leaderEpoch', '7+', { default: -1 }),
        f.array('replicaNodes', '0+', 'int32'),
        f.array('isrNodes', '0+', 'int32'),
        f.array('offlineReplicas', '5+', 'int32'),
      ]),
      f.int32('topicAuthorizedOperations', '8+', { default: AUTHORIZED_OPERATIONS_OMITTED }),
    ]),
    f.int32('clusterAuthorizedOperations', '8-10', { default: AUTHORIZED_OPERATIONS_OMITTED }),
  ],
};

export const metadataApi: ApiSchema = { apiKey: 3, name: 'Metadata', request, response };
