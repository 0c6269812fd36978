// The server side of PLAIN (RFC 4616): one message, [authzid] NUL authcid NUL passwd, checked
// against the user's SCRAM credential (PLAIN users are the SCRAM users; no second password store).
// The password crosses the wire, so PLAIN is offered only on TLS listeners unless allowed.
import { userPrincipal } from '../../common/index.js';
import type { ScramMechanism } from '../../metadata/index.js';
import { AuthenticationFailed, type ExchangeStep, invalidCredentials, type ServerExchange } from './exchange.js';
import { passwordMatches } from './scram-crypto.js';
import type { CredentialLookup } from './scram-exchange.js';

/** The SCRAM credential a PLAIN password is checked against, first found. */
const CHECKED_AGAINST: readonly ScramMechanism[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];

export class PlainServerExchange implements ServerExchange {
  readonly mechanism = 'PLAIN';
  private done = false;

  constructor(
    private readonly lookup: CredentialLookup,
    private readonly reauthenticating = false,
  ) {}

  async step(token: Buffer): Promise<ExchangeStep> {
    if (this.done) throw new AuthenticationFailed('PLAIN exchange is already complete');
    this.done = true;
    const parts = token.toString('utf8').split('\u0000');
    if (parts.length !== 3) throw new AuthenticationFailed('Invalid PLAIN message');
    const [authzid, user, password] = parts as [string, string, string];
    if (user === '' || password === '') throw new AuthenticationFailed('Invalid PLAIN message');
    if (authzid !== '' && authzid !== user) throw new AuthenticationFailed('authorization id is not the user name');
    for (const mechanism of CHECKED_AGAINST) {
      const credential = this.lookup(user, mechanism);
      if (!credential) continue;
      if (await passwordMatches(mechanism, credential, password)) {
        return { response: Buffer.alloc(0), principal: userPrincipal(user) };
      }
      throw invalidCredentials(this.mechanism, this.reauthenticating, `wrong password ${user}`);
    }
    throw invalidCredentials(this.mechanism, this.reauthenticating, `unknown user ${user}`);
  }
}
