// TLS on a real node: client certificates on an SSL listener (required and requested), what is
// refused and logged (no certificate, one from another CA, a client that does not trust ours,
// garbage, plaintext and TLS 1.1 on a TLS port) while everything else keeps being served, certificate
// rotation without a restart, and named listeners that each advertise their own addresses.
import { copyFileSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { connect as connectTls, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRequest } from '../../src/kafka/protocol/index.js';
import { type CertFiles, makeTestCas, type TestCa } from '../helpers/certs.js';
import { freePort, type NodeProcess, startSingleNode, stopAll, waitFor } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';

let ca: TestCa;
let otherCa: TestCa;
let serverFiles: CertFiles;
let node: NodeProcess;
let required: number;
/** EXTERNAL, an SSL listener by listener.security.protocol.map. */
let external: number;
let internal: number;
const METADATA_ALL = { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false };

function trusting(extra: ConnectionOptions = {}): ConnectionOptions {
  return { ca: readFileSync(ca.cert), ...extra };
}

function withCertificate(files: CertFiles, extra: ConnectionOptions = {}): ConnectionOptions {
  return trusting({ cert: readFileSync(files.cert), key: readFileSync(files.key), ...extra });
}

/** Resolves once the server has closed (or refused) a TLS connection made with `options`. */
function refusedTls(port: number, options: ConnectionOptions, send?: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket: TLSSocket = connectTls({ host: '127.0.0.1', port, servername: 'localhost', ...options });
    socket.once('secureConnect', () => {
      if (send) socket.write(send);
      else socket.write(Buffer.concat(encodeRequest(3, 9, 1, 'refused', METADATA_ALL)));
    });
    socket.on('data', () => undefined);
    socket.once('error', (err: Error) => resolve(err.message));
    socket.once('close', () => resolve('closed'));
  });
}

beforeAll(async () => {
  ({ ca, otherCa } = makeTestCas());
  serverFiles = ca.issue('localhost', 'server');
  [required, external, internal] = [await freePort(), await freePort(), await freePort()];
  node = await startSingleNode({
    kafkaPort: required,
    listeners: `SSL://127.0.0.1:${required},EXTERNAL://127.0.0.1:${external},INTERNAL://127.0.0.1:${internal}`,
    extraArgs: [
      '--listener-security-protocol-map',
      'INTERNAL:PLAINTEXT,EXTERNAL:SSL',
      '--advertised-listeners',
      `EXTERNAL://localhost:${external}`,
      '--tls-cert',
      serverFiles.cert,
      '--tls-key',
      serverFiles.key,
      '--tls-ca',
      ca.cert,
      '--tls-client-auth',
      'required',
    ],
  });
}, 60_000);

afterAll(stopAll);

async function expectServing(): Promise<void> {
  const client = await RawClient.connect(internal);
  expect((await client.request<{ brokers: unknown[] }>(3, 9, METADATA_ALL)).brokers.length).toBe(1);
  client.close();
}

describe('client certificates (ssl.client.auth=required)', () => {
  it('serves a client whose certificate chains to the CA', async () => {
    const client = await RawClient.connectTls(required, withCertificate(ca.issue('alice')));
    const metadata = await client.request<{ brokers: { host: string; port: number }[] }>(3, 9, METADATA_ALL);
    expect(metadata.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: required, rack: null }]);
    client.close();
  });

  it('refuses a client without a certificate, and logs why', async () => {
    await refusedTls(required, trusting());
    await waitFor('the log line', () =>
      Promise.resolve(/no client certificate \(ssl.client.auth=required\)/.test(node.logs)),
    );
    await expectServing();
  });

  it('refuses a certificate from another CA, and logs why', async () => {
    await refusedTls(required, withCertificate(otherCa.issue('mallory')));
    await waitFor('the log line', () => Promise.resolve(/client certificate not trusted/.test(node.logs)));
    await expectServing();
  });
});

describe('what a TLS listener refuses', () => {
  it('a client that does not trust the server certificate fails its handshake', async () => {
    const message = await refusedTls(required, { ca: readFileSync(otherCa.cert) });
    expect(message).toMatch(/self.signed|unable to (verify|get)/i);
  });

  it('a client that offers no protocol newer than TLS 1.1', async () => {
    // SECLEVEL=0 lets this side's OpenSSL offer TLS 1.1, so the refusal is the server's minimum.
    const old = withCertificate(serverFiles, {
      maxVersion: 'TLSv1.1',
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    });
    expect(await refusedTls(required, old)).toMatch(/protocol version|unsupported protocol/i);
    await expectServing();
  });

  it('a plaintext Kafka client: closed with a log line that says so', async () => {
    const raw = await RawClient.connect(required);
    await expect(raw.request(18, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' })).rejects.toThrow(/closed/);
    await waitFor('the log line', () => Promise.resolve(/does not speak TLS \(a PLAINTEXT client\?\)/.test(node.logs)));
    await expectServing();
  });

  it('garbage in place of a handshake, from many connections: each closed, the node serves on', async () => {
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port: required }, () => socket.write(randomBytes(1 + i * 50)));
        socket.on('data', () => undefined);
        socket.once('close', () => resolve());
        socket.once('error', () => undefined);
      });
    }
    // A ClientHello cut short, then silence: the handshake times out or the close ends it.
    await expectServing();
    expect(node.running).toBe(true);
    expect(node.logs).toMatch(/TLS handshake failed; closing client connection/);
  });
});

