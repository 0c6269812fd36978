// The Raft transport on its own, over real gRPC on 127.0.0.1: non-snapshot messages travel on one
// long-lived client stream per peer, a peer that goes away is reported unreachable and traffic
// resumes when it is back on the same port, another cluster is refused, a MsgSnap still goes by
// unary Send and reports snapshotSent, a stuck stream is given up, and a malformed batch costs
// nothing but itself.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClient, GrpcServer, grpc, loadProto, serviceConstructor } from '../../src/common/grpc.js';
import { limits } from '../../src/common/limits.js';
import type { Logger } from '../../src/common/log.js';
import { silentLogger } from '../../src/common/log.js';
import type { RaftTransportHandler } from '../../src/raft/driver-io.js';
import { messageFromWire, messagesFromWire, GrpcRaftTransport } from '../../src/raft/driver-transport.js';
import type { RaftMessage } from '../../src/raft/index.js';
import { EntryType, message, MessageType } from '../../src/raft/index.js';
import { freePort } from '../helpers/node-process.js';
import { bytes, TestCluster, waitFor } from './driver-harness.js';

const CLUSTER_ID = 'transport-test';

/** What a transport told its driver. */
class RecordingHandler implements RaftTransportHandler {
  readonly received: RaftMessage[] = [];
  readonly unreachableReports: number[] = [];
  readonly snapshotReports: { to: number; ok: boolean }[] = [];
  receive(messages: readonly RaftMessage[]): void {
    this.received.push(...messages);
  }
  unreachable(to: number): void {
    this.unreachableReports.push(to);
  }
  snapshotSent(to: number, ok: boolean): void {
    this.snapshotReports.push({ to, ok });
  }
}

/** A logger whose lines (their `msg`) the test can read. */
function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n'))
        if (line !== '') lines.push((JSON.parse(line) as { msg: string }).msg);
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

interface Node {
  readonly id: number;
  readonly port: number;
  server: GrpcServer;
  transport: GrpcRaftTransport;
  readonly handler: RecordingHandler;
}

const open: Node[] = [];
const servers: GrpcServer[] = [];

/** A transport on its own server; `peers` maps node ids to ports (the node's own included). */
async function startNode(
  id: number,
  peers: ReadonlyMap<number, number>,
  options: {
    clusterId?: string;
    log?: Logger;
    sendTimeoutMs?: number;
    handler?: RecordingHandler;
    /** Where members beyond `peers` are (a learner added at run time). */
    addressOf?: (nodeId: number) => string | null;
  } = {},
): Promise<Node> {
  const port = peers.get(id) as number;
  const server = new GrpcServer(silentLogger);
  const handler = options.handler ?? new RecordingHandler();
  const transport = new GrpcRaftTransport(
    {
      nodeId: id,
      clusterId: options.clusterId ?? CLUSTER_ID,
      peers: new Map([...peers].map(([peer, p]) => [peer, `127.0.0.1:${p}`])),
      server,
      log: options.log ?? silentLogger,
      sendTimeoutMs: options.sendTimeoutMs ?? 2_000,
      snapshotSendTimeoutMs: 5_000,
      ...(options.addressOf !== undefined ? { addressOf: options.addressOf } : {}),
    },
    handler,
  );
  await server.listen('127.0.0.1', port);
  const node: Node = { id, port, server, transport, handler };
  open.push(node);
  return node;
}

/** Takes a node off the network as a crash would: its server disappears at once. */
function stopNode(node: Node): void {
  node.transport.close();
  node.server.server.forceShutdown();
}

async function portsFor(...ids: number[]): Promise<Map<number, number>> {
  const ports = new Map<number, number>();
  for (const id of ids) ports.set(id, await freePort());
  return ports;
}

const heartbeat = (from: number, to: number, term = 1): RaftMessage =>
  message({ type: MessageType.MsgHeartbeat, from, to, term });

