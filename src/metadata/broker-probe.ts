// The controller's probe of a broker that stopped heartbeating: a bare TCP connect to its gRPC
// port. A refused connection means the process is gone (kill -9, crash), and the broker is fenced
// at once instead of after its session timeout. No answer at all, while this process itself ran on
// time, means its host is gone or cut off: a live process, even a stopped one, has its connection
// accepted by the kernel.
import { connect, type Socket } from 'node:net';
import { brokerHeartbeatIntervalMs, type NodeConfig, type PeerAddresses } from '../common/index.js';

/**
 * The result of probing a broker that stopped heartbeating or whose connection dropped: 'timeout'
 * is no answer within the probe's timeout (PROBE_TIMEOUT_MS unless told) while this process ran on
 * time; 'late' is no answer seen, but this process's own timer ran late (a stall), so an answer may
 * be waiting unread.
 */
export type ProbeResult = 'alive' | 'refused' | 'timeout' | 'late';

export const PROBE_TIMEOUT_MS = 300;
/** The controller probes a broker silent for this many heartbeat intervals. */
export const PROBE_AFTER_HEARTBEATS = 1.5;

/**
 * The shortest silence after which the controller may fence a broker that is not answering: it
 * probes once PROBE_AFTER_HEARTBEATS intervals pass without a heartbeat, and fences when the probe
 * gets no answer within PROBE_TIMEOUT_MS and half the session has passed (or at the latest when the
 * session lapses). 600 ms with the default 1,000 ms session. A broker that has not had an answer
 * from the controller for this long must take itself as possibly fenced. (A broker whose
 * connections dropped and whose address answers nothing is fenced sooner, broker-watch.ts: its
 * process or host is gone, and it serves nobody.)
 */
export function fenceableSilenceMs(config: Pick<NodeConfig, 'brokerSessionTimeoutMs'>): number {
  const session = config.brokerSessionTimeoutMs;
  const probed = PROBE_AFTER_HEARTBEATS * brokerHeartbeatIntervalMs(config) + PROBE_TIMEOUT_MS;
  return Math.min(session, Math.max(session / 2, probed));
}
/** How late the probe's timer may run and its silence still count as the broker's. */
const PROBE_LATE_MS = 50;
/** Connect errors that mean the broker's process or host is gone. */
const GONE_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Refused (no process listens there: it died) or unreachable (its host or container is gone),
 * alive (something accepts), or no answer in time. A gRPC call would depend on the channel's
 * state and reconnect backoff instead.
 */
export function probeBroker(
  peers: PeerAddresses,
  nodeId: number,
  connectTo: (options: { host: string; port: number }) => Socket = connect,
  timeoutMs: number = PROBE_TIMEOUT_MS,
): Promise<ProbeResult> {
  const address = peers.address(nodeId);
  const at = address === null ? -1 : address.lastIndexOf(':');
  if (address === null || at < 0) return Promise.resolve('timeout');
  const host = address.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(at + 1));
  return new Promise((resolve) => {
    const startedAtMs = Date.now();
    const socket = connectTo({ host, port });
    const done = (result: ProbeResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => {
      done(Date.now() - startedAtMs > timeoutMs + PROBE_LATE_MS ? 'late' : 'timeout');
    }, timeoutMs);
    socket.once('connect', () => done('alive'));
    socket.once('error', (err: NodeJS.ErrnoException) => done(GONE_ERRORS.has(err.code ?? '') ? 'refused' : 'timeout'));
  });
}
