// A client connection's flow control over a real loopback socket: requests are handed on while
// fewer than the byte bound are unanswered, then reading pauses until answers drain it, always at
// least one request (however large) is handled, and responses keep request order. The same over
// TLS, and over TLS through a SASL session the client logged in to first.
import { readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { connect as connectTls, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limits } from '../../src/common/limits.js';
import { silentLogger } from '../../src/common/log.js';
import { Connection, type ConnectionSecurity } from '../../src/kafka/connection.js';
import type { RequestDispatcher } from '../../src/kafka/dispatcher.js';
import { decodeResponseFrame, encodeRequest } from '../../src/kafka/protocol/index.js';
import { FailureDelays } from '../../src/kafka/sasl/failure-delays.js';
import { credentialFromPassword } from '../../src/kafka/sasl/scram-crypto.js';
import { SaslSession } from '../../src/kafka/sasl/session.js';
import type { ScramCredential } from '../../src/metadata/index.js';
import { makeTestCas } from '../helpers/certs.js';
import { stopAll, waitFor } from '../helpers/node-process.js';
import { ScramClient } from '../helpers/scram-client.js';

/** A dispatcher whose answers the test releases by hand: each request is answered with its first byte. */
class HeldDispatcher {
  readonly received: Buffer[] = [];
  private readonly releases: (() => void)[] = [];

  dispatch(_connection: Connection, frame: Buffer): Promise<Buffer[]> {
    this.received.push(frame);
    return new Promise((resolve) => {
      this.releases.push(() => {
        const body = Buffer.alloc(5);
        body.writeInt32BE(1, 0);
        body[4] = frame[0] as number;
        resolve([body]);
      });
    });
  }

  release(i: number): void {
    (this.releases[i] as () => void)();
  }

  protocolError(): void {}
}

function frame(size: number, tag: number): Buffer {
  const out = Buffer.alloc(4 + size);
  out.writeInt32BE(size, 0);
  out[4] = tag;
  return out;
}

/** Reads one size-prefixed frame off a socket. */
function nextFrame(socket: Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 4 || buffered.length < 4 + buffered.readInt32BE(0)) return;
      socket.off('data', onData);
      resolve(buffered.subarray(4, 4 + buffered.readInt32BE(0)));
    };
    socket.on('data', onData);
  });
}

/** SaslHandshake v1 and SaslAuthenticate v2 with SCRAM-SHA-256, before any test frame. */
async function logIn(socket: Socket): Promise<void> {
  const request = async <T>(apiKey: number, version: number, id: number, body: unknown): Promise<T> => {
    const answer = nextFrame(socket);
    socket.write(Buffer.concat(encodeRequest(apiKey, version, id, 'test', body)));
    return decodeResponseFrame<T & object>(apiKey, version, await answer).body;
  };
  const scram = new ScramClient('SCRAM-SHA-256', 'user', 'pw');
  await request(17, 1, 1, { mechanism: 'SCRAM-SHA-256' });
  const first = await request<{ authBytes: Buffer }>(36, 2, 2, { authBytes: scram.first() });
  const final = await request<{ errorCode: number; authBytes: Buffer }>(36, 2, 3, {
    authBytes: scram.final(first.authBytes),
  });
  expect(final.errorCode).toBe(0);
  expect(scram.verifies(final.authBytes)).toBe(true);
}

const MODES = ['TCP', 'TLS', 'TLS and SASL'] as const;