const raftService = (): grpc.ServiceDefinition =>
  serviceConstructor(loadProto('raft.proto'), 'brook.raft.Raft').service;

/** A stand-in peer that implements the Raft service itself and records which method carried what. */
async function startRecordingPeer(
  port: number,
  onStream?: (call: grpc.ServerReadableStream<unknown, unknown>) => void,
) {
  const calls = { send: [] as unknown[][], streams: 0, streamBatches: [] as unknown[][], streamEnds: 0 };
  const server = new GrpcServer(silentLogger);
  server.addService(raftService(), {
    Send: (call: grpc.ServerUnaryCall<{ messages: unknown[] }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      calls.send.push(call.request.messages);
      callback(null, {});
    },
    Stream: (
      call: grpc.ServerReadableStream<{ messages: unknown[] }, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      calls.streams++;
      call.on('data', (batch: { messages: unknown[] }) => calls.streamBatches.push(batch.messages));
      const ended = (): void => {
        calls.streamEnds++;
        callback(null, {});
      };
      call.on('end', ended);
      call.on('cancelled', () => calls.streamEnds++);
      call.on('error', () => undefined);
      onStream?.(call);
    },
  });
  await server.listen('127.0.0.1', port);
  servers.push(server);
  return { server, calls };
}

afterEach(() => {
  for (const node of open.splice(0)) stopNode(node);
  for (const server of servers.splice(0)) server.server.forceShutdown();
});

