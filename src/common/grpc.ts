// The node's internal gRPC plumbing: one server on the gRPC port that every module registers its
// service on (Raft, replication, admin forwarding), proto loading from proto/, and clients with
// keepalive so a dead peer is noticed quickly.
import { existsSync } from 'node:fs';
import type { Http2Server, ServerHttp2Session } from 'node:http2';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Logger } from './log.js';
import { INSECURE_PEERS, type PeerCredentials } from './peer-tls.js';

export { grpc };

/** proto/ sits at the repository root when running from src (tests) and in dist/proto when built. */
function protoDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, '../proto'), join(here, '../../proto')]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`proto directory not found near ${here}`);
}

const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** Loads `proto/<file>` and returns the package object (services are constructors on it). */
export function loadProto(file: string): grpc.GrpcObject {
  const definition = protoLoader.loadSync(join(protoDir(), file), LOADER_OPTIONS);
  return grpc.loadPackageDefinition(definition);
}

/** Walks a dotted package path ("brook.raft.Raft") to a service client constructor. */
export function serviceConstructor(pkg: grpc.GrpcObject, path: string): grpc.ServiceClientConstructor {
  let node: unknown = pkg;
  for (const part of path.split('.')) node = (node as Record<string, unknown>)[part];
  if (typeof node !== 'function' || !('service' in node)) throw new Error(`no gRPC service ${path}`);
  return node as grpc.ServiceClientConstructor;
}

/**
 * HTTP/2 flow-control windows for the internal links. The default 64 KiB stream window makes a
 * replication call of a megabyte wait for a dozen WINDOW_UPDATE round trips through a busy event
 * loop (measured: 45 ms per 730 KB call, 16 MB/s); a window larger than one call removes that.
 */
const STREAM_WINDOW_BYTES = 8 * 1024 * 1024;
const SESSION_WINDOW_BYTES = 64 * 1024 * 1024;

export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc-node.flow_control_window': SESSION_WINDOW_BYTES,
  'grpc.keepalive_time_ms': 2_000,
  'grpc.keepalive_timeout_ms': 1_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.max_receive_message_length': 128 * 1024 * 1024,
  'grpc.max_send_message_length': 128 * 1024 * 1024,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1_000,
  'grpc.min_reconnect_backoff_ms': 100,
  // Its own connections per client: Raft, replication and control traffic do not queue behind
  // one another, and a replaced channel (createClient) starts from a fresh connection.
  'grpc.use_local_subchannel_pool': 1,
};

/**
 * A connection attempt still pending after this long is given up and the channel replaced.
 * grpc-js sets no connect timeout: a SYN dropped by the network (a partition, a container cut
 * off its network) left a channel CONNECTING for the kernel's two minutes of SYN retries while
 * every call on it waited, long after the peer was reachable again.
 */
const CONNECT_TIMEOUT_MS = 3_000;
const CONNECT_CHECK_INTERVAL_MS = 500;

/**
 * A client for `address` whose channel is replaced when a connection attempt hangs (see
 * CONNECT_TIMEOUT_MS). Callers hold one object; calls go to the current channel, and calls on a
 * replaced channel fail as on a lost connection. Each client has its own connections
 * (`use_local_subchannel_pool`), so a replaced channel never inherits the hung attempt.
 */
export function createClient<T extends grpc.Client>(
  ctor: grpc.ServiceClientConstructor,
  address: string,
  credentials: grpc.ChannelCredentials,
  /** Added to (or overriding) CHANNEL_OPTIONS. */
  options: grpc.ChannelOptions = {},
): T {
  const channelOptions = { ...CHANNEL_OPTIONS, ...options };
  const make = (): grpc.Client => new ctor(address, credentials, channelOptions);
  let current = make();
  let connectingSinceMs: number | null = null;
  const watchdog = setInterval(() => {
    const state = current.getChannel().getConnectivityState(false);
    if (state !== grpc.connectivityState.CONNECTING) {
      connectingSinceMs = null;
      return;
    }
    const now = Date.now();
    connectingSinceMs ??= now;
    if (now - connectingSinceMs < CONNECT_TIMEOUT_MS) return;
    connectingSinceMs = null;
    const hung = current;
    current = make();
    hung.close();
  }, CONNECT_CHECK_INTERVAL_MS);
  watchdog.unref();
  return new Proxy({} as T, {
    get(_target, property) {
      if (property === 'close') {
        return () => {
          clearInterval(watchdog);
          current.close();
        };
      }
      const value = (current as unknown as Record<string | symbol, unknown>)[property];
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(current) : value;
    },
  });
}

export class GrpcServer {
  readonly server = new grpc.Server({
    'grpc.max_receive_message_length': 128 * 1024 * 1024,
    'grpc.max_send_message_length': 128 * 1024 * 1024,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 1_000,
  });

  constructor(
    private readonly log: Logger,
    /** Mutual TLS between the nodes, or plaintext; clients of this node's peers use `peers.client`. */
    readonly peers: PeerCredentials = INSECURE_PEERS,
  ) {}

  addService(service: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation): void {
    this.server.addService(service, implementation);
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(`${host}:${port}`, this.peers.server, (err, bound) => {
        if (err) return reject(err);
        this.widenFlowControlWindows();
        this.logRefusedPeers();
        this.log.debug({ port: bound }, 'gRPC listening');
        resolve(bound);
      });
    });
  }

  /**
   * grpc-js has no server option for HTTP/2 windows, so each new session is told the larger
   * windows itself. This reaches into grpc-js's list of HTTP/2 servers; if a future version
   * renames it, the node keeps working with the default windows and says so.
   */
  private widenFlowControlWindows(): void {
    const servers = (this.server as unknown as { http2Servers?: unknown }).http2Servers;
    if (!(servers instanceof Map)) {
      this.log.warn('cannot widen gRPC flow-control windows (grpc-js internals changed); replication will be slower');
      return;
    }
    for (const http2Server of servers.keys() as IterableIterator<Http2Server>) {
      http2Server.on('session', (session: ServerHttp2Session) => {
        session.settings({ initialWindowSize: STREAM_WINDOW_BYTES });
        session.setLocalWindowSize(SESSION_WINDOW_BYTES);
      });
    }
  }

  /**
   * grpc-js refuses a peer without a certificate of the cluster CA silently; say who was refused.
   * Reaches into the same list of HTTP/2 servers as widenFlowControlWindows.
   */
  private logRefusedPeers(): void {
    const servers = (this.server as unknown as { http2Servers?: unknown }).http2Servers;
    if (!this.peers.secure || !(servers instanceof Map)) return;
    for (const http2Server of servers.keys() as IterableIterator<Http2Server>) {
      http2Server.on('tlsClientError', (err: Error, socket: { remoteAddress?: string; remotePort?: number }) => {
        this.log.warn(
          { peer: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`, err: err.message },
          'refused a gRPC connection without a certificate of the cluster CA',
        );
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 1_000);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
