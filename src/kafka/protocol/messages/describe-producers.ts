// DescribeProducers (key 61), version 0, flexible: per partition, the producers its leader tracks
// (KIP-664, what kafka-transactions.sh find-hanging reads): id, epoch, last sequence and
// timestamp, the coordinator epoch of its last marker and where its open transaction starts.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface DescribeProducersRequestTopic extends TaggedStruct {
  name: string;
  partitionIndexes: number[];
}

export interface DescribeProducersRequest extends TaggedStruct {
  topics: DescribeProducersRequestTopic[];
}

export interface ProducerStateResponse extends TaggedStruct {
  producerId: number;
  producerEpoch: number;
  /** -1 when no batch of the current epoch is retained. */
  lastSequence: number;
  lastTimestamp: number;
  coordinatorEpoch: number;
  /** -1 when no transaction is open on the partition. */
  currentTxnStartOffset: number;
}

export interface DescribeProducersPartitionResponse extends TaggedStruct {
  partitionIndex: number;
  errorCode: number;
  errorMessage: string | null;
  activeProducers: ProducerStateResponse[];
}

export interface DescribeProducersTopicResponse extends TaggedStruct {
  name: string;
  partitions: DescribeProducersPartitionResponse[];
}

export interface DescribeProducersResponse extends TaggedStruct {
  throttleTimeMs: number;
  topics: DescribeProducersTopicResponse[];
}

const request: MessageSchema = {
  name: 'DescribeProducersRequest',
  apiKey: 61,
  type: 'request',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [f.array('topics', '0+', [f.string('name', '0+'), f.array('partitionIndexes', '0+', 'int32')])],
};

const response: MessageSchema = {
  name: 'DescribeProducersResponse',
  apiKey: 61,
  type: 'response',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    f.int32('throttleTimeMs', '0+'),
    f.array('topics', '0+', [
      f.string('name', '0+'),
      f.array('partitions', '0+', [
        f.int32('partitionIndex', '0+'),
        f.int16('errorCode', '0+'),
        f.string('errorMessage', '0+', { nullableVersions: '0+', default: null }),
        f.array('activeProducers', '0+', [
          f.int64('producerId', '0+'),
          f.int32('producerEpoch', '0+'),
          f.int32('lastSequence', '0+', { default: -1 }),
          f.int64('lastTimestamp', '0+', { default: -1 }),
          f.int32('coordinatorEpoch', '0+'),
          f.int64('currentTxnStartOffset', '0+', { default: -1 }),
        ]),
      ]),
    ]),
  ],
};

export const describeProducersApi: ApiSchema = { apiKey: 61, name: 'DescribeProducers', request, response };
