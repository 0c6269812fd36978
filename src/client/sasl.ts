// The client's side of SASL on a Kafka connection (KIP-43, KIP-152): after ApiVersions, a
// SaslHandshake names the mechanism and SaslAuthenticate frames carry the exchange — PLAIN's one
// message, or SCRAM's two rounds (RFC 5802, RFC 7677), in which the client proves it knows the
// password without sending it and checks that the broker knows the stored keys. A failure is a
// ClientError with the broker's code (SASL_AUTHENTICATION_FAILED), not retried.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { ErrorCode } from '../common/index.js';
import type { SaslAuthenticateResponse, SaslHandshakeResponse } from '../kafka/index.js';
import { Api } from './api-versions.js';
import type { BrokerConnection } from './broker-connection.js';
import { check, ClientError } from './errors.js';

export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface SaslCredentials {
  readonly mechanism: SaslMechanism;
  readonly username: string;
  readonly password: string;
}

const SCRAM_HASHES = { 'SCRAM-SHA-256': 'sha256', 'SCRAM-SHA-512': 'sha512' } as const;

async function exchange(connection: BrokerConnection, bytes: Buffer): Promise<Buffer> {
  const answer = await connection.send<SaslAuthenticateResponse>(Api.SaslAuthenticate, { authBytes: bytes });
  check(answer.errorCode, `${connection.address}: authentication`, answer.errorMessage);
  return answer.authBytes;
}

/** `=` and `,` in a SCRAM user name are escaped (RFC 5802 section 5.1). */
function saslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

function attributes(message: string): Map<string, string> {
  return new Map(message.split(',').map((part) => [part.slice(0, 1), part.slice(2)] as const));
}

async function scram(
  connection: BrokerConnection,
  mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512',
  username: string,
  password: string,
): Promise<void> {
  const hash = SCRAM_HASHES[mechanism];
  const clientNonce = randomBytes(24).toString('base64');
  const clientFirstBare = `n=${saslName(username)},r=${clientNonce}`;
  const serverFirst = (await exchange(connection, Buffer.from(`n,,${clientFirstBare}`))).toString('utf8');
  const first = attributes(serverFirst);
  const nonce = first.get('r');
  const salt = first.get('s');
  const iterations = Number(first.get('i'));
  if (
    nonce === undefined ||
    !nonce.startsWith(clientNonce) ||
    salt === undefined ||
    !Number.isSafeInteger(iterations)
  ) {
    throw new ClientError(`${connection.address}: the broker's SCRAM message is not one this client can answer`);
  }
  const hmac = (key: Buffer, data: string) => createHmac(hash, key).update(data).digest();
  const salted = pbkdf2Sync(password, Buffer.from(salt, 'base64'), iterations, createHash(hash).digest().length, hash);
  const clientKey = hmac(salted, 'Client Key');
  const storedKey = createHash(hash).update(clientKey).digest();
  const clientFinalBare = `c=biws,r=${nonce}`;
  const authMessage = `${clientFirstBare},${serverFirst},${clientFinalBare}`;
  const signature = hmac(storedKey, authMessage);
  const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
  const serverFinal = attributes(
    (await exchange(connection, Buffer.from(`${clientFinalBare},p=${proof.toString('base64')}`))).toString('utf8'),
  );
  const expected = hmac(hmac(salted, 'Server Key'), authMessage);
  const verifier = Buffer.from(serverFinal.get('v') ?? '', 'base64');
  if (verifier.length !== expected.length || !timingSafeEqual(verifier, expected)) {
    throw new ClientError(
      `${connection.address}: the broker did not prove it knows the user's keys (SCRAM server signature)`,
      ErrorCode.SASL_AUTHENTICATION_FAILED,
    );
  }
}

export async function authenticate(connection: BrokerConnection, sasl: SaslCredentials): Promise<void> {
  const handshake = await connection.send<SaslHandshakeResponse>(Api.SaslHandshake, { mechanism: sasl.mechanism });
  if (handshake.errorCode === ErrorCode.UNSUPPORTED_SASL_MECHANISM) {
    throw new ClientError(
      `${connection.address} does not offer ${sasl.mechanism} (it offers ${handshake.mechanisms.join(', ') || 'none'})`,
      handshake.errorCode,
    );
  }
  check(handshake.errorCode, `${connection.address}: SASL handshake`);
  if (sasl.mechanism === 'PLAIN') {
    await exchange(connection, Buffer.from(`\u0000${sasl.username}\u0000${sasl.password}`));
    return;
  }
  await scram(connection, sasl.mechanism, sasl.username, sasl.password);
}
