// SaslAuthenticate (key 36), versions 0-2, flexible from 2. v1 adds the session lifetime (KIP-368:
// the client re-authenticates before it ends). Carries one SASL token each way.
import { f, type MessageSchema, type TaggedStruct } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface SaslAuthenticateRequest extends TaggedStruct {
  authBytes: Buffer;
}

export interface SaslAuthenticateResponse extends TaggedStruct {
  errorCode: number;
  errorMessage: string | null;
  authBytes: Buffer;
  sessionLifetimeMs: number;
}

const request: MessageSchema = {
  name: 'SaslAuthenticateRequest',
  apiKey: 36,
  type: 'request',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [f.bytes('authBytes', '0+')],
};

const response: MessageSchema = {
  name: 'SaslAuthenticateResponse',
  apiKey: 36,
  type: 'response',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    f.int16('errorCode', '0+'),
    f.string('errorMessage', '0+', { nullableVersions: '0+' }),
    f.bytes('authBytes', '0+'),
    f.int64('sessionLifetimeMs', '1+', { default: 0 }),
  ],
};

export const saslAuthenticateApi: ApiSchema = { apiKey: 36, name: 'SaslAuthenticate', request, response };