describe('named listeners', () => {
  it('each advertise their own address (EXTERNAL is SSL by the map, and asks for certificates too)', async () => {
    // --tls-client-auth applies to every SSL listener, named or not.
    await refusedTls(external, trusting());
    const client = await RawClient.connectTls(external, withCertificate(ca.issue('bob')));
    const metadata = await client.request<{ brokers: { host: string; port: number }[] }>(3, 9, METADATA_ALL);
    // The EXTERNAL listener advertises its own address; INTERNAL gives its bind address.
    expect(metadata.brokers).toEqual([{ nodeId: 1, host: 'localhost', port: external, rack: null }]);
    const coordinator = await client.request<{ host: string; port: number; errorCode: number }>(10, 2, {
      key: 'g',
      keyType: 0,
    });
    if (coordinator.errorCode === 0) expect([coordinator.host, coordinator.port]).toEqual(['localhost', external]);
    client.close();
    const plain = await RawClient.connect(internal);
    const internalMetadata = await plain.request<{ brokers: { host: string; port: number }[] }>(3, 9, METADATA_ALL);
    expect(internalMetadata.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: internal, rack: null }]);
    plain.close();
  });
});

describe('requested client certificates', () => {
  let optional: NodeProcess;

  beforeAll(async () => {
    const port = await freePort();
    optional = await startSingleNode({
      kafkaPort: port,
      listeners: `SSL://127.0.0.1:${port}`,
      extraArgs: ['--tls-cert', serverFiles.cert, '--tls-key', serverFiles.key, '--tls-ca', ca.cert],
      env: { BROOK_TLS_CLIENT_AUTH: 'requested' },
    });
  }, 60_000);

  it('serve a client without one (User:ANONYMOUS) and one with a good one, and refuse a bad one', async () => {
    const anonymous = await RawClient.connectTls(optional.kafkaPort, trusting());
    expect((await anonymous.request<{ brokers: unknown[] }>(3, 9, METADATA_ALL)).brokers.length).toBe(1);
    anonymous.close();
    const named = await RawClient.connectTls(optional.kafkaPort, withCertificate(ca.issue('carol')));
    expect((await named.request<{ brokers: unknown[] }>(3, 9, METADATA_ALL)).brokers.length).toBe(1);
    named.close();
    await refusedTls(optional.kafkaPort, withCertificate(otherCa.issue('eve')));
    await waitFor('the log line', () => Promise.resolve(/client certificate not trusted/.test(optional.logs)));
  });
});

describe('certificate rotation', () => {
  it('new connections get the new certificate once its files change; open ones keep theirs', async () => {
    const serialOf = (socket: TLSSocket) => socket.getPeerCertificate().serialNumber;
    const before = await RawClient.connectTls(required, withCertificate(ca.issue('dave')));
    const firstSerial = await new Promise<string>((resolve) => {
      const s = connectTls({
        host: '127.0.0.1',
        port: required,
        servername: 'localhost',
        ...withCertificate(ca.issue('e')),
      });
      s.once('secureConnect', () => {
        resolve(serialOf(s));
        s.destroy();
      });
    });
    const rotated = ca.issue('localhost', 'server-rotated');
    // The key first, then the certificate: in between the pair does not match and is not loaded.
    copyFileSync(rotated.key, serverFiles.key);
    copyFileSync(rotated.cert, serverFiles.cert);
    const newSerial = await waitFor(
      'the rotated certificate',
      () =>
        new Promise<string | null>((resolve) => {
          const s = connectTls({
            host: '127.0.0.1',
            port: required,
            servername: 'localhost',
            ...withCertificate(ca.issue('f')),
          });
          s.once('secureConnect', () => {
            const serial = serialOf(s);
            s.destroy();
            resolve(serial !== firstSerial ? serial : null);
          });
          s.once('error', () => resolve(null));
        }),
      15_000,
      200,
    );
    expect(newSerial).not.toBe(firstSerial);
    expect((await before.request<{ brokers: unknown[] }>(3, 9, METADATA_ALL)).brokers.length).toBe(1);
    before.close();
    await waitFor('the log line', () => Promise.resolve(/TLS certificate reloaded/.test(node.logs)));
  });
});
