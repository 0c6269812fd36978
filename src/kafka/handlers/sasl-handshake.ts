// SaslHandshake (key 17), versions 0-1, as the request handlers see it: only on a connection with
// nothing to authenticate — a listener without SASL, or one already authenticated and not due to
// re-authenticate — so it answers ILLEGAL_SASL_STATE, as Kafka's KafkaApis does. The exchange
// itself runs before requests reach handlers (src/kafka/sasl/session.ts).
import { ErrorCode } from '../../common/index.js';
import { defineHandler } from '../handler.js';
import type { SaslHandshakeRequest, SaslHandshakeResponse } from '../protocol/messages/sasl-handshake.js';

export const SASL_HANDSHAKE_KEY = 17;

export function saslHandshakeHandler() {
  return defineHandler<SaslHandshakeRequest, SaslHandshakeResponse>({
    apiKey: SASL_HANDSHAKE_KEY,
    name: 'SaslHandshake',
    minVersion: 0,
    maxVersion: 1,
    handle: () => ({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] }),
  });
}
