// InitProducerId (key 22), versions 0-5, flexible from 2. v3 lets a producer pass its current id
// and epoch to bump the epoch (KIP-360); v4 and v5 change only error semantics.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface InitProducerIdRequest extends TaggedStruct {
  transactionalId: string | null;
  transactionTimeoutMs: number;
  /** v3+: the current producer id, or -1. */
  producerId: number;
  /** v3+: the current producer epoch, or -1. */
  producerEpoch: number;
}

export interface InitProducerIdResponse extends TaggedStruct {
  throttleTimeMs: number;
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

const request: MessageSchema = {
  name: 'InitProducerIdRequest',
  apiKey: 22,
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '2+',
  fields: [
    f.string('transactionalId', '0+', { nullableVersions: '0+' }),
    f.int32('transactionTimeoutMs', '0+'),
    f.int64('producerId', '3+', { default: -1 }),
    f.int16('producerEpoch', '3+', { default: -1 }),
  ],
};

const response: MessageSchema = {
  name: 'InitProducerIdResponse',
  apiKey: 22,
  type: 'response',
  validVersions: '0-5',
  flexibleVersions: '2+',
  fields: [
    f.int32('throttleTimeMs', '0+'),
    f.int16('errorCode', '0+'),
    f.int64('producerId', '0+', { default: -1 }),
    f.int16('producerEpoch', '0+'),
  ],
};

export const initProducerIdApi: ApiSchema = { apiKey: 22, name: 'InitProducerId', request, response };
