// ListTransactions (key 66), versions 0-1, flexible: every transactional id this node coordinates,
// filtered by state names and producer ids (empty lists: no filter); v1 adds DurationFilter, only
// transactions running at least that long (-1: all). Admin clients ask every broker.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface ListTransactionsRequest extends TaggedStruct {
  stateFilters: string[];
  producerIdFilters: number[];
  /** v1+; -1: no filter. */
  durationFilter: number;
}

export interface ListedTransactionState extends TaggedStruct {
  transactionalId: string;
  producerId: number;
  transactionState: string;
}

export interface ListTransactionsResponse extends TaggedStruct {
  throttleTimeMs: number;
  errorCode: number;
  unknownStateFilters: string[];
  transactionStates: ListedTransactionState[];
}

const request: MessageSchema = {
  name: 'ListTransactionsRequest',
  apiKey: 66,
  type: 'request',
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: [
    f.array('stateFilters', '0+', 'string'),
    f.array('producerIdFilters', '0+', 'int64'),
    f.int64('durationFilter', '1+', { default: -1 }),
  ],
};

const response: MessageSchema = {
  name: 'ListTransactionsResponse',
  apiKey: 66,
  type: 'response',
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: [
    f.int32('throttleTimeMs', '0+'),
    f.int16('errorCode', '0+'),
    f.array('unknownStateFilters', '0+', 'string'),
    f.array('transactionStates', '0+', [
      f.string('transactionalId', '0+'),
      f.int64('producerId', '0+'),
      f.string('transactionState', '0+'),
    ]),
  ],
};

export const listTransactionsApi: ApiSchema = { apiKey: 66, name: 'ListTransactions', request, response };
