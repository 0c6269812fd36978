// The server side of a SCRAM exchange (RFC 5802 §5, RFC 7677):
//   client-first  n,[a=authzid],n=user,r=cnonce[,ext]
//   server-first  r=cnonce+snonce,s=salt,i=iterations
//   client-final  c=base64(gs2-header),r=cnonce+snonce[,ext],p=ClientProof
//   server-final  v=ServerSignature
// The proof is checked against StoredKey: ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage)
// must hash to StoredKey. An unknown user gets a server-first built from a made-up credential and
// fails at the proof like a wrong password, so the exchange does not tell who exists. Channel
// binding (-PLUS) and Kafka's delegation tokens (tokenauth) are not offered and are refused.
import { createHmac, randomBytes } from 'node:crypto';
import { userPrincipal } from '../../common/index.js';
import { SCRAM_ITERATIONS_MIN, type ScramCredential, type ScramMechanism } from '../../metadata/index.js';
import { AuthenticationFailed, type ExchangeStep, invalidCredentials, type ServerExchange } from './exchange.js';
import { hash, hmac, sameBytes, SCRAM_DEFAULT_ITERATIONS, SCRAM_HASHES, xor } from './scram-crypto.js';

export type CredentialLookup = (user: string, mechanism: ScramMechanism) => ScramCredential | undefined;

/** printable = %x21-2B / %x2D-7E: anything visible but a comma. */
const PRINTABLE = /^[\x21-\x2b\x2d-\x7e]+$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const NONCE_BYTES = 24;
/** Per process: the made-up salts of unknown users stay the same for this process's life. */
const UNKNOWN_USER_SECRET = randomBytes(32);

