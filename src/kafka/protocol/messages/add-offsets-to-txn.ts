// AddOffsetsToTxn (key 25), versions 0-4, flexible from 3: the group whose offsets the transaction
// will commit (TxnOffsetCommit), so the coordinator adds the group's __consumer_offsets partition to
// it. v2 allows PRODUCER_FENCED; v4 only allows TRANSACTION_ABORTABLE.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface AddOffsetsToTxnRequest extends TaggedStruct {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  groupId: string;
}

export interface AddOffsetsToTxnResponse extends TaggedStruct {
  throttleTimeMs: number;
  errorCode: number;
}

const request: MessageSchema = {
  name: 'AddOffsetsToTxnRequest',
  apiKey: 25,
  type: 'request',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    f.string('transactionalId', '0+'),
    f.int64('producerId', '0+'),
    f.int16('producerEpoch', '0+'),
    f.string('groupId', '0+'),
  ],
};

const response: MessageSchema = {
  name: 'AddOffsetsToTxnResponse',
  apiKey: 25,
  type: 'response',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [f.int32('throttleTimeMs', '0+'), f.int16('errorCode', '0+')],
};

export const addOffsetsToTxnApi: ApiSchema = { apiKey: 25, name: 'AddOffsetsToTxn', request, response };
