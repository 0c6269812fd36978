// RFC 5802's key derivation with node:crypto, for SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 7677):
//   SaltedPassword = Hi(password, salt, i)      (PBKDF2 with HMAC-H)
//   ClientKey = HMAC(SaltedPassword, "Client Key"),  StoredKey = H(ClientKey)
//   ServerKey = HMAC(SaltedPassword, "Server Key")
// The broker keeps StoredKey and ServerKey: enough to check a client's proof and to prove
// itself, not enough to log in as the user. Passwords are UTF-8 as given (Kafka does no SASLprep).
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ScramCredential, ScramMechanism } from '../../metadata/index.js';

interface Hash {
  readonly name: 'sha256' | 'sha512';
  readonly bytes: number;
}

export const SCRAM_HASHES: Readonly<Record<ScramMechanism, Hash>> = {
  'SCRAM-SHA-256': { name: 'sha256', bytes: 32 },
  'SCRAM-SHA-512': { name: 'sha512', bytes: 64 },
};

/** Iterations of the credentials Brook derives itself (bootstrap users). */
export const SCRAM_DEFAULT_ITERATIONS = 8192;
const SALT_BYTES = 24;

export function hmac(mechanism: ScramMechanism, key: Buffer, data: Buffer | string): Buffer {
  return createHmac(SCRAM_HASHES[mechanism].name, key).update(data).digest();
}

export function hash(mechanism: ScramMechanism, data: Buffer): Buffer {
  return createHash(SCRAM_HASHES[mechanism].name).update(data).digest();
}

/** Hi(): off the event loop, since thousands of iterations take milliseconds. */
export function saltedPassword(
  mechanism: ScramMechanism,
  password: string,
  salt: Buffer,
  iterations: number,
): Promise<Buffer> {
  const { name, bytes } = SCRAM_HASHES[mechanism];
  return new Promise((resolve, reject) => {
    pbkdf2(Buffer.from(password, 'utf8'), salt, iterations, bytes, name, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export interface ScramKeys {
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

export function keysOf(mechanism: ScramMechanism, salted: Buffer): ScramKeys {
  const clientKey = hmac(mechanism, salted, 'Client Key');
  return { storedKey: hash(mechanism, clientKey), serverKey: hmac(mechanism, salted, 'Server Key') };
}

/** The stored form of a credential given a salted password (what AlterUserScramCredentials sends). */
export function credentialOf(
  mechanism: ScramMechanism,
  salt: Buffer,
  iterations: number,
  salted: Buffer,
): ScramCredential {
  const { storedKey, serverKey } = keysOf(mechanism, salted);
  return {
    salt: salt.toString('base64'),
    iterations,
    storedKey: storedKey.toString('base64'),
    serverKey: serverKey.toString('base64'),
  };
}

/** A new credential for a password, with a fresh random salt. */
export async function credentialFromPassword(
  mechanism: ScramMechanism,
  password: string,
  iterations = SCRAM_DEFAULT_ITERATIONS,
): Promise<ScramCredential> {
  const salt = randomBytes(SALT_BYTES);
  return credentialOf(mechanism, salt, iterations, await saltedPassword(mechanism, password, salt, iterations));
}

/** Whether `password` is the one `credential` was made from (PLAIN logs in against SCRAM users). */
export async function passwordMatches(
  mechanism: ScramMechanism,
  credential: ScramCredential,
  password: string,
): Promise<boolean> {
  const salted = await saltedPassword(
    mechanism,
    password,
    Buffer.from(credential.salt, 'base64'),
    credential.iterations,
  );
  return sameBytes(keysOf(mechanism, salted).storedKey, Buffer.from(credential.storedKey, 'base64'));
}

/** Constant-time comparison; different lengths are simply different. */
export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}
