// The controller's probe of a broker that stopped heartbeating: a bare TCP connect to its gRPC
// port. A refused connection means the process is gone (kill -9, crash), and the broker is fenced
// at once instead of after its session timeout.
import { connect } from 'node:net';
import type { PeerAddresses } from '../common/index.js';

/** The result of probing a broker that stopped heartbeating. */
export type ProbeResult = 'alive' | 'refused' | 'timeout';

const PROBE_TIMEOUT_MS = 300;
/** Connect errors that mean the broker's process or host is gone. */
const GONE_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Refused (no process listens there: it died) or unreachable (its host or container is gone),
 * alive (something accepts), or no answer in time. A gRPC call would depend on the channel's
 * state and reconnect backoff instead.
 */
export function probeBroker(peers: PeerAddresses, nodeId: number): Promise<ProbeResult> {
  const address = peers.address(nodeId);
  const at = address === null ? -1 : address.lastIndexOf(':');
  if (address === null || at < 0) return Promise.resolve('timeout');
  const host = address.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(at + 1));
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: ProbeResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done('timeout'), PROBE_TIMEOUT_MS);
    socket.once('connect', () => done('alive'));
    socket.once('error', (err: NodeJS.ErrnoException) => done(GONE_ERRORS.has(err.code ?? '') ? 'refused' : 'timeout'));
  });
}