describe('GrpcRaftTransport over gRPC', () => {
  it('carries every non-snapshot message on one stream per peer, in send order, and a MsgSnap by unary Send', async () => {
    const ports = await portsFor(1, 2);
    const peer = await startRecordingPeer(ports.get(2) as number);
    const a = await startNode(1, ports);
    // Sent in separate turns of the event loop, as heartbeats are.
    for (let i = 1; i <= 30; i++) {
      a.transport.send(heartbeat(1, 2, i));
      await new Promise((r) => setTimeout(r, 2));
    }
    // Sent in one turn: they leave together as one batch.
    for (let i = 31; i <= 40; i++) a.transport.send(heartbeat(1, 2, i));
    await waitFor(() => peer.calls.streamBatches.flat().length === 40, 3_000);
    const terms = peer.calls.streamBatches.flat().map((m) => (m as RaftMessage).term);
    expect(terms).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(peer.calls.streams).toBe(1);
    expect(peer.calls.streamBatches.at(-1)).toHaveLength(10);
    expect(peer.calls.send).toHaveLength(0);

    const snap = message({
      type: MessageType.MsgSnap,
      from: 1,
      to: 2,
      term: 40,
      snapshot: {
        metadata: { index: 7, term: 3, confState: { voters: [1, 2], learners: [] } },
        data: new Uint8Array([1, 2, 3]),
      },
    });
    a.transport.send(snap);
    await waitFor(() => a.handler.snapshotReports.length === 1, 3_000);
    expect(a.handler.snapshotReports).toEqual([{ to: 2, ok: true }]);
    expect(peer.calls.send).toHaveLength(1);
    expect((peer.calls.send[0]?.[0] as RaftMessage).type).toBe(MessageType.MsgSnap);
    expect(peer.calls.streams).toBe(1);
    expect(a.handler.unreachableReports).toEqual([]);
  });

  it('reaches a member beyond the configured peers at the address looked up, and again when it moves', async () => {
    const ports = await portsFor(1);
    const learnerPorts = [await freePort(), await freePort()];
    let learnerAt: string | null = null;
    const a = await startNode(1, ports, { addressOf: (id) => (id === 4 ? learnerAt : null) });
    // Unknown yet (not registered): reported unreachable, nothing sent.
    a.transport.send(heartbeat(1, 4));
    expect(a.handler.unreachableReports).toEqual([4]);
    const first = await startRecordingPeer(learnerPorts[0]!);
    learnerAt = `127.0.0.1:${learnerPorts[0]}`;
    a.transport.send(heartbeat(1, 4, 2));
    await waitFor(() => first.calls.streamBatches.flat().length === 1, 3_000);
    // Registered again elsewhere (a restart on another port): the next message goes there.
    const second = await startRecordingPeer(learnerPorts[1]!);
    learnerAt = `127.0.0.1:${learnerPorts[1]}`;
    a.transport.send(heartbeat(1, 4, 3));
    await waitFor(() => second.calls.streamBatches.flat().length === 1, 3_000);
    expect((second.calls.streamBatches.flat()[0] as RaftMessage).term).toBe(3);
    expect(first.calls.streamBatches.flat()).toHaveLength(1);
  });

  it('delivers to a peer transport, which steps only messages addressed to it', async () => {
    const ports = await portsFor(1, 2, 3);
    const a = await startNode(1, ports);
    const b = await startNode(2, ports);
    const c = await startNode(3, ports);
    const app = message({
      type: MessageType.MsgApp,
      from: 1,
      to: 2,
      term: 2,
      index: 4,
      logTerm: 1,
      commit: 4,
      entries: [
        { term: 2, index: 5, type: EntryType.normal, data: new Uint8Array([9]) },
        { term: 2, index: 6, type: EntryType.normal, data: new Uint8Array([8, 7]) },
      ],
    });
    a.transport.send(app);
    a.transport.send(heartbeat(1, 3, 2));
    await waitFor(() => b.handler.received.length === 1 && c.handler.received.length === 1, 3_000);
    const got = b.handler.received[0] as RaftMessage;
    expect({
      ...got,
      entries: got.entries.map((e) => ({ ...e, data: [...e.data] })),
      context: [...got.context],
    }).toEqual({
      ...app,
      entries: app.entries.map((e) => ({ ...e, data: [...e.data] })),
      context: [],
    });
    expect(c.handler.received[0]?.type).toBe(MessageType.MsgHeartbeat);
    expect(a.handler.unreachableReports).toEqual([]);
  });

  it('reports a peer that goes away unreachable, once in the log, and resumes when it is back on the same port', async () => {
    const ports = await portsFor(1, 2);
    const { log, lines } = capturingLogger();
    const a = await startNode(1, ports, { log });
    let b = await startNode(2, ports);
    let sending = true;
    const pump = (async () => {
      for (let term = 1; sending; term++) {
        a.transport.send(heartbeat(1, 2, term));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      await waitFor(() => b.handler.received.length >= 3, 3_000);
      expect(a.handler.unreachableReports).toEqual([]);

      stopNode(b);
      open.splice(open.indexOf(b), 1);
      await waitFor(() => a.handler.unreachableReports.length >= 1, 3_000);
      expect(a.handler.unreachableReports.every((to) => to === 2)).toBe(true);
      // Down for a while: the stream is reopened every ~100 ms at most, not in a tight loop.
      const reportsAtDown = a.handler.unreachableReports.length;
      await new Promise((r) => setTimeout(r, 600));
      const reportsWhileDown = a.handler.unreachableReports.length - reportsAtDown;
      expect(reportsWhileDown).toBeLessThanOrEqual(8);
      expect(lines.filter((l) => l === 'raft peer unreachable')).toHaveLength(1);

      b = await startNode(2, ports, { handler: new RecordingHandler() });
      await waitFor(() => b.handler.received.length >= 3, 5_000);
      // The stream gives no answers; B's own messages are what tell A it is back.
      expect(lines).not.toContain('raft peer reachable');
      b.transport.send(heartbeat(2, 1, 1));
      await waitFor(() => lines.includes('raft peer reachable'), 3_000);
      expect(lines.filter((l) => l === 'raft peer unreachable')).toHaveLength(1);
    } finally {
      sending = false;
      await pump;
    }
  });

  it('refuses batches from another cluster: the stream ends with FAILED_PRECONDITION, nothing is stepped, both sides log it rarely', async () => {
    const ports = await portsFor(1, 2);
    const sender = capturingLogger();
    const receiver = capturingLogger();
    const stranger = await startNode(1, ports, { clusterId: 'another-cluster', log: sender.log });
    const b = await startNode(2, ports, { log: receiver.log });
    for (let i = 0; i < 6; i++) {
      stranger.transport.send(heartbeat(1, 2, 50));
      await new Promise((r) => setTimeout(r, 120));
    }
    await waitFor(() => stranger.handler.unreachableReports.length >= 2, 3_000);
    expect(b.handler.received).toEqual([]);
    expect(b.transport.rejectedBatchCount).toBeGreaterThanOrEqual(2);
    expect(receiver.lines.filter((l) => l.startsWith('refusing raft messages from another cluster'))).toHaveLength(1);
    expect(sender.lines.filter((l) => l === 'raft peer refused our messages')).toHaveLength(1);

    // The same refusal for a stream opened by hand.
    const ctor = serviceConstructor(loadProto('raft.proto'), 'brook.raft.Raft');
    type StreamClient = grpc.Client & {
      Stream: (cb: (err: grpc.ServiceError | null) => void) => grpc.ClientWritableStream<unknown>;
    };
    const client = createClient<StreamClient>(ctor, `127.0.0.1:${b.port}`, grpc.credentials.createInsecure());
    const status = await new Promise<grpc.ServiceError | null>((resolve) => {
      const call = client.Stream(resolve);
      call.write({ clusterId: 'another-cluster', messages: [heartbeat(9, 2, 99)] });
    });
    client.close();
    expect(status?.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(b.handler.received).toEqual([]);
  });

  it('reports snapshotSent(false) when the snapshot cannot be delivered', async () => {
    const ports = await portsFor(1, 2);
    const a = await startNode(1, ports);
    const snap = message({
      type: MessageType.MsgSnap,
      from: 1,
      to: 2,
      term: 3,
      snapshot: {
        metadata: { index: 7, term: 3, confState: { voters: [1, 2], learners: [] } },
        data: new Uint8Array([1]),
      },
    });
    a.transport.send(snap);
    await waitFor(() => a.handler.snapshotReports.length === 1, 5_000);
    expect(a.handler.snapshotReports).toEqual([{ to: 2, ok: false }]);
    expect(a.handler.unreachableReports).toContain(2);
  });

  it('gives up a stream that stays full past sendTimeoutMs, drops what does not fit the queue meanwhile, and opens a new one', async () => {
    const ports = await portsFor(1, 2);
    // A peer that takes the first stream's messages off the wire not at all (it never reads).
    const peer = await startRecordingPeer(ports.get(2) as number, (call) => {
      if (peer.calls.streams === 1) call.pause();
    });
    const a = await startNode(1, ports, { sendTimeoutMs: 1_500 });
    const big = (term: number): RaftMessage =>
      message({
        type: MessageType.MsgApp,
        from: 1,
        to: 2,
        term,
        index: 0,
        entries: [
          { term, index: 1, type: EntryType.normal, data: new Uint8Array(limits.raftMessageSizeBytesMax - 1024) },
        ],
      });
    // Far more than the HTTP/2 windows (8 MiB stream, 64 MiB session) and the queue can hold.
    for (let i = 1; i <= 160; i++) {
      a.transport.send(big(i));
      await new Promise((r) => setImmediate(r));
    }
    expect(a.transport.droppedMessageCount).toBeGreaterThan(0);
    expect(a.handler.unreachableReports.length).toBeGreaterThan(0);
    expect(peer.calls.streams).toBe(1);
    // Heartbeats go on; once the stuck stream is given up, one of them opens a second stream,
    // which the peer reads.
    const heartbeatTerm = 1_000;
    const arrived = (): boolean =>
      peer.calls.streamBatches.flat().some((m) => (m as RaftMessage).term === heartbeatTerm);
    const deadline = Date.now() + 6_000;
    while (!arrived() && Date.now() < deadline) {
      a.transport.send(heartbeat(1, 2, heartbeatTerm));
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(arrived()).toBe(true);
    expect(peer.calls.streams).toBe(2);
  });

  it('survives malformed input on the stream and keeps serving', async () => {
    const ports = await portsFor(1, 2);
    const a = await startNode(1, ports);
    const b = await startNode(2, ports);
    // Bytes that are not a RaftMessageBatch at all.
    const raw: grpc.MethodDefinition<Buffer, Buffer> = {
      path: '/brook.raft.Raft/Stream',
      requestStream: true,
      responseStream: false,
      requestSerialize: (v: Buffer) => v,
      requestDeserialize: (v: Buffer) => v,
      responseSerialize: (v: Buffer) => v,
      responseDeserialize: (v: Buffer) => v,
    };
    const RawClient = grpc.makeGenericClientConstructor({ Stream: raw }, 'RawRaft');
    const client = new RawClient(`127.0.0.1:${b.port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      Stream: (cb: (err: grpc.ServiceError | null) => void) => grpc.ClientWritableStream<Buffer>;
    };
    const status = await new Promise<grpc.ServiceError | null>((resolve) => {
      const call = client.Stream(resolve);
      call.write(Buffer.from([0x12, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    });
    client.close();
    expect(status).not.toBeNull();
    expect(b.handler.received).toEqual([]);

    // Well-formed protobuf whose message the core could not take: dropped alone, the rest stepped.
    a.transport.send(
      message({
        type: MessageType.MsgApp,
        from: 1,
        to: 2,
        term: 1,
        index: 3,
        entries: [{ term: 1, index: 9, type: EntryType.normal, data: new Uint8Array(0) }],
      }),
    );
    a.transport.send(heartbeat(1, 2, 7));
    await waitFor(() => b.handler.received.length >= 1, 3_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(b.handler.received.map((m) => m.type)).toEqual([MessageType.MsgHeartbeat]);
  });

  it('close() ends the streams and sends nothing more', async () => {
    const ports = await portsFor(1, 2);
    const peer = await startRecordingPeer(ports.get(2) as number);
    const a = await startNode(1, ports);
    a.transport.send(heartbeat(1, 2, 1));
    await waitFor(() => peer.calls.streamBatches.length === 1, 3_000);
    a.transport.close();
    await waitFor(() => peer.calls.streamEnds >= 1, 3_000);
    a.transport.send(heartbeat(1, 2, 2));
    await new Promise((r) => setTimeout(r, 200));
    expect(peer.calls.streams).toBe(1);
    expect(peer.calls.streamBatches).toHaveLength(1);
    expect(a.handler.unreachableReports).toEqual([]);
  });

  it('close() leaves nothing behind: a process whose transports closed exits by itself', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'fixtures/transport-close-child.ts'), String(portA), String(portB)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 20_000);
      child.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code, stderr).toBe(0);
    const line = stdout.split('\n').find((l) => l.startsWith('closed '));
    expect(line, stdout).toBeDefined();
    // No timer of ours (drain, backoff) is left holding the event loop after close().
    expect(JSON.parse((line as string).slice('closed '.length)) as string[]).not.toContain('Timeout');
  });
});

describe('messagesFromWire', () => {
  const raw = (fields: Record<string, unknown>): Record<string, unknown> => ({
    type: MessageType.MsgHeartbeat,
    from: 1,
    to: 2,
    term: 1,
    entries: [],
    ...fields,
  });

  it('keeps well-formed messages to this node from another node, in order', () => {
    const got = messagesFromWire([raw({ term: 1 }), raw({ term: 2, from: 3 })], 2);
    expect(got.map((m) => [m.from, m.term])).toEqual([
      [1, 1],
      [3, 2],
    ]);
  });

  it('drops messages to another node, from this node or from no node, and local or unknown types', () => {
    expect(
      messagesFromWire(
        [raw({ to: 3 }), raw({ from: 2 }), raw({ from: 0 }), raw({ type: 'MsgHup' }), raw({ type: 'Bogus' })],
        2,
      ),
    ).toEqual([]);
  });

  it('drops a MsgApp whose entries do not follow its index, and a MsgSnap without a snapshot', () => {
    const entry = (index: number): Record<string, unknown> => ({
      term: 1,
      index,
      type: 'normal',
      data: new Uint8Array(0),
    });
    expect(messageFromWire(raw({ type: MessageType.MsgApp, index: 4, entries: [entry(5), entry(7)] }))).toBeUndefined();
    expect(
      messageFromWire(raw({ type: MessageType.MsgApp, index: 4, entries: [entry(5), entry(6)] }))?.entries,
    ).toHaveLength(2);
    expect(messageFromWire(raw({ type: MessageType.MsgSnap, snapshot: null }))).toBeUndefined();
  });

  it('tolerates junk in place of fields: no throw, nothing beyond the schema', () => {
    const junk = [
      null,
      7,
      'x',
      raw({ entries: [null, 3, { term: -1, index: 1.5, data: 'no' }], term: -4, commit: Number.NaN, extra: 'dropped' }),
    ];
    const got = messagesFromWire(junk, 2);
    expect(got).toHaveLength(1);
    expect(got[0]?.term).toBe(0);
    expect(got[0]?.commit).toBe(0);
    expect(got[0]).not.toHaveProperty('extra');
    expect(messagesFromWire('not an array', 2)).toEqual([]);
  });
});

describe('RaftDriver over the streaming transport', () => {
  it('elects a leader and commits on three nodes over long-lived streams, with no unary calls', async () => {
    // Count, on every member's server, the Raft calls that arrive.
    const calls = { Send: 0, Stream: 0, streamBatches: 0 };
    // Called below with the server as `this`.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const realAddService = GrpcServer.prototype.addService;
    const addService = vi.spyOn(GrpcServer.prototype, 'addService').mockImplementation(function (
      this: GrpcServer,
      service,
      implementation,
    ) {
      const counted: grpc.UntypedServiceImplementation = {};
      for (const [name, handler] of Object.entries(implementation)) {
        counted[name] = (...args: unknown[]) => {
          if (name === 'Send' || name === 'Stream') calls[name]++;
          if (name === 'Stream')
            (args[0] as grpc.ServerReadableStream<unknown, unknown>).on('data', () => calls.streamBatches++);
          return (handler as (...a: unknown[]) => unknown)(...args);
        };
      }
      realAddService.call(this, service, counted);
    });
    const cluster = await TestCluster.start(3);
    try {
      const leader = await cluster.waitForLeader();
      for (let i = 0; i < 20; i++) await leader.driver.propose(bytes(`s${i}`));
      await waitFor(() => cluster.members.every((m) => m.machine.applied.length === 20), 5_000);
      // Let heartbeats run for a while: they reuse the streams.
      await new Promise((r) => setTimeout(r, 500));
      expect(calls.Send, JSON.stringify(calls)).toBe(0);
      // Each node keeps one stream to each peer it talks to; a new one only after a failure (a
      // peer not listening yet at start, a keepalive timeout on a starved machine). Heartbeats
      // alone are 10 batches a second per link, so most batches share a stream with many others.
      expect(calls.Stream, JSON.stringify(calls)).toBeGreaterThanOrEqual(4);
      expect(calls.streamBatches, JSON.stringify(calls)).toBeGreaterThanOrEqual(10 * calls.Stream);
      for (const m of cluster.members) expect(m.driver.status().droppedMessages).toBe(0);
    } finally {
      addService.mockRestore();
      await cluster.close();
    }
  });
});
