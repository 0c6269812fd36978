// SaslHandshake (key 17), versions 0-1, never flexible. v1 only changes what follows the
// handshake (SaslAuthenticate frames instead of raw tokens), not these fields.
import { f, type MessageSchema } from '../../../common/index.js';
import type { ApiSchema } from '../api-schema.js';

export interface SaslHandshakeRequest {
  mechanism: string;
}

export interface SaslHandshakeResponse {
  errorCode: number;
  mechanisms: string[];
}

const request: MessageSchema = {
  name: 'SaslHandshakeRequest',
  apiKey: 17,
  type: 'request',
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: [f.string('mechanism', '0+')],
};

const response: MessageSchema = {
  name: 'SaslHandshakeResponse',
  apiKey: 17,
  type: 'response',
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: [f.int16('errorCode', '0+'), f.array('mechanisms', '0+', 'string')],
};

export const saslHandshakeApi: ApiSchema = { apiKey: 17, name: 'SaslHandshake', request, response };
