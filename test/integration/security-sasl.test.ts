// SASL on a real node, byte by byte: SCRAM-SHA-256/512 and PLAIN over SaslAuthenticate and over
// handshake v0's raw tokens, what an unauthenticated client may and may not do, each failure's
// Kafka error and the close that follows, delays that grow with repeated failures, oversized and
// malformed tokens, SCRAM users made by AlterUserScramCredentials and bootstrap users, and the
// session lifetime with re-authentication (KIP-368).
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCas } from '../helpers/certs.js';
import { freePort, type NodeProcess, sleep, startSingleNode, stopAll, waitFor } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { ScramClient } from '../helpers/scram-client.js';

let node: NodeProcess;
/** A second node with the default failure delay and a short SASL session. */
let short: NodeProcess;
let saslSsl: number;
let saslPlaintext: number;
let plaintext: number;
let tls: ConnectionOptions;
const admin = { mechanism: 'SCRAM-SHA-512' as const, user: 'admin', password: 'admin-secret' };

interface AuthAnswer {
  errorCode: number;
  errorMessage: string | null;
  authBytes: Buffer;
  sessionLifetimeMs: number;
}

const METADATA_ALL = { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false };

beforeAll(async () => {
  const { ca } = makeTestCas();
  const server = ca.issue('localhost', 'server');
  tls = { ca: readFileSync(ca.cert) };
  [saslSsl, saslPlaintext, plaintext] = [await freePort(), await freePort(), await freePort()];
  node = await startSingleNode({
    kafkaPort: saslSsl,
    listeners: `SASL_SSL://127.0.0.1:${saslSsl},SASL_PLAINTEXT://127.0.0.1:${saslPlaintext},PLAINTEXT://127.0.0.1:${plaintext}`,
    extraArgs: [
      '--tls-cert',
      server.cert,
      '--tls-key',
      server.key,
      '--sasl-mechanisms',
      'SCRAM-SHA-256,SCRAM-SHA-512,PLAIN',
      // Many failures follow; their growing delay is tested on the other node.
      '--connection-failed-authentication-delay-ms',
      '0',
      // The administrator; app has no ACLs, so it may log in but not administer users.
      '--super-users',
      'User:admin',
    ],
    env: { BROOK_BOOTSTRAP_USERS: 'admin:admin-secret,app:app-secret' },
  });
  const port = await freePort();
  short = await startSingleNode({
    kafkaPort: port,
    listeners: `SASL_PLAINTEXT://127.0.0.1:${port}`,
    extraArgs: ['--connections-max-reauth-ms', '3000', '--super-users', 'User:other'],
    env: { BROOK_BOOTSTRAP_USERS: 'admin:admin-secret,other:other-secret' },
  });
}, 60_000);

afterAll(stopAll);

async function expectServing(): Promise<void> {
  const client = await RawClient.open(saslSsl, { tls, sasl: admin });
  const metadata = await client.request<{ brokers: unknown[] }>(3, 9, METADATA_ALL);
  expect(metadata.brokers.length).toBe(1);
  client.close();
}

