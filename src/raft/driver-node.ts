// The Raft driver as a Brook node runs it: the system clock, LevelDB under <data-dir>/raft
// (driver-storage.ts) and gRPC on the node's shared server (driver-transport.ts). The one place
// that picks the production I/O for RaftDriver.
import { type GrpcServer, systemClock } from '../common/index.js';
import { RaftDriver, type RaftDriverOptions } from './driver.js';
import { RaftDiskStorage } from './driver-storage.js';
import { GrpcRaftTransport } from './driver-transport.js';
import type { NodeId } from './types.js';

export interface RaftPeer {
  readonly nodeId: NodeId;
  /** gRPC "host:port". */
  readonly address: string;
}

export interface NodeRaftDriverOptions extends Omit<RaftDriverOptions, 'peers' | 'clock' | 'store' | 'transport'> {
  /** Batches from a different cluster id are refused. */
  readonly clusterId: string;
  /** The voters the cluster starts with and their addresses. A node not among them joins a
   * running cluster: it starts with no configuration and waits to be added as a learner. */
  readonly peers: readonly RaftPeer[];
  /** Where members beyond `peers` are (learners and voters added at run time). */
  readonly addressOf?: (nodeId: NodeId) => string | null;
  /** LevelDB directory of this node's Raft state (normally <data-dir>/raft). */
  readonly dir: string;
  /** The node's gRPC server; the Raft service registers on it (before or after it listens). */
  readonly grpcServer: GrpcServer;
  /** How long a peer's stream may stay unable to take more (no drain) before it is given up
   * (default 2 000). */
  readonly sendTimeoutMs?: number;
  /** A snapshot send's deadline (default 30 000). */
  readonly snapshotSendTimeoutMs?: number;
}

const DEFAULT_SEND_TIMEOUT_MS = 2_000;
const DEFAULT_SNAPSHOT_SEND_TIMEOUT_MS = 30_000;

/** Opens <dir>, restores the state machine from the stored snapshot, registers the Raft gRPC
 * service on the shared server and starts ticking (RaftDriver.open). */
export async function openNodeRaftDriver(opts: NodeRaftDriverOptions): Promise<RaftDriver> {
  const { clusterId, peers, addressOf, dir, grpcServer, sendTimeoutMs, snapshotSendTimeoutMs, ...driverOptions } = opts;
  const joining = !peers.some((p) => p.nodeId === opts.nodeId);
  const log = opts.logger.child({ module: 'raft' });
  const store = await RaftDiskStorage.open(dir);
  return RaftDriver.open({
    ...driverOptions,
    peers: joining ? [] : peers.map((p) => p.nodeId),
    clock: systemClock,
    store,
    transport: (handler) =>
      new GrpcRaftTransport(
        {
          nodeId: opts.nodeId,
          clusterId,
          peers: new Map(peers.map((p) => [p.nodeId, p.address])),
          ...(addressOf !== undefined ? { addressOf } : {}),
          server: grpcServer,
          log,
          sendTimeoutMs: sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS,
          snapshotSendTimeoutMs: snapshotSendTimeoutMs ?? DEFAULT_SNAPSHOT_SEND_TIMEOUT_MS,
        },
        handler,
      ),
  });
}
