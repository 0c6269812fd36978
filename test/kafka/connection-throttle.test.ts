// KIP-219 muting over a real loopback socket: a throttled client's response goes out at once, and
// nothing more is read from it until the throttle time has passed; then the requests it sent
// meanwhile are handled in order. Other connections are not held.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import { Connection } from '../../src/kafka/connection.js';
import type { RequestDispatcher } from '../../src/kafka/dispatcher.js';
import { waitFor } from '../helpers/node-process.js';

const THROTTLE_MS = 600;

/** Answers every request at once with its tag byte; a request tagged 1 throttles its connection. */
class ThrottlingDispatcher {
  readonly received: { tag: number; atMs: number }[] = [];

  dispatch(connection: Connection, frame: Buffer): Buffer[] {
    const tag = frame[0] as number;
    this.received.push({ tag, atMs: Date.now() });
    if (tag === 1) connection.throttle(THROTTLE_MS);
    const body = Buffer.alloc(5);
    body.writeInt32BE(1, 0);
    body[4] = tag;
    return [body];
  }

  protocolError(): void {}
}

function frame(tag: number): Buffer {
  const out = Buffer.alloc(5);
  out.writeInt32BE(1, 0);
  out[4] = tag;
  return out;
}

describe('a throttled connection', () => {
  let server: Server;
  let port = 0;
  const sockets: Socket[] = [];
  const dispatcher = new ThrottlingDispatcher();

  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.push(socket);
      new Connection(sockets.length, socket, dispatcher as unknown as RequestDispatcher, silentLogger);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  async function client(): Promise<{ socket: Socket; answers: number[] }> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise((resolve) => socket.once('connect', resolve));
    sockets.push(socket);
    const answers: number[] = [];
    socket.on('data', (chunk: Buffer) => {
      for (let at = 0; at + 5 <= chunk.length; at += 5) answers.push(chunk[at + 4] as number);
    });
    return { socket, answers };
  }

  it('answers at once, reads nothing more until the throttle time passes, and others go on', async () => {
    const throttled = await client();
    const startedMs = Date.now();
    throttled.socket.write(Buffer.concat([frame(1), frame(2), frame(3)]));
    await waitFor('the first answer', () => Promise.resolve(throttled.answers.length === 1), 5_000);
    // Meanwhile another client is served as usual.
    const other = await client();
    other.socket.write(frame(9));
    await waitFor('the other client', () => Promise.resolve(other.answers.length === 1), 5_000);
    expect(dispatcher.received.filter((r) => r.tag === 2)).toEqual([]);
    await waitFor('the rest', () => Promise.resolve(throttled.answers.length === 3), 10_000);
    expect(throttled.answers).toEqual([1, 2, 3]);
    const second = dispatcher.received.find((r) => r.tag === 2)!;
    expect(second.atMs - startedMs).toBeGreaterThanOrEqual(THROTTLE_MS - 20);
  });
});
