// One SASL mechanism's server side: it is handed the client's tokens in order and answers each,
// until it has proved who the client is. A bad token or a wrong password is an
// AuthenticationFailed, which the listener answers with SASL_AUTHENTICATION_FAILED and a close.
import type { KafkaPrincipal } from '../../common/index.js';

export interface ExchangeStep {
  /** The server's token for the client (empty when the mechanism has nothing to say). */
  readonly response: Buffer;
  /** Set when the exchange is complete: who the client proved to be. */
  readonly principal: KafkaPrincipal | null;
}

export interface ServerExchange {
  readonly mechanism: string;
  step(token: Buffer): ExchangeStep | Promise<ExchangeStep>;
}

/**
 * The client failed to authenticate. `message` goes to the client, so it never says whether the
 * user exists; `reason` is for the log (never a password).
 */
export class AuthenticationFailed extends Error {
  override readonly name = 'AuthenticationFailed';

  constructor(
    message: string,
    readonly reason: string = message,
  ) {
    super(message);
  }
}

export function invalidCredentials(mechanism: string, reauthenticating: boolean, reason: string): AuthenticationFailed {
  const during = reauthenticating ? 're-authentication' : 'authentication';
  return new AuthenticationFailed(
    `Authentication failed during ${during} due to invalid credentials with SASL mechanism ${mechanism}`,
    reason,
  );
}
