// Every node's watch on the other brokers: one idle gRPC connection to each, kept open by
// keepalive pings, that carries no calls. When a connection that was up drops, the broker's process
// or its host is gone, or it restarted, or it shut down: a probe tells which at once. A process
// killed on a host that stays up refuses the probe. A process killed with its container or machine
// leaves a connection that its kernel closed as the process died (measured: the peer reads the end
// of the stream 25 ms after `docker kill`) and an address that answers no connect. Both are marked
// gone, and the controller fences the broker then, instead of after missed heartbeats and an
// unanswered probe (600 ms). A network cut closes nothing, so it is still found by the heartbeats.
// Every node watches, not only the controller, so that a node elected controller after the old
// one died with a broker knows at once which brokers went with it.
import { createClient, grpc, loadProto, type Logger, type PeerAddresses, serviceConstructor } from '../common/index.js';
import { probeBroker, type ProbeResult } from './broker-probe.js';

/**
 * The probe after a dropped connection waits this long. A live process's kernel accepts within a
 * round trip, however busy the process is; a probe whose own timer ran late proves nothing.
 */
export const GONE_PROBE_TIMEOUT_MS = 150;

/** The watch connections never go idle (grpc-js closes a channel without calls after 30 min). */
const WATCH_CHANNEL_OPTIONS: grpc.ChannelOptions = { 'grpc.client_idle_timeout_ms': 2_000_000_000 };
/** A connectivity watch is renewed this often when nothing changes. */
const WATCH_RENEW_MS = 60_000;

export interface BrokerWatchOptions {
  readonly selfId: number;
  readonly peers: PeerAddresses;
  readonly credentials: grpc.ChannelCredentials;
  /** For tests: a probe of `nodeId`'s gRPC port other than probeBroker at `peers`' address. */
  readonly probe?: (nodeId: number, timeoutMs: number) => Promise<ProbeResult>;
  /** A watched broker's connection dropped and the probe found it gone. */
  readonly onGone: (nodeId: number, why: string) => void;
  readonly log: Logger;
  /** For tests: a client constructor other than the admin Control service's. */
  readonly service?: grpc.ServiceClientConstructor;
}

/** One watched broker: its connection, whether it was up, and since when it is known gone. */
class Watched {
  private readonly client: grpc.Client;
  private wasReady = false;
  private closed = false;
  /** Since when the probe after a dropped connection found the broker gone; null when not gone. */
  goneSinceMs: number | null = null;

  constructor(
    readonly nodeId: number,
    readonly address: string,
    service: grpc.ServiceClientConstructor,
    private readonly opts: BrokerWatchOptions,
  ) {
    this.client = createClient(service, address, opts.credentials, WATCH_CHANNEL_OPTIONS);
    this.arm();
  }

  /** Observes the channel's state and waits for its next change; connects when it is idle. */
  private arm(): void {
    if (this.closed) return;
    const channel = this.client.getChannel();
    const state = channel.getConnectivityState(true);
    if (state === grpc.connectivityState.SHUTDOWN) return;
    this.observe(state);
    channel.watchConnectivityState(state, Date.now() + WATCH_RENEW_MS, () => this.arm());
  }

  private observe(state: grpc.connectivityState): void {
    if (state === grpc.connectivityState.READY) {
      this.wasReady = true;
      this.goneSinceMs = null;
      return;
    }
    if (!this.wasReady) return;
    this.wasReady = false;
    this.dropped();
  }

  private dropped(): void {
    const startedAtMs = Date.now();
    const probe = this.opts.probe ?? ((id, timeoutMs) => probeBroker(this.opts.peers, id, undefined, timeoutMs));
    probe(this.nodeId, GONE_PROBE_TIMEOUT_MS)
      .then((result) => {
        if (this.closed || this.wasReady) return;
        this.opts.log.info({ broker: this.nodeId, probe: result }, 'the connection to a broker dropped');
        if (result !== 'refused' && result !== 'timeout') return;
        this.goneSinceMs = startedAtMs;
        this.opts.onGone(
          this.nodeId,
          result === 'refused'
            ? 'its connection dropped and a new one is refused'
            : `its connection dropped and no new one is answered within ${GONE_PROBE_TIMEOUT_MS} ms`,
        );
      })
      .catch((err: unknown) => this.opts.log.debug({ err, broker: this.nodeId }, 'probe failed'));
  }

  close(): void {
    this.closed = true;
    this.client.close();
  }
}

export class BrokerWatch {
  private readonly watched = new Map<number, Watched>();
  private readonly service: grpc.ServiceClientConstructor;
  private closed = false;

  constructor(private readonly opts: BrokerWatchOptions) {
    this.service = opts.service ?? serviceConstructor(loadProto('admin.proto'), 'brook.admin.Control');
  }

  /** Watches exactly these brokers (this node excepted), at their current addresses. */
  watch(nodeIds: Iterable<number>): void {
    if (this.closed) return;
    const wanted = new Set<number>();
    for (const nodeId of nodeIds) {
      if (nodeId === this.opts.selfId) continue;
      const address = this.opts.peers.address(nodeId);
      if (address === null) continue;
      wanted.add(nodeId);
      const current = this.watched.get(nodeId);
      if (current?.address === address) continue;
      current?.close();
      this.watched.set(nodeId, new Watched(nodeId, address, this.service, this.opts));
    }
    for (const [nodeId, w] of this.watched) {
      if (wanted.has(nodeId)) continue;
      w.close();
      this.watched.delete(nodeId);
    }
  }

  /** Since when `nodeId` is known gone (its connection dropped, the probe found nothing), or null. */
  goneSinceMs(nodeId: number): number | null {
    return this.watched.get(nodeId)?.goneSinceMs ?? null;
  }

  close(): void {
    this.closed = true;
    for (const w of this.watched.values()) w.close();
    this.watched.clear();
  }
}