describe.each(MODES)('connection flow control over %s', (mode) => {
  let server: Server;
  let port = 0;
  const sockets: Socket[] = [];
  let dispatcher: HeldDispatcher;
  let ca = Buffer.alloc(0);
  let credential: ScramCredential;

  beforeAll(async () => {
    credential = await credentialFromPassword('SCRAM-SHA-256', 'pw', 4096);
    const security: ConnectionSecurity = {
      listener: { name: 'TEST', securityProtocol: 'SASL_SSL', authenticatesClients: true },
      gate: (address, authenticated) =>
        new SaslSession(
          {
            listenerName: 'TEST',
            mechanisms: ['SCRAM-SHA-256'],
            credentials: (user) => (user === 'user' ? credential : undefined),
            sessionLifetimeMs: 0,
            failureDelays: new FailureDelays(0),
            log: silentLogger,
          },
          address,
          authenticated,
        ),
    };
    const accept = (socket: Socket) => {
      sockets.push(socket);
      const secured = mode === 'TLS and SASL' ? security : undefined;
      new Connection(1, socket, dispatcher as unknown as RequestDispatcher, silentLogger, secured);
    };
    if (mode === 'TCP') {
      server = createServer(accept);
    } else {
      const cas = makeTestCas();
      const files = cas.ca.issue('localhost', 'server');
      ca = readFileSync(cas.ca.cert);
      server = createTlsServer({ cert: readFileSync(files.cert), key: readFileSync(files.key) }, accept);
      rmSync(cas.dir, { recursive: true, force: true });
    }
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
    await stopAll();
  });

  async function client(): Promise<{ socket: Socket; answers: number[] }> {
    const socket: Socket | TLSSocket =
      mode === 'TCP'
        ? connect({ host: '127.0.0.1', port })
        : connectTls({ host: '127.0.0.1', port, servername: 'localhost', ca });
    await new Promise((resolve) => socket.once(mode === 'TCP' ? 'connect' : 'secureConnect', resolve));
    sockets.push(socket);
    if (mode === 'TLS and SASL') await logIn(socket);
    const answers: number[] = [];
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 5) {
        answers.push(buffered[4] as number);
        buffered = buffered.subarray(5);
      }
    });
    return { socket, answers };
  }

  it('pauses while the unanswered request bytes reach the bound and resumes as answers drain them', async () => {
    dispatcher = new HeldDispatcher();
    const { socket, answers } = await client();
    const big = Math.ceil((limits.connectionInflightRequestBytesMax * 3) / 4);
    socket.write(Buffer.concat([frame(big, 1), frame(big, 2), frame(10, 3)]));

    await waitFor('two large requests handed on', async () => dispatcher.received.length === 2);
    // Two requests hold 1.5 times the bound: the third waits, buffered, however long.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(dispatcher.received.length).toBe(2);

    // One answer leaves three quarters of the bound unanswered: still above the resume mark.
    dispatcher.release(0);
    await waitFor('first answer', async () => answers.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(dispatcher.received.length).toBe(2);

    dispatcher.release(1);
    await waitFor('third request after the drain', async () => dispatcher.received.length === 3);
    expect((dispatcher.received[2] as Buffer).length).toBe(10);
    dispatcher.release(2);
    await waitFor('all answers', async () => answers.length === 3);
    expect(answers).toEqual([1, 2, 3]);
  });

  it('handles a request larger than the bound, then the next one once it is answered', async () => {
    dispatcher = new HeldDispatcher();
    const { socket, answers } = await client();
    socket.write(Buffer.concat([frame(limits.connectionInflightRequestBytesMax * 2, 7), frame(1, 8)]));
    await waitFor('the oversized request handed on', async () => dispatcher.received.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(dispatcher.received.length).toBe(1);
    dispatcher.release(0);
    await waitFor('the next request', async () => dispatcher.received.length === 2);
    dispatcher.release(1);
    await waitFor('both answers', async () => answers.length === 2);
    expect(answers).toEqual([7, 8]);
  });

  it('answers in request order when later requests finish first', async () => {
    dispatcher = new HeldDispatcher();
    const { socket, answers } = await client();
    socket.write(Buffer.concat([frame(3, 1), frame(3, 2), frame(3, 3)]));
    await waitFor('three small requests handed on together', async () => dispatcher.received.length === 3);
    dispatcher.release(2);
    dispatcher.release(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(answers).toEqual([]);
    dispatcher.release(0);
    await waitFor('all answers', async () => answers.length === 3);
    expect(answers).toEqual([1, 2, 3]);
  });
});
