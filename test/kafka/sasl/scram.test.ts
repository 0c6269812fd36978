// The SCRAM server against RFC 7677's SCRAM-SHA-256 example and a client written here from RFC
// 5802 (for SHA-512, which has no RFC example), and the ways a client can get it wrong: a wrong
// password, an unknown user (indistinguishable until the proof), malformed or replayed messages,
// channel binding and delegation tokens. PLAIN checks a password against the same credential.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ScramCredential, ScramMechanism } from '../../../src/metadata/index.js';
import { AuthenticationFailed } from '../../../src/kafka/sasl/exchange.js';
import { PlainServerExchange } from '../../../src/kafka/sasl/plain-exchange.js';
import {
  credentialFromPassword,
  credentialOf,
  hash,
  hmac,
  saltedPassword,
  xor,
} from '../../../src/kafka/sasl/scram-crypto.js';
import { ScramServerExchange } from '../../../src/kafka/sasl/scram-exchange.js';

const RFC_SALT = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');

async function rfcCredential(): Promise<ScramCredential> {
  return credentialOf('SCRAM-SHA-256', RFC_SALT, 4096, await saltedPassword('SCRAM-SHA-256', 'pencil', RFC_SALT, 4096));
}

/** A SCRAM client after RFC 5802 §3. */
async function clientLogin(
  exchange: ScramServerExchange,
  mechanism: ScramMechanism,
  user: string,
  password: string,
): Promise<{ serverFinal: string; expectedServerFinal: string }> {
  const clientNonce = randomBytes(18).toString('base64');
  const bare = `n=${user.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${clientNonce}`;
  const serverFirst = exchange.step(Buffer.from(`n,,${bare}`)).response.toString();
  const fields: Record<string, string> = Object.fromEntries(
    serverFirst.split(',').map((f): [string, string] => [f.slice(0, 1), f.slice(2)]),
  );
  const salted = await saltedPassword(mechanism, password, Buffer.from(fields.s!, 'base64'), Number(fields.i));
  const withoutProof = `c=biws,r=${fields.r}`;
  const authMessage = `${bare},${serverFirst},${withoutProof}`;
  const clientKey = hmac(mechanism, salted, 'Client Key');
  const proof = xor(clientKey, hmac(mechanism, hash(mechanism, clientKey), authMessage));
  const step = exchange.step(Buffer.from(`${withoutProof},p=${proof.toString('base64')}`));
  const serverKey = hmac(mechanism, salted, 'Server Key');
  return {
    serverFinal: step.response.toString(),
    expectedServerFinal: `v=${hmac(mechanism, serverKey, authMessage).toString('base64')}`,
  };
}

function failure(run: () => unknown): AuthenticationFailed {
  try {
    run();
  } catch (err) {
    if (err instanceof AuthenticationFailed) return err;
    throw err;
  }
  throw new Error('did not fail');
}

