// The broker watch: a real gRPC server on 127.0.0.1 stands for a broker. When its connection drops,
// the probe decides: a process that is gone (its port refuses) or a host that answers nothing is
// reported gone; a broker that is back listening is not. A broker that never connected, or that
// is no longer watched, is never reported.
import { createServer, Socket, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { GrpcServer, INSECURE_PEERS, silentLogger } from '../../src/common/index.js';
import { probeBroker, type ProbeResult } from '../../src/metadata/broker-probe.js';
import { BrokerWatch, GONE_PROBE_TIMEOUT_MS } from '../../src/metadata/broker-watch.js';

/** A free port on 127.0.0.1, closed again. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A broker's gRPC port: the watch makes no calls, so a server without services will do. */
async function broker(port: number): Promise<GrpcServer> {
  const server = new GrpcServer(silentLogger);
  await server.listen('127.0.0.1', port);
  return server;
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
  readonly watch: BrokerWatch;
  readonly gone: { nodeId: number; why: string; atMs: number }[];
  readonly probes: ProbeResult[];
}

function watchOn(port: number, probe?: (nodeId: number, timeoutMs: number) => Promise<ProbeResult>): Setup {
  const gone: Setup['gone'] = [];
  const probes: ProbeResult[] = [];
  const peers = { address: (nodeId: number) => (nodeId === 2 ? `127.0.0.1:${port}` : null) };
  const watch = new BrokerWatch({
    selfId: 1,
    peers,
    credentials: INSECURE_PEERS.client,
    probe: async (nodeId, timeoutMs) => {
      const result = await (probe ?? ((id, t) => probeBroker(peers, id, undefined, t)))(nodeId, timeoutMs);
      probes.push(result);
      return result;
    },
    onGone: (nodeId, why) => gone.push({ nodeId, why, atMs: Date.now() }),
    log: silentLogger,
  });
  cleanups.push(() => watch.close());
  return { watch, gone, probes };
}

describe('BrokerWatch', () => {
  it('reports a broker gone soon after its process dies: the connection drops and the port refuses', async () => {
    const port = await freePort();
    const server = await broker(port);
    cleanups.push(() => server.close());
    const { watch, gone, probes } = watchOn(port);
    watch.watch([1, 2, 3]);
    // Connected: nothing is reported while the broker lives.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(gone).toEqual([]);
    const killedAtMs = Date.now();
    server.server.forceShutdown();
    await until(() => gone.length > 0, 2_000);
    expect(gone[0]?.nodeId).toBe(2);
    expect(gone[0]?.why).toMatch(/refused/);
    expect(probes).toContain('refused');
    expect(watch.goneSinceMs(2)).toBeGreaterThanOrEqual(killedAtMs);
    // Nodes the watch cannot address, and itself, are not watched.
    expect(watch.goneSinceMs(1)).toBeNull();
    expect(watch.goneSinceMs(3)).toBeNull();
  });

  it('reports a broker whose address answers no connect after its connection dropped', async () => {
    const port = await freePort();
    const server = await broker(port);
    cleanups.push(() => server.close());
    // What a killed container's address does: the connect is never answered.
    const blackHole = (nodeId: number, timeoutMs: number) =>
      probeBroker({ address: () => '127.0.0.1:1' }, nodeId, () => new Socket(), timeoutMs);
    const { watch, gone, probes } = watchOn(port, blackHole);
    watch.watch([2]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    server.server.forceShutdown();
    await until(() => gone.length > 0 || probes.includes('late'), 2_000);
    // On a loaded machine the probe's own timer may run late: then nothing is reported.
    if (!probes.includes('late')) expect(gone[0]?.why).toMatch(new RegExp(`within ${GONE_PROBE_TIMEOUT_MS} ms`));
  });

  it('does not report a broker whose port answers when probed (it restarted, or only the connection dropped)', async () => {
    const port = await freePort();
    const server = await broker(port);
    cleanups.push(() => server.close());
    // The probe finds the port answering: the broker restarted (or only the connection dropped).
    const { watch, gone, probes } = watchOn(port, async () => Promise.resolve('alive' as const));
    watch.watch([2]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    server.server.forceShutdown();
    await until(() => probes.length > 0, 2_000);
    expect(gone).toEqual([]);
    expect(watch.goneSinceMs(2)).toBeNull();
  });

  it('forgets a broker it no longer watches: its drop is not reported', async () => {
    const port = await freePort();
    const server = await broker(port);
    cleanups.push(() => server.close());
    const { watch, gone } = watchOn(port);
    watch.watch([2]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    watch.watch([]);
    server.server.forceShutdown();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(gone).toEqual([]);
    expect(watch.goneSinceMs(2)).toBeNull();
  });
});