/** saslname: `=2C` is ',' and `=3D` is '='; any other '=' is malformed. */
function decodeSaslName(text: string): string | null {
  if (/=(?!2C|3D)/.test(text)) return null;
  return text.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

function malformed(what: string): AuthenticationFailed {
  return new AuthenticationFailed(`Invalid SCRAM ${what}`);
}

interface ClientFirst {
  readonly gs2Header: string;
  readonly bare: string;
  readonly user: string;
  readonly nonce: string;
}

function parseClientFirst(message: string): ClientFirst {
  // gs2-header: cbind-flag "," [authzid] ","
  const match = /^([ny]|p=[^,]*),(a=[^,]*)?,(.*)$/s.exec(message);
  if (!match) throw malformed('client first message');
  if (match[1]!.startsWith('p=')) throw new AuthenticationFailed('SCRAM channel binding is not supported');
  const bare = match[3]!;
  const attributes = bare.split(',');
  if (attributes[0]?.startsWith('m=')) throw malformed('client first message: mandatory extension');
  const user = attributes[0]?.startsWith('n=') ? decodeSaslName(attributes[0].slice(2)) : null;
  const nonce = attributes[1]?.startsWith('r=') ? attributes[1].slice(2) : '';
  if (user === null || user === '' || !PRINTABLE.test(nonce)) throw malformed('client first message');
  for (const extension of attributes.slice(2)) {
    if (!/^[A-Za-z][^=]*=/.test(extension)) throw malformed('client first message: extension');
    if (/^tokenauth=true$/i.test(extension)) throw new AuthenticationFailed('delegation tokens are not supported');
  }
  if (match[2] !== undefined) {
    const authzid = decodeSaslName(match[2].slice(2));
    if (authzid !== user) throw new AuthenticationFailed(`authorization id is not the user name`);
  }
  return { gs2Header: `${match[1]},${match[2] ?? ''},`, bare, user, nonce };
}

interface ClientFinal {
  readonly channelBinding: string;
  readonly nonce: string;
  readonly withoutProof: string;
  readonly proof: Buffer;
}

function parseClientFinal(message: string): ClientFinal {
  const proofAt = message.lastIndexOf(',p=');
  if (proofAt < 0) throw malformed('client final message');
  const withoutProof = message.slice(0, proofAt);
  const proofText = message.slice(proofAt + 3);
  const attributes = withoutProof.split(',');
  const channelBinding = attributes[0]?.startsWith('c=') ? attributes[0].slice(2) : null;
  const nonce = attributes[1]?.startsWith('r=') ? attributes[1].slice(2) : null;
  if (channelBinding === null || nonce === null || !BASE64.test(proofText) || !BASE64.test(channelBinding)) {
    throw malformed('client final message');
  }
  return { channelBinding, nonce, withoutProof, proof: Buffer.from(proofText, 'base64') };
}

export class ScramServerExchange implements ServerExchange {
  private stage: 'first' | 'final' | 'done' = 'first';
  private first: ClientFirst | null = null;
  private serverFirst = '';
  private nonce = '';
  private credential: ScramCredential | null = null;
  private userKnown = false;

  constructor(
    readonly mechanism: ScramMechanism,
    private readonly lookup: CredentialLookup,
    private readonly reauthenticating = false,
    private readonly serverNonce: () => string = () => randomBytes(NONCE_BYTES).toString('base64'),
  ) {}

  step(token: Buffer): ExchangeStep {
    const message = token.toString('utf8');
    switch (this.stage) {
      case 'first':
        return this.onClientFirst(message);
      case 'final':
        return this.onClientFinal(message);
      case 'done':
        throw new AuthenticationFailed('SCRAM exchange is already complete');
    }
  }

  private onClientFirst(message: string): ExchangeStep {
    const first = parseClientFirst(message);
    const known = this.lookup(first.user, this.mechanism);
    this.userKnown = known !== undefined;
    this.credential = known ?? this.madeUpCredential(first.user);
    this.first = first;
    this.nonce = first.nonce + this.serverNonce();
    this.serverFirst = `r=${this.nonce},s=${this.credential.salt},i=${this.credential.iterations}`;
    this.stage = 'final';
    return { response: Buffer.from(this.serverFirst, 'utf8'), principal: null };
  }

  private onClientFinal(message: string): ExchangeStep {
    const first = this.first!;
    const credential = this.credential!;
    const final = parseClientFinal(message);
    this.stage = 'done';
    if (Buffer.from(final.channelBinding, 'base64').toString('utf8') !== first.gs2Header) {
      throw malformed('client final message: channel binding does not match');
    }
    // Kafka accepts a nonce that ends with ours, and librdkafka (2.0) sends its own nonce again in
    // front of the whole one; the server's part is still there, which is what defeats replays.
    if (!final.nonce.endsWith(this.nonce)) throw malformed('client final message: nonce does not match');
    const authMessage = `${first.bare},${this.serverFirst},${final.withoutProof}`;
    const storedKey = Buffer.from(credential.storedKey, 'base64');
    const clientSignature = hmac(this.mechanism, storedKey, authMessage);
    const proofFits = final.proof.length === clientSignature.length;
    const clientKey = proofFits ? xor(final.proof, clientSignature) : Buffer.alloc(0);
    if (!proofFits || !sameBytes(hash(this.mechanism, clientKey), storedKey) || !this.userKnown) {
      const reason = this.userKnown ? 'wrong password' : 'unknown user';
      throw invalidCredentials(this.mechanism, this.reauthenticating, `${reason} ${first.user}`);
    }
    const serverSignature = hmac(this.mechanism, Buffer.from(credential.serverKey, 'base64'), authMessage);
    return {
      response: Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8'),
      principal: userPrincipal(first.user),
    };
  }

  /** A stable salt per unknown user, so asking twice does not reveal that it is made up. */
  private madeUpCredential(user: string): ScramCredential {
    const salt = createHmac('sha256', UNKNOWN_USER_SECRET).update(`${this.mechanism}:${user}`).digest().subarray(0, 24);
    const key = Buffer.alloc(SCRAM_HASHES[this.mechanism].bytes).toString('base64');
    return {
      salt: salt.toString('base64'),
      iterations: Math.max(SCRAM_ITERATIONS_MIN, SCRAM_DEFAULT_ITERATIONS),
      storedKey: key,
      serverKey: key,
    };
  }
}