describe('logging in', () => {
  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    for (const version of [0, 1, 2]) {
      it(`${mechanism} with SaslAuthenticate v${version} over TLS, then requests are served`, async () => {
        const client = await RawClient.connectTls(saslSsl, tls);
        const answer = await client.scramLogin(mechanism, 'app', 'app-secret', version);
        expect(answer).toMatchObject({ errorCode: 0, errorMessage: null });
        const metadata = await client.request<{ brokers: { port: number }[] }>(3, 9, METADATA_ALL);
        expect(metadata.brokers.map((b) => b.port)).toEqual([saslSsl]);
        client.close();
      });
    }
  }

  it('SCRAM with handshake v0 and raw tokens (kafka-python), on SASL_PLAINTEXT', async () => {
    const client = await RawClient.connect(saslPlaintext);
    const handshake = await client.request<{ errorCode: number; mechanisms: string[] }>(17, 0, {
      mechanism: 'SCRAM-SHA-256',
    });
    expect(handshake).toEqual({ errorCode: 0, mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'] });
    const scram = new ScramClient('SCRAM-SHA-256', 'app', 'app-secret');
    const serverFirst = await client.rawToken(scram.first());
    const serverFinal = await client.rawToken(scram.final(serverFirst));
    expect(scram.verifies(serverFinal)).toBe(true);
    const metadata = await client.request<{ brokers: { port: number }[] }>(3, 1, { topics: null });
    expect(metadata.brokers.map((b) => b.port)).toEqual([saslPlaintext]);
    client.close();
  });

  it('PLAIN over TLS, with SaslAuthenticate and with a raw token (answered by an empty token)', async () => {
    const framed = await RawClient.connectTls(saslSsl, tls);
    expect((await framed.request<{ errorCode: number }>(17, 1, { mechanism: 'PLAIN' })).errorCode).toBe(0);
    const ok = await framed.request<AuthAnswer>(36, 1, { authBytes: Buffer.from('\u0000admin\u0000admin-secret') });
    expect(ok.errorCode).toBe(0);
    expect((await framed.request<{ brokers: unknown[] }>(3, 9, METADATA_ALL)).brokers.length).toBe(1);
    framed.close();
    const raw = await RawClient.connectTls(saslSsl, tls);
    expect((await raw.request<{ errorCode: number }>(17, 0, { mechanism: 'PLAIN' })).errorCode).toBe(0);
    expect((await raw.rawToken(Buffer.from('\u0000app\u0000app-secret'))).length).toBe(0);
    expect((await raw.request<{ brokers: unknown[] }>(3, 1, { topics: null })).brokers.length).toBe(1);
    raw.close();
  });

  it('does not offer PLAIN where the password would cross the network in clear', async () => {
    const client = await RawClient.connect(saslPlaintext);
    const handshake = await client.request<{ errorCode: number; mechanisms: string[] }>(17, 1, { mechanism: 'PLAIN' });
    expect(handshake).toEqual({ errorCode: 33, mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'] }); // UNSUPPORTED_SASL_MECHANISM
    await client.closed;
  });
});

describe('before authentication', () => {
  it('serves ApiVersions, listing the SASL APIs librdkafka needs (SaslHandshake 1, SaslAuthenticate 0)', async () => {
    const client = await RawClient.connectTls(saslSsl, tls);
    const versions = await client.request<{ errorCode: number; apiKeys: { apiKey: number; maxVersion: number }[] }>(
      18,
      3,
      { clientSoftwareName: 'test', clientSoftwareVersion: '1' },
    );
    const max = new Map(versions.apiKeys.map((k) => [k.apiKey, k.maxVersion]));
    expect([max.get(17), max.get(36), max.get(50), max.get(51)]).toEqual([1, 2, 0, 0]);
    // ...twice even, as clients that retry a lower ApiVersions do.
    expect((await client.request<{ errorCode: number }>(18, 0, {})).errorCode).toBe(0);
    expect((await client.scramLogin('SCRAM-SHA-512', 'admin', 'admin-secret')).errorCode).toBe(0);
    client.close();
  });

  it('closes the connection on any other request', async () => {
    const client = await RawClient.connectTls(saslSsl, tls);
    await expect(client.request(3, 9, METADATA_ALL)).rejects.toThrow(/closed/);
    await expectServing();
    await waitFor('the log line', () => Promise.resolve(/before SASL authentication/.test(node.logs)));
  });

  it('answers SaslAuthenticate before SaslHandshake with ILLEGAL_SASL_STATE, then closes', async () => {
    const client = await RawClient.connectTls(saslSsl, tls);
    const answer = await client.request<AuthAnswer>(36, 1, { authBytes: Buffer.from('n,,n=admin,r=abc') });
    expect(answer.errorCode).toBe(34);
    await client.closed;
  });

  it('closes a connection that sends a frame larger than a SASL token may be', async () => {
    const client = await RawClient.connectTls(saslSsl, tls);
    const size = Buffer.alloc(4);
    size.writeInt32BE(600 * 1024, 0);
    client.writeRaw(Buffer.concat([size, Buffer.alloc(1024)]));
    await client.closed;
    await waitFor('the log line', () => Promise.resolve(/before SASL authentication/.test(node.logs)));
    await expectServing();
  });

  it('closes a connection whose client says nothing within the authentication timeout', async () => {
    // The timeout is 30 s; only check that a silent connection is still open before it.
    const client = await RawClient.connectTls(saslSsl, tls);
    await sleep(200);
    expect(client.isClosed).toBe(false);
    client.close();
  });
});

describe('failed authentication', () => {
  it('answers a wrong password with SASL_AUTHENTICATION_FAILED, without saying whether the user exists', async () => {
    const wrong = await RawClient.connectTls(saslSsl, tls);
    const answer = await wrong.scramLogin('SCRAM-SHA-256', 'admin', 'not-it');
    await wrong.closed;
    const ghost = await RawClient.connectTls(saslSsl, tls);
    const unknown = await ghost.scramLogin('SCRAM-SHA-256', 'nobody', 'x');
    await ghost.closed;
    expect(answer.errorCode).toBe(58);
    expect(unknown).toEqual(answer);
    expect(answer.errorMessage).toMatch(/invalid credentials with SASL mechanism SCRAM-SHA-256/);
    await waitFor('the log line', () => Promise.resolve(/wrong password admin/.test(node.logs)));
    expect(node.logs).not.toMatch(/not-it/);
    await expectServing();
  });

  it('answers an unknown mechanism with UNSUPPORTED_SASL_MECHANISM and the offered ones', async () => {
    const client = await RawClient.connectTls(saslSsl, tls);
    const answer = await client.request<{ errorCode: number; mechanisms: string[] }>(17, 1, { mechanism: 'GSSAPI' });
    expect(answer).toEqual({ errorCode: 33, mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN'] });
    await client.closed;
  });

  it('answers malformed SCRAM messages with SASL_AUTHENTICATION_FAILED and closes', async () => {
    for (const token of ['garbage', 'n,,n=admin', 'p=tls-unique,,n=admin,r=abc', '']) {
      const client = await RawClient.connectTls(saslSsl, tls);
      await client.request(17, 1, { mechanism: 'SCRAM-SHA-512' });
      const answer = await client.request<AuthAnswer>(36, 2, { authBytes: Buffer.from(token) });
      expect(answer.errorCode, token).toBe(58);
      await client.closed;
    }
    await expectServing();
  });

  it('closes a raw-token client on a wrong password (there is no error to send)', async () => {
    const client = await RawClient.connect(saslPlaintext);
    await client.request(17, 0, { mechanism: 'SCRAM-SHA-512' });
    const scram = new ScramClient('SCRAM-SHA-512', 'app', 'wrong');
    const serverFirst = await client.rawToken(scram.first());
    await expect(client.rawToken(scram.final(serverFirst))).rejects.toThrow(/closed/);
  });

  it('refuses a second SaslHandshake in the middle of an exchange with ILLEGAL_SASL_STATE', async () => {
    const client = await RawClient.connectTls(saslSsl, tls);
    await client.request(17, 1, { mechanism: 'SCRAM-SHA-512' });
    const again = await client.request<{ errorCode: number }>(17, 1, { mechanism: 'SCRAM-SHA-512' });
    expect(again.errorCode).toBe(34);
    await client.closed;
  });
});

// docs/security.md, "The HTTP port": nothing there changes state, so it needs no login; health
// and metrics stay readable on a secured node, and any other method than GET is refused.
describe('the HTTP port of a secured node', () => {
  it('serves /healthz and /metrics without credentials, and refuses every method but GET', async () => {
    const url = (path: string) => `http://127.0.0.1:${short.httpPort}${path}`;
    expect((await fetch(url('/healthz'))).status).toBe(200);
    const metrics = await fetch(url('/metrics'));
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^# HELP /m);
    const refused = await Promise.all(
      ['POST', 'PUT', 'DELETE', 'PATCH'].map(async (method) => (await fetch(url('/partitions'), { method })).status),
    );
    expect(refused).toEqual([405, 405, 405, 405]);
  });
});

describe('after authentication', () => {
  it('answers SaslHandshake and SaslAuthenticate with ILLEGAL_SASL_STATE, and on a listener without SASL', async () => {
    const client = await RawClient.open(saslSsl, { tls, sasl: admin });
    expect((await client.request<{ errorCode: number }>(17, 1, { mechanism: 'SCRAM-SHA-512' })).errorCode).toBe(34);
    expect((await client.request<AuthAnswer>(36, 2, { authBytes: Buffer.alloc(0) })).errorCode).toBe(34);
    expect((await client.request<{ brokers: unknown[] }>(3, 9, METADATA_ALL)).brokers.length).toBe(1);
    client.close();
    const open = await RawClient.connect(plaintext);
    expect((await open.request<{ errorCode: number }>(17, 1, { mechanism: 'PLAIN' })).errorCode).toBe(34);
    open.close();
  });
});

describe('SCRAM users', () => {
  it('are created by AlterUserScramCredentials, described, log in, and are deleted', async () => {
    const client = await RawClient.open(saslSsl, { tls, sasl: admin });
    const { pbkdf2Sync } = await import('node:crypto');
    const salt = Buffer.from('a-salt-of-the-client');
    const salted = pbkdf2Sync('carol-pw', salt, 4096, 64, 'sha512');
    const altered = await client.request<{ results: { user: string; errorCode: number }[] }>(51, 0, {
      deletions: [{ name: 'nobody', mechanism: 1 }],
      upsertions: [
        { name: 'carol', mechanism: 2, iterations: 4096, salt, saltedPassword: salted },
        { name: 'weak', mechanism: 2, iterations: 100, salt, saltedPassword: salted },
        { name: 'odd', mechanism: 9, iterations: 4096, salt, saltedPassword: salted },
      ],
    });
    expect(Object.fromEntries(altered.results.map((r) => [r.user, r.errorCode]))).toEqual({
      nobody: 91, // RESOURCE_NOT_FOUND
      carol: 0,
      weak: 93, // UNACCEPTABLE_CREDENTIAL
      odd: 33, // UNSUPPORTED_SASL_MECHANISM
    });
    const described = await client.request<{
      results: { user: string; errorCode: number; credentialInfos: { mechanism: number; iterations: number }[] }[];
    }>(50, 0, { users: null });
    expect(described.results.map((r) => r.user).sort()).toEqual(['admin', 'app', 'carol']);
    expect(described.results.find((r) => r.user === 'carol')?.credentialInfos).toEqual([
      { mechanism: 2, iterations: 4096 },
    ]);
    expect(described.results.find((r) => r.user === 'admin')?.credentialInfos).toEqual([
      { mechanism: 1, iterations: 8192 },
      { mechanism: 2, iterations: 8192 },
    ]);
    const one = await client.request<{ results: { user: string; errorCode: number }[] }>(50, 0, {
      users: [{ name: 'ghost' }, { name: 'carol' }],
    });
    expect(one.results.map((r) => [r.user, r.errorCode])).toEqual([
      ['ghost', 91],
      ['carol', 0],
    ]);

    const carol = await RawClient.open(saslSsl, {
      tls,
      sasl: { mechanism: 'SCRAM-SHA-512', user: 'carol', password: 'carol-pw' },
    });
    carol.close();
    const deleted = await client.request<{ results: { errorCode: number }[] }>(51, 0, {
      deletions: [{ name: 'carol', mechanism: 2 }],
      upsertions: [],
    });
    expect(deleted.results[0]!.errorCode).toBe(0);
    const refused = await RawClient.connectTls(saslSsl, tls);
    expect((await refused.scramLogin('SCRAM-SHA-512', 'carol', 'carol-pw')).errorCode).toBe(58);
    client.close();
  });

  it('may be altered and described only with ALTER and DESCRIBE on the cluster', async () => {
    const app = await RawClient.open(saslSsl, {
      tls,
      sasl: { mechanism: 'SCRAM-SHA-256', user: 'app', password: 'app-secret' },
    });
    const altered = await app.request<{ results: { user: string; errorCode: number }[] }>(51, 0, {
      deletions: [],
      upsertions: [
        { name: 'admin', mechanism: 1, iterations: 4096, salt: Buffer.from('s'), saltedPassword: Buffer.alloc(32) },
      ],
    });
    expect(altered.results).toEqual([expect.objectContaining({ user: 'admin', errorCode: 31 })]); // CLUSTER_AUTHORIZATION_FAILED
    const described = await app.request<{ errorCode: number; results: unknown[] }>(50, 0, { users: null });
    expect(described).toMatchObject({ errorCode: 31, results: [] });
    app.close();
    // admin's password is unchanged.
    (await RawClient.open(saslSsl, { tls, sasl: admin })).close();
  });

  it('keep their passwords out of DescribeConfigs', async () => {
    const client = await RawClient.open(saslSsl, { tls, sasl: admin });
    const described = await client.request<{
      results: { configs: { name: string; value: string | null; isSensitive: boolean }[] }[];
    }>(32, 4, {
      resources: [{ resourceType: 4, resourceName: '1', configurationKeys: null }],
      includeSynonyms: true,
      includeDocumentation: false,
    });
    const configs = new Map(described.results[0]!.configs.map((c) => [c.name, c]));
    expect(configs.get('sasl.bootstrap.users')).toMatchObject({ value: null, isSensitive: true });
    expect(JSON.stringify(described)).not.toMatch(/admin-secret|app-secret/);
    client.close();
  });
});

describe('failure delays (connection.failed.authentication.delay.ms)', () => {
  it('delays the answer, longer with each failure from the same address', async () => {
    const timed = async () => {
      const client = await RawClient.connect(short.kafkaPort);
      await client.request(17, 1, { mechanism: 'SCRAM-SHA-256' });
      const started = Date.now();
      const answer = await client.request<AuthAnswer>(36, 1, { authBytes: Buffer.from('not scram') });
      expect(answer.errorCode).toBe(58);
      await client.closed;
      return Date.now() - started;
    };
    const delays = [await timed(), await timed(), await timed()];
    // 100 ms doubled per recent failure : at least 100, 200, 400.
    expect(delays[0]).toBeGreaterThanOrEqual(95);
    expect(delays[1]).toBeGreaterThanOrEqual(195);
    expect(delays[2]).toBeGreaterThanOrEqual(395);
  });
});

describe('session lifetime (connections.max.reauth.ms)', () => {
  it('tells the client, and closes the connection on the first request after it ends', async () => {
    const client = await RawClient.connect(short.kafkaPort);
    const answer = await client.scramLogin('SCRAM-SHA-256', 'admin', 'admin-secret', 1);
    expect(answer.sessionLifetimeMs).toBe(3000);
    expect((await client.request<{ brokers: unknown[] }>(3, 9, METADATA_ALL)).brokers.length).toBe(1);
    await sleep(3200);
    await expect(client.request(3, 9, METADATA_ALL)).rejects.toThrow(/closed/);
    await waitFor('the log line', () => Promise.resolve(/SASL session of User:admin expired/.test(short.logs)));
  });

  it('is renewed by re-authenticating on the same connection, with the same principal only', async () => {
    const client = await RawClient.connect(short.kafkaPort);
    expect((await client.scramLogin('SCRAM-SHA-512', 'admin', 'admin-secret')).errorCode).toBe(0);
    await sleep(2000);
    const renewed = await client.scramLogin('SCRAM-SHA-512', 'admin', 'admin-secret');
    expect(renewed).toMatchObject({ errorCode: 0, sessionLifetimeMs: 3000 });
    await sleep(1500); // past the first session's end, within the renewed one
    expect((await client.request<{ brokers: unknown[] }>(3, 9, METADATA_ALL)).brokers.length).toBe(1);
    await sleep(500); // a second re-authentication comes at least a second after the first
    const other = await client.scramLogin('SCRAM-SHA-512', 'other', 'other-secret');
    expect(other.errorCode).toBe(58);
    expect(other.errorMessage).toMatch(/Cannot change principals during re-authentication from User:admin/);
    await client.closed;
  });

  it('kafkajs re-authenticates before each session ends and keeps producing on its connection', async () => {
    const kafka = new Kafka({
      brokers: [`127.0.0.1:${short.kafkaPort}`],
      logLevel: logLevel.NOTHING,
      sasl: { mechanism: 'scram-sha-256', username: 'other', password: 'other-secret' },
      // Re-authenticate 1 s before the 3 s session ends (kafkajs's default is 10 s before).
      reauthenticationThreshold: 1000,
    });
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    const startedAt = Date.now();
    let sent = 0;
    while (Date.now() - startedAt < 8000) {
      await producer.send({ topic: 'reauthenticated', acks: -1, messages: [{ value: `m${sent}` }] });
      sent++;
      await sleep(250);
    }
    await producer.disconnect();
    expect(sent).toBeGreaterThan(10);
    // Past two session lifetimes, and no session of this user ever ran out.
    expect(short.logs).not.toMatch(/SASL session of User:other expired/);
  });
});
