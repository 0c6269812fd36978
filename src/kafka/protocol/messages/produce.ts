// Produce (key 0), versions 0-11, flexible from 9. v3 adds transactionalId (and means record
// batch v2 only); v2 logAppendTimeMs; v5 logStartOffset; v8 per-record errors; v10 the tagged
// currentLeader / nodeEndpoints hints of KIP-951; v11 changes only error semantics. Records stay
// opaque bytes here: the handler validates the batch, the codec never looks inside.
import { f, type MessageSchema, type RecordsValue, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface PartitionProduceData extends TaggedStruct {
  index: number;
  /** A view into the request frame when decoded. */
  records: RecordsValue;
}

export interface TopicProduceData extends TaggedStruct {
  name: string;
  partitionData: PartitionProduceData[];
}

export interface ProduceRequest extends TaggedStruct {
  /** v3+. */
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topicData: TopicProduceData[];
}

export interface BatchIndexAndErrorMessage extends TaggedStruct {
  batchIndex: number;
  batchIndexErrorMessage: string | null;
}

export interface LeaderIdAndEpoch extends TaggedStruct {
  leaderId: number;
  leaderEpoch: number;
}

export interface PartitionProduceResponse extends TaggedStruct {
  index: number;
  errorCode: number;
  baseOffset: number;
  /** v2+; -1 unless the topic uses LogAppendTime. */
  logAppendTimeMs: number;
  /** v5+. */
  logStartOffset: number;
  /** v8+. */
  recordErrors: BatchIndexAndErrorMessage[];
  /** v8+. */
  errorMessage: string | null;
  /** Tagged (tag 0, v10+): written only when not (-1, -1). */
  currentLeader: LeaderIdAndEpoch;
}

export interface TopicProduceResponse extends TaggedStruct {
  name: string;
  partitionResponses: PartitionProduceResponse[];
}

export interface NodeEndpoint extends TaggedStruct {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface ProduceResponse extends TaggedStruct {
  responses: TopicProduceResponse[];
  /** v1+. */
  throttleTimeMs: number;
  /** Tagged (tag 0, v10+). */
  nodeEndpoints: NodeEndpoint[];
}

const request: MessageSchema = {
  name: 'ProduceRequest',
  apiKey: 0,
  type: 'request',
  validVersions: '0-11',
  flexibleVersions: '9+',
  fields: [
    f.string('transactionalId', '3+', { nullableVersions: '3+', default: null }),
    f.int16('acks', '0+'),
    f.int32('timeoutMs', '0+'),
    f.array('topicData', '0+', [
      f.string('name', '0+'),
      f.array('partitionData', '0+', [f.int32('index', '0+'), f.records('records', '0+', { nullableVersions: '0+' })]),
    ]),
  ],
};

const response: MessageSchema = {
  name: 'ProduceResponse',
  apiKey: 0,
  type: 'response',
  validVersions: '0-11',
  flexibleVersions: '9+',
  fields: [
    f.array('responses', '0+', [
      f.string('name', '0+'),
      f.array('partitionResponses', '0+', [
        f.int32('index', '0+'),
        f.int16('errorCode', '0+'),
        f.int64('baseOffset', '0+'),
        f.int64('logAppendTimeMs', '2+', { default: -1 }),
        f.int64('logStartOffset', '5+', { default: -1 }),
        f.array('recordErrors', '8+', [
          f.int32('batchIndex', '8+'),
          f.string('batchIndexErrorMessage', '8+', { nullableVersions: '8+', default: null }),
        ]),
        f.string('errorMessage', '8+', { nullableVersions: '8+', default: null }),
        f.struct(
          'currentLeader',
          '10+',
          [f.int32('leaderId', '10+', { default: -1 }), f.int32('leaderEpoch', '10+', { default: -1 })],
          { tag: 0, taggedVersions: '10+' },
        ),
      ]),
    ]),
    f.int32('throttleTimeMs', '1+', { default: 0 }),
    f.array(
      'nodeEndpoints',
      '10+',
      [
        f.int32('nodeId', '10+'),
        f.string('host', '10+'),
        f.int32('port', '10+'),
        f.string('rack', '10+', { nullableVersions: '10+', default: null }),
      ],
      { tag: 0, taggedVersions: '10+' },
    ),
  ],
};

export const produceApi: ApiSchema = { apiKey: 0, name: 'Produce', request, response };
