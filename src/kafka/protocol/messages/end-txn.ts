// EndTxn (key 26), versions 0-5, flexible from 3: commit or abort the producer's transaction. v2
// allows PRODUCER_FENCED, v4 TRANSACTION_ABORTABLE; v5 (KIP-890 part 2, transaction version 2)
// bumps the epoch at every transaction and answers the new producer id and epoch.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface EndTxnRequest extends TaggedStruct {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  committed: boolean;
}

export interface EndTxnResponse extends TaggedStruct {
  throttleTimeMs: number;
  errorCode: number;
  /** v5+. */
  producerId: number;
  producerEpoch: number;
}

const request: MessageSchema = {
  name: 'EndTxnRequest',
  apiKey: 26,
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    f.string('transactionalId', '0+'),
    f.int64('producerId', '0+'),
    f.int16('producerEpoch', '0+'),
    f.bool('committed', '0+'),
  ],
};

const response: MessageSchema = {
  name: 'EndTxnResponse',
  apiKey: 26,
  type: 'response',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: [
    f.int32('throttleTimeMs', '0+'),
    f.int16('errorCode', '0+'),
    f.int64('producerId', '5+', { default: -1 }),
    f.int16('producerEpoch', '5+', { default: -1 }),
  ],
};

export const endTxnApi: ApiSchema = { apiKey: 26, name: 'EndTxn', request, response };
