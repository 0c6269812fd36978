// DescribeTransactions (key 65), version 0, flexible: the coordinator's view of transactional ids
// it serves (admin clients ask each id's coordinator). An id this node does not serve gets
// NOT_COORDINATOR, an unknown one TRANSACTIONAL_ID_NOT_FOUND.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface DescribeTransactionsRequest extends TaggedStruct {
  transactionalIds: string[];
}

export interface DescribeTransactionsTopicData extends TaggedStruct {
  topic: string;
  partitions: number[];
}

export interface DescribedTransactionState extends TaggedStruct {
  errorCode: number;
  transactionalId: string;
  transactionState: string;
  transactionTimeoutMs: number;
  transactionStartTimeMs: number;
  producerId: number;
  producerEpoch: number;
  topics: DescribeTransactionsTopicData[];
}

export interface DescribeTransactionsResponse extends TaggedStruct {
  throttleTimeMs: number;
  transactionStates: DescribedTransactionState[];
}

const request: MessageSchema = {
  name: 'DescribeTransactionsRequest',
  apiKey: 65,
  type: 'request',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [f.array('transactionalIds', '0+', 'string')],
};

const response: MessageSchema = {
  name: 'DescribeTransactionsResponse',
  apiKey: 65,
  type: 'response',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    f.int32('throttleTimeMs', '0+'),
    f.array('transactionStates', '0+', [
      f.int16('errorCode', '0+'),
      f.string('transactionalId', '0+'),
      f.string('transactionState', '0+'),
      f.int32('transactionTimeoutMs', '0+'),
      f.int64('transactionStartTimeMs', '0+'),
      f.int64('producerId', '0+'),
      f.int32('producerEpoch', '0+'),
      f.array('topics', '0+', [f.string('topic', '0+'), f.array('partitions', '0+', 'int32')]),
    ]),
  ],
};

export const describeTransactionsApi: ApiSchema = { apiKey: 65, name: 'DescribeTransactions', request, response };
