// Free ports on 127.0.0.1 for nodes that are told their ports before they bind them (the embedded
// cluster, the test clusters): every node must know every voter's gRPC port at start. A port the
// kernel picks for listen(0) lies in its range for outgoing connections, where a connection made
// before the node binds the port (gRPC between nodes that start together, a client) can take it
// and fail the node's bind with EADDRINUSE. So ports are drawn at random below that range, checked
// by binding them (on 127.0.0.1, or on every interface for ports Docker publishes), and never
// handed out twice by one process.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const HOST = '127.0.0.1';
const DEFAULT_MIN = 10_000;
const ATTEMPTS = 200;
const handedOut = new Set<number>();

/** The lowest port the kernel gives outgoing connections (net.ipv4.ip_local_port_range). */
function ephemeralPortsStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 0) return low;
  } catch {
    // not Linux: the common default
  }
  return 32_768;
}

/** Binds and releases `port` on `host` (0: the kernel picks); the port bound, or null when taken. */
function tryListen(port: number, host: string): Promise<number | null> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(null));
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : null;
      server.close(() => resolvePort(bound));
    });
  });
}

/**
 * A port free on `host` (127.0.0.1 unless told) now, drawn from [min, max) and below the kernel's
 * range for outgoing connections; the kernel's pick only when that range has none free.
 */
export async function freePort(
  range: { readonly min?: number; readonly max?: number; readonly host?: string } = {},
): Promise<number> {
  const host = range.host ?? HOST;
  const min = range.min ?? DEFAULT_MIN;
  const high = Math.min(range.max ?? Number.MAX_SAFE_INTEGER, ephemeralPortsStart());
  for (let attempt = 0; attempt < ATTEMPTS && high > min; attempt++) {
    const port = min + Math.floor(Math.random() * (high - min));
    if (handedOut.has(port)) continue;
    if ((await tryListen(port, host)) === null) continue;
    handedOut.add(port);
    return port;
  }
  const port = await tryListen(0, host);
  if (port === null) throw new Error(`no free port on ${host}`);
  return port;
}
