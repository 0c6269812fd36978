// AddPartitionsToTxn (key 24), versions 0-5, flexible from 3. v0-3 are the client's form: one
// transaction (V3AndBelow* fields). v4 (KIP-890 part 1) batches transactions, each with VerifyOnly,
// and adds a top-level error code: the form brokers send, a partition leader asking the coordinator
// whether a partition is in a producer's ongoing transaction. v2 allows PRODUCER_FENCED; v5 only
// allows TRANSACTION_ABORTABLE.
import { f, type FieldSchema, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface AddPartitionsToTxnTopic extends TaggedStruct {
  name: string;
  partitions: number[];
}

export interface AddPartitionsToTxnTransaction extends TaggedStruct {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  verifyOnly: boolean;
  topics: AddPartitionsToTxnTopic[];
}

export interface AddPartitionsToTxnRequest extends TaggedStruct {
  /** v4+. */
  transactions: AddPartitionsToTxnTransaction[];
  /** v0-3. */
  v3AndBelowTransactionalId: string;
  v3AndBelowProducerId: number;
  v3AndBelowProducerEpoch: number;
  v3AndBelowTopics: AddPartitionsToTxnTopic[];
}

export interface AddPartitionsToTxnPartitionResult extends TaggedStruct {
  partitionIndex: number;
  partitionErrorCode: number;
}

export interface AddPartitionsToTxnTopicResult extends TaggedStruct {
  name: string;
  resultsByPartition: AddPartitionsToTxnPartitionResult[];
}

export interface AddPartitionsToTxnResult extends TaggedStruct {
  transactionalId: string;
  topicResults: AddPartitionsToTxnTopicResult[];
}

export interface AddPartitionsToTxnResponse extends TaggedStruct {
  throttleTimeMs: number;
  /** v4+. */
  errorCode: number;
  resultsByTransaction: AddPartitionsToTxnResult[];
  /** v0-3. */
  resultsByTopicV3AndBelow: AddPartitionsToTxnTopicResult[];
}

const topicFields = (versions: string): FieldSchema[] => [
  f.string('name', versions),
  f.array('partitions', versions, 'int32'),
];

const request: MessageSchema = {
  name: 'AddPartitionsToTxnRequest',
  apiKey: 24,
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    f.array('transactions', '4+', [
      f.string('transactionalId', '4+'),
      f.int64('producerId', '4+'),
      f.int16('producerEpoch', '4+'),
      f.bool('verifyOnly', '4+', { default: false }),
      f.array('topics', '4+', topicFields('4+')),
    ]),
    f.string('v3AndBelowTransactionalId', '0-3'),
    f.int64('v3AndBelowProducerId', '0-3'),
    f.int16('v3AndBelowProducerEpoch', '0-3'),
    f.array('v3AndBelowTopics', '0-3', topicFields('0+')),
  ],
};

const topicResultFields = (versions: string): FieldSchema[] => [
  f.string('name', versions),
  f.array('resultsByPartition', versions, [f.int32('partitionIndex', '0+'), f.int16('partitionErrorCode', '0+')]),
];

const response: MessageSchema = {
  name: 'AddPartitionsToTxnResponse',
  apiKey: 24,
  type: 'response',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    f.int32('throttleTimeMs', '0+'),
    f.int16('errorCode', '4+', { default: 0 }),
    f.array('resultsByTransaction', '4+', [
      f.string('transactionalId', '4+'),
      f.array('topicResults', '4+', topicResultFields('4+')),
    ]),
    f.array('resultsByTopicV3AndBelow', '0-3', topicResultFields('0+')),
  ],
};

export const addPartitionsToTxnApi: ApiSchema = { apiKey: 24, name: 'AddPartitionsToTxn', request, response };