describe('SCRAM-SHA-256 (RFC 7677 §3)', () => {
  it("answers the RFC's client with the RFC's server messages", async () => {
    const credential = await rfcCredential();
    const exchange = new ScramServerExchange(
      'SCRAM-SHA-256',
      (user) => (user === 'user' ? credential : undefined),
      false,
      () => '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
    );
    const first = exchange.step(Buffer.from('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'));
    expect(first.response.toString()).toBe(
      'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
    );
    expect(first.principal).toBeNull();
    const final = exchange.step(
      Buffer.from(
        'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
      ),
    );
    expect(final.response.toString()).toBe('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
    expect(final.principal).toEqual({ type: 'User', name: 'user' });
    expect(() => exchange.step(Buffer.from('again'))).toThrow(AuthenticationFailed);
  });
});

describe('SCRAM exchanges', () => {
  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    it(`${mechanism}: logs in with the right password and proves the server`, async () => {
      const credential = await credentialFromPassword(mechanism, 'sw0rd,fish', 4096);
      const lookup = (user: string, m: ScramMechanism) =>
        user === 'a,b=c' && m === mechanism ? credential : undefined;
      const { serverFinal, expectedServerFinal } = await clientLogin(
        new ScramServerExchange(mechanism, lookup),
        mechanism,
        'a,b=c',
        'sw0rd,fish',
      );
      expect(serverFinal).toBe(expectedServerFinal);
    });

    it(`${mechanism}: fails a wrong password and an unknown user alike, at the proof`, async () => {
      const credential = await credentialFromPassword(mechanism, 'right', 4096);
      const lookup = (user: string) => (user === 'alice' ? credential : undefined);
      const wrong = await clientLogin(new ScramServerExchange(mechanism, lookup), mechanism, 'alice', 'wrong').catch(
        (err: unknown) => err,
      );
      const unknown = await clientLogin(new ScramServerExchange(mechanism, lookup), mechanism, 'mallory', 'x').catch(
        (err: unknown) => err,
      );
      expect(wrong).toBeInstanceOf(AuthenticationFailed);
      expect(unknown).toBeInstanceOf(AuthenticationFailed);
      expect((wrong as Error).message).toBe((unknown as Error).message);
      expect((wrong as Error).message).toMatch(`invalid credentials with SASL mechanism ${mechanism}`);
      expect((unknown as AuthenticationFailed).reason).toBe('unknown user mallory');
    });
  }

  it("accepts librdkafka's final message, which repeats its own nonce before the whole one (as Kafka does)", async () => {
    const credential = await rfcCredential();
    const exchange = new ScramServerExchange(
      'SCRAM-SHA-256',
      () => credential,
      false,
      () => 'SERVER',
    );
    const serverFirst = exchange.step(Buffer.from('n,,n=user,r=CLIENT')).response.toString();
    expect(serverFirst).toMatch(/^r=CLIENTSERVER,/);
    const salted = await saltedPassword('SCRAM-SHA-256', 'pencil', RFC_SALT, 4096);
    const withoutProof = 'c=biws,r=CLIENTCLIENTSERVER';
    const authMessage = `n=user,r=CLIENT,${serverFirst},${withoutProof}`;
    const clientKey = hmac('SCRAM-SHA-256', salted, 'Client Key');
    const proof = xor(clientKey, hmac('SCRAM-SHA-256', hash('SCRAM-SHA-256', clientKey), authMessage));
    const final = exchange.step(Buffer.from(`${withoutProof},p=${proof.toString('base64')}`));
    expect(final.principal).toEqual({ type: 'User', name: 'user' });
  });

  it('gives an unknown user the same made-up salt every time', () => {
    const first = () =>
      new ScramServerExchange('SCRAM-SHA-512', () => undefined)
        .step(Buffer.from('n,,n=ghost,r=abc'))
        .response.toString();
    expect(first().split(',').slice(1)).toEqual(first().split(',').slice(1));
  });

  it('refuses malformed, replayed and unsupported messages', async () => {
    const credential = await rfcCredential();
    const exchange = () => new ScramServerExchange('SCRAM-SHA-256', () => credential);
    for (const bad of ['', 'x', 'n,,', 'n,,r=abc', 'n,,n=,r=abc', 'n,,n=u', 'n,,n=u=,r=abc', 'n,,m=x,n=u,r=a']) {
      expect(failure(() => exchange().step(Buffer.from(bad))).message, bad).toMatch(/Invalid SCRAM/);
    }
    expect(failure(() => exchange().step(Buffer.from('p=tls-unique,,n=u,r=a'))).message).toMatch(/channel binding/);
    expect(failure(() => exchange().step(Buffer.from('n,,n=u,r=a,tokenauth=true'))).message).toMatch(/delegation/);
    expect(failure(() => exchange().step(Buffer.from('n,a=other,n=u,r=a'))).message).toMatch(/authorization id/);
    const finals = ['c=biws', 'c=biws,r=wrongnonce,p=AAAA', 'c=eSws,r=abc,p=AAAA', 'garbage'];
    for (const bad of finals) {
      const e = exchange();
      e.step(Buffer.from('n,,n=user,r=abc'));
      expect(() => e.step(Buffer.from(bad)), bad).toThrow(AuthenticationFailed);
    }
  });
});

describe('PLAIN', () => {
  it('checks the password against the SCRAM credential', async () => {
    const credential = await credentialFromPassword('SCRAM-SHA-512', 'pw', 4096);
    const lookup = (user: string, m: ScramMechanism) =>
      user === 'bob' && m === 'SCRAM-SHA-512' ? credential : undefined;
    const ok = await new PlainServerExchange(lookup).step(Buffer.from('\u0000bob\u0000pw'));
    expect(ok.principal).toEqual({ type: 'User', name: 'bob' });
    await expect(new PlainServerExchange(lookup).step(Buffer.from('bob\u0000bob\u0000pw'))).resolves.toBeDefined();
    for (const bad of ['\u0000bob\u0000nope', '\u0000eve\u0000pw', 'bob', '\u0000\u0000pw', 'x\u0000bob\u0000pw']) {
      await expect(new PlainServerExchange(lookup).step(Buffer.from(bad)), JSON.stringify(bad)).rejects.toThrow(
        AuthenticationFailed,
      );
    }
  });
});
