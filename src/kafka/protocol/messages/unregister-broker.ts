// UnregisterBroker (key 64), version 0, flexible: Brook's decommission of a broker (see the handler).
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface UnregisterBrokerRequest extends TaggedStruct {
  brokerId: number;
}

export interface UnregisterBrokerResponse extends TaggedStruct {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
}

const request: MessageSchema = {
  name: 'UnregisterBrokerRequest',
  apiKey: 64,
  type: 'request',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [f.int32('brokerId', '0+')],
};

const response: MessageSchema = {
  name: 'UnregisterBrokerResponse',
  apiKey: 64,
  type: 'response',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    f.int32('throttleTimeMs', '0+'),
    f.int16('errorCode', '0+'),
    f.string('errorMessage', '0+', { nullableVersions: '0+', default: null }),
  ],
};

export const unregisterBrokerApi: ApiSchema = { apiKey: 64, name: 'UnregisterBroker', request, response };
