// The simulated network between Raft drivers, behind RaftTransport (src/raft/driver-io.ts). Every
// message is an event on the simulation's queue, delayed by a floor plus exponential jitter (so
// messages overtake each other); while faults are on it is dropped or duplicated at per-seed rates.
// Partitions block directed links ("a>b"). A message reaches the receiver rebuilt field by field
// by the production wire check (messagesFromWire), as gRPC would hand it over. What the gRPC
// transport reports, this one reports too: a message to a node that is down makes the sender hear
// `unreachable`, and every MsgSnap's delivery or loss is answered through `snapshotSent`.
import type { RaftTransport, RaftTransportHandler } from '../../src/raft/driver-io.js';
import { messagesFromWire } from '../../src/raft/driver-transport.js';
import type { NodeId, Prng, RaftMessage } from '../../src/raft/index.js';
import { MessageType } from '../../src/raft/index.js';
import type { VirtualTime } from './raft-clock.js';

export interface NetworkParams {
  dropRate: number;
  dupRate: number;
  readonly delayMinMs: number;
  readonly delayMeanMs: number;
}

/** One process's end of the network. */
class Endpoint implements RaftTransport {
  closed = false;
  readonly rejectedBatchCount = 0;
  readonly droppedMessageCount = 0;

  constructor(
    private readonly net: SimNetwork,
    readonly nodeId: NodeId,
    readonly handler: RaftTransportHandler,
  ) {}

  send(m: RaftMessage): void {
    if (!this.closed) this.net.send(this, m);
  }

  close(): void {
    this.closed = true;
  }
}

export class SimNetwork {
  faults = true;
  /** Directed links that lose everything ("a>b"). */
  blocked = new Set<string>();
  private readonly endpoints = new Map<NodeId, Endpoint>();

  constructor(
    private readonly time: VirtualTime,
    private readonly rng: Prng,
    readonly params: NetworkParams,
  ) {}

  /** The transport of a new process of `nodeId` (the driver calls this as it starts). */
  attach(nodeId: NodeId, handler: RaftTransportHandler): RaftTransport {
    const endpoint = new Endpoint(this, nodeId, handler);
    this.endpoints.set(nodeId, endpoint);
    return endpoint;
  }

  /** The node's process died: it receives nothing more and hears no reports. */
  detach(nodeId: NodeId): void {
    const endpoint = this.endpoints.get(nodeId);
    if (endpoint === undefined) return;
    endpoint.closed = true;
    this.endpoints.delete(nodeId);
  }

  send(from: Endpoint, m: RaftMessage): void {
    const isSnapshot = m.type === MessageType.MsgSnap;
    if (this.faults && this.rng.next() < this.params.dropRate) {
      if (isSnapshot) this.report(from, this.delay(), (h) => h.snapshotSent(m.to, false));
      return;
    }
    // A MsgSnap is one unary call: never duplicated.
    const copies = this.faults && !isSnapshot && this.rng.next() < this.params.dupRate ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      this.time.queue.push(this.time.nowMs + this.delay(), () => this.deliver(from, m));
    }
  }

  private deliver(from: Endpoint, m: RaftMessage): void {
    const endpoint = this.endpoints.get(m.to);
    const to = endpoint?.closed === false ? endpoint : undefined;
    const isSnapshot = m.type === MessageType.MsgSnap;
    if (this.blocked.has(`${m.from}>${m.to}`) || to === undefined) {
      // A partition loses messages silently (gRPC notices only by timeout); a node that is down
      // refuses the connection at once.
      if (isSnapshot) this.report(from, this.delay(), (h) => h.snapshotSent(m.to, false));
      else if (to === undefined) this.report(from, this.delay(), (h) => h.unreachable(m.to));
      return;
    }
    this.time.touch(m.to);
    this.time.synchronousEvent();
    to.handler.receive(messagesFromWire([m], m.to));
    if (isSnapshot) this.report(from, this.delay(), (h) => h.snapshotSent(m.to, true));
  }

  /** Tells the sender's process something after `delayMs`, if it is still the same process. */
  private report(from: Endpoint, delayMs: number, tell: (h: RaftTransportHandler) => void): void {
    this.time.queue.push(this.time.nowMs + delayMs, () => {
      if (from.closed) return;
      this.time.touch(from.nodeId);
      this.time.synchronousEvent();
      tell(from.handler);
    });
  }

  private delay(): number {
    return this.params.delayMinMs + Math.floor(-Math.log(1 - this.rng.next()) * this.params.delayMeanMs);
  }
}
