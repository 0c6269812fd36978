// A SCRAM client after RFC 5802 §3, for raw-protocol tests: it makes the client-first and
// client-final messages and checks the server's signature. Real clients (kafkajs, librdkafka,
// kafka-python) are tested against the broker separately; this one lets a test control each byte.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

export type ScramMechanismName = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

const HASHES = { 'SCRAM-SHA-256': 'sha256', 'SCRAM-SHA-512': 'sha512' } as const;
const BYTES = { 'SCRAM-SHA-256': 32, 'SCRAM-SHA-512': 64 } as const;

export class ScramClient {
  private readonly nonce = randomBytes(18).toString('base64');
  private readonly bare: string;
  private expectedServerSignature = '';

  constructor(
    private readonly mechanism: ScramMechanismName,
    readonly user: string,
    private readonly password: string,
  ) {
    this.bare = `n=${user.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${this.nonce}`;
  }

  first(): Buffer {
    return Buffer.from(`n,,${this.bare}`);
  }

  final(serverFirst: Buffer): Buffer {
    const text = serverFirst.toString();
    const fields = new Map(text.split(',').map((f): [string, string] => [f.slice(0, 1), f.slice(2)]));
    const hash = HASHES[this.mechanism];
    const salted = pbkdf2Sync(
      this.password,
      Buffer.from(fields.get('s') ?? '', 'base64'),
      Number(fields.get('i')),
      BYTES[this.mechanism],
      hash,
    );
    const withoutProof = `c=biws,r=${fields.get('r')}`;
    const authMessage = `${this.bare},${text},${withoutProof}`;
    const hmac = (key: Buffer, data: string) => createHmac(hash, key).update(data).digest();
    const clientKey = hmac(salted, 'Client Key');
    const signature = hmac(createHash(hash).update(clientKey).digest(), authMessage);
    const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
    this.expectedServerSignature = `v=${hmac(hmac(salted, 'Server Key'), authMessage).toString('base64')}`;
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`);
  }

  /** The server proved it knows the user's keys. */
  verifies(serverFinal: Buffer): boolean {
    return serverFinal.toString() === this.expectedServerSignature;
  }
}
