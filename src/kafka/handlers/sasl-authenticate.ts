// SaslAuthenticate (key 36), versions 0-2, as the request handlers see it: outside a SASL exchange
// (src/kafka/sasl/session.ts runs those), so it answers ILLEGAL_SASL_STATE, as Kafka's KafkaApis
// does. Advertised on every listener: librdkafka uses SaslAuthenticate only when ApiVersions lists
// SaslHandshake 1 and SaslAuthenticate 0.
import { ErrorCode } from '../../common/index.js';
import { defineHandler } from '../handler.js';
import type { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../protocol/messages/sasl-authenticate.js';

export const SASL_AUTHENTICATE_KEY = 36;

export function saslAuthenticateHandler() {
  return defineHandler<SaslAuthenticateRequest, SaslAuthenticateResponse>({
    apiKey: SASL_AUTHENTICATE_KEY,
    name: 'SaslAuthenticate',
    minVersion: 0,
    maxVersion: 2,
    handle: (_request, context) => ({
      errorCode: ErrorCode.ILLEGAL_SASL_STATE,
      errorMessage: context.securityProtocol.startsWith('SASL')
        ? 'SaslAuthenticate request received after successful authentication'
        : `listener ${context.listenerName} does not use SASL`,
      authBytes: Buffer.alloc(0),
      sessionLifetimeMs: 0,
    }),
  });
}
