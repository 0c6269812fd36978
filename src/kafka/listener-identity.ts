// What a connection knows about the listener it came in through, for the request context.
import type { SecurityProtocol } from '../common/index.js';

export interface ListenerIdentity {
  /** The listener's name: its protocol, or the name listener.security.protocol.map gives it. */
  readonly name: string;
  readonly securityProtocol: SecurityProtocol;
  /** SASL, or TLS with client certificates requested or required. */
  readonly authenticatesClients: boolean;
}

/** Today's single listener: plaintext, nobody authenticated. */
export const PLAINTEXT_LISTENER: ListenerIdentity = Object.freeze({
  name: 'PLAINTEXT',
  securityProtocol: 'PLAINTEXT',
  authenticatesClients: false,
});
