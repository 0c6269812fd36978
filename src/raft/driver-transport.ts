// Raft messages over gRPC (proto/raft.proto). Outbound: one queue per peer, drained by at most
// one RPC at a time that carries everything queued (so a burst of appends and heartbeats costs one
// call); a queue is bounded in messages and bytes and drops what does not fit, because Raft
// retries lost messages itself — a slow or dead peer never holds memory or the event loop.
// Inbound: the Raft service on the node's shared GrpcServer; batches from another cluster are
// refused and logged.
import { createClient, grpc, loadProto, serviceConstructor } from '../common/grpc.js';
import type { GrpcServer } from '../common/grpc.js';
import { limits } from '../common/limits.js';
import type { Logger } from '../common/log.js';
import type { RaftMessage } from './messages.js';
import { MessageType } from './messages.js';
import type { Entry, NodeId, Snapshot } from './types.js';
import { EntryType } from './types.js';

/** The RaftMessageBatch of raft.proto as proto-loader hands it over / accepts it. */
interface WireBatch {
  clusterId: string;
  messages: RaftMessage[];
}

interface RaftClient extends grpc.Client {
  Send(
    batch: WireBatch,
    options: grpc.CallOptions,
    callback: (err: grpc.ServiceError | null, reply?: unknown) => void,
  ): grpc.ClientUnaryCall;
}

export interface TransportHandler {
  /** Messages received from a peer of this cluster, in the order sent. */
  receive(messages: readonly RaftMessage[]): void;
  /** A send to `to` failed: the peer may be down. */
  unreachable(to: NodeId): void;
  /** A MsgSnap to `to` was delivered (ok) or not. */
  snapshotSent(to: NodeId, ok: boolean): void;
}

export interface TransportOptions {
  readonly nodeId: NodeId;
  readonly clusterId: string;
  /** gRPC "host:port" of every other member. */
  readonly peers: ReadonlyMap<NodeId, string>;
  readonly server: GrpcServer;
  readonly log: Logger;
  /** Deadline of one batch RPC; a MsgSnap gets `snapshotSendTimeoutMs`. */
  readonly sendTimeoutMs: number;
  readonly snapshotSendTimeoutMs: number;
}

let raftService: grpc.ServiceClientConstructor | undefined;
function raftServiceConstructor(): grpc.ServiceClientConstructor {
  raftService ??= serviceConstructor(loadProto('raft.proto'), 'brook.raft.Raft');
  return raftService;
}

/** Bytes a message costs in a queue and on the wire, roughly; only budgets depend on it. */
function messageSizeBytes(m: RaftMessage): number {
  let size = 64 + m.context.byteLength;
  for (const e of m.entries) size += 24 + e.data.byteLength;
  if (m.snapshot != null) size += 64 + m.snapshot.data.byteLength;
  return size;
}

const WIRE_TYPES = new Set<string>(Object.values(MessageType).filter((t) => t !== MessageType.MsgHup));

function toUint8Array(value: unknown): Uint8Array {
  return value instanceof Uint8Array ? value : new Uint8Array(0);
}

function toNumber(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

/** Rebuilds a RaftMessage from a decoded protobuf object, field by field, so nothing a peer
 * sends beyond the schema reaches the core. Returns undefined for a message type the core does
 * not take from the wire. */
export function messageFromWire(raw: Record<string, unknown>): RaftMessage | undefined {
  const type = raw['type'];
  if (typeof type !== 'string' || !WIRE_TYPES.has(type)) return undefined;
  const entries: Entry[] = [];
  for (const e of (Array.isArray(raw['entries']) ? raw['entries'] : []) as Record<string, unknown>[]) {
    entries.push({
      term: toNumber(e['term']),
      index: toNumber(e['index']),
      type: e['type'] === EntryType.confChange ? EntryType.confChange : EntryType.normal,
      data: toUint8Array(e['data']),
    });
  }
  let snapshot: Snapshot | undefined;
  const rawSnap = raw['snapshot'] as Record<string, unknown> | null | undefined;
  if (rawSnap != null && type === MessageType.MsgSnap) {
    const meta = (rawSnap['metadata'] ?? {}) as Record<string, unknown>;
    const conf = (meta['confState'] ?? {}) as Record<string, unknown>;
    const ids = (v: unknown): number[] => (Array.isArray(v) ? v.map(toNumber) : []);
    snapshot = {
      metadata: {
        index: toNumber(meta['index']),
        term: toNumber(meta['term']),
        confState: { voters: ids(conf['voters']), learners: ids(conf['learners']) },
      },
      data: toUint8Array(rawSnap['data']),
    };
  }
  return {
    type: type as MessageType,
    from: toNumber(raw['from']),
    to: toNumber(raw['to']),
    term: toNumber(raw['term']),
    logTerm: toNumber(raw['logTerm']),
    index: toNumber(raw['index']),
    entries,
    commit: toNumber(raw['commit']),
    reject: raw['reject'] === true,
    rejectHint: toNumber(raw['rejectHint']),
    ...(snapshot !== undefined ? { snapshot } : {}),
    context: toUint8Array(raw['context']),
  };
}

/** One peer's outbound queue and its single in-flight RPC. */
class PeerSender {
  private queue: RaftMessage[] = [];
  private queuedBytes = 0;
  private inflight = false;
  private closed = false;
  private reachable = true;
  private dropped = 0;
  private readonly client: RaftClient;

  constructor(
    private readonly to: NodeId,
    readonly address: string,
    private readonly opts: TransportOptions,
    private readonly handler: TransportHandler,
  ) {
    this.client = createClient<RaftClient>(raftServiceConstructor(), address);
  }

  enqueue(m: RaftMessage): void {
    if (this.closed) return;
    const size = messageSizeBytes(m);
    if (this.queue.length >= limits.raftPeerQueueMessagesMax || this.queuedBytes + size > limits.raftPeerQueueBytesMax) {
      // Raft resends what is lost; a full queue means the peer is not keeping up or is down.
      this.dropped++;
      if (m.type === MessageType.MsgSnap) this.handler.snapshotSent(this.to, false);
      this.handler.unreachable(this.to);
      return;
    }
    this.queue.push(m);
    this.queuedBytes += size;
    this.pump();
  }

  /** Messages dropped because the queue was full, since start. */
  get droppedCount(): number {
    return this.dropped;
  }

  private takeBatch(): RaftMessage[] {
    // A snapshot travels alone, so its delivery can be reported on its own.
    const head = this.queue[0] as RaftMessage;
    let n = 1;
    let bytes = messageSizeBytes(head);
    if (head.type !== MessageType.MsgSnap) {
      for (; n < this.queue.length; n++) {
        const next = this.queue[n] as RaftMessage;
        const size = messageSizeBytes(next);
        if (next.type === MessageType.MsgSnap || bytes + size > limits.raftBatchBytesMax) break;
        bytes += size;
      }
    }
    const batch = this.queue.splice(0, n);
    this.queuedBytes -= bytes;
    return batch;
  }

  private pump(): void {
    if (this.inflight || this.closed || this.queue.length === 0) return;
    const batch = this.takeBatch();
    const snapshot = batch[0]?.type === MessageType.MsgSnap;
    const timeoutMs = snapshot ? this.opts.snapshotSendTimeoutMs : this.opts.sendTimeoutMs;
    this.inflight = true;
    this.client.Send({ clusterId: this.opts.clusterId, messages: batch }, { deadline: Date.now() + timeoutMs }, (err) => {
      this.inflight = false;
      if (this.closed) return;
      if (err) this.failed(err, snapshot);
      else this.delivered(snapshot);
      this.pump();
    });
  }

  private delivered(snapshot: boolean): void {
    if (!this.reachable) {
      this.reachable = true;
      this.opts.log.info({ peer: this.to, address: this.address }, 'raft peer reachable');
    }
    if (snapshot) this.handler.snapshotSent(this.to, true);
  }

  private failed(err: grpc.ServiceError, snapshot: boolean): void {
    if (err.code === grpc.status.FAILED_PRECONDITION) {
      this.opts.log.error({ peer: this.to, address: this.address, err: err.details }, 'raft peer refused our messages');
    } else if (this.reachable) {
      this.reachable = false;
      this.opts.log.warn({ peer: this.to, address: this.address, code: err.code, err: err.details }, 'raft peer unreachable');
    }
    if (snapshot) this.handler.snapshotSent(this.to, false);
    this.handler.unreachable(this.to);
  }

  close(): void {
    this.closed = true;
    this.queue = [];
    this.queuedBytes = 0;
    this.client.close();
  }
}

export class RaftTransport {
  private readonly senders = new Map<NodeId, PeerSender>();
  private readonly service: grpc.ServiceDefinition;
  private closed = false;
  private rejectedBatches = 0;
  private lastRejectLogMs = 0;

  constructor(
    private readonly opts: TransportOptions,
    private readonly handler: TransportHandler,
  ) {
    for (const [id, address] of opts.peers) {
      if (id !== opts.nodeId) this.senders.set(id, new PeerSender(id, address, opts, handler));
    }
    this.service = raftServiceConstructor().service;
    opts.server.addService(this.service, {
      Send: (call: grpc.ServerUnaryCall<WireBatch, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const refusal = this.accept(call.request);
        if (refusal !== undefined) callback(refusal);
        else callback(null, {});
      },
      Stream: (call: grpc.ServerReadableStream<WireBatch, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        let refused: Partial<grpc.StatusObject> | undefined;
        call.on('data', (batch: WireBatch) => {
          if (refused !== undefined) return;
          refused = this.accept(batch);
          if (refused !== undefined) callback(refused);
        });
        call.on('end', () => {
          if (refused === undefined) callback(null, {});
        });
        call.on('error', () => undefined);
      },
    });
  }

  /** Batches refused because they came from another cluster, since start. */
  get rejectedBatchCount(): number {
    return this.rejectedBatches;
  }

  /** Messages dropped on full outbound queues, since start. */
  get droppedMessageCount(): number {
    let n = 0;
    for (const s of this.senders.values()) n += s.droppedCount;
    return n;
  }

  send(m: RaftMessage): void {
    if (this.closed) return;
    const sender = this.senders.get(m.to);
    if (sender === undefined) {
      // A member we have no address for (added by a membership change this node was not told
      // the address of): nothing to do but let Raft treat it as unreachable.
      this.handler.unreachable(m.to);
      return;
    }
    sender.enqueue(m);
  }

  private accept(batch: WireBatch): Partial<grpc.StatusObject> | undefined {
    if (this.closed) return { code: grpc.status.UNAVAILABLE, details: 'raft driver closed' };
    if (batch.clusterId !== this.opts.clusterId) {
      this.rejectedBatches++;
      const now = Date.now();
      if (now - this.lastRejectLogMs > 10_000) {
        this.lastRejectLogMs = now;
        this.opts.log.error(
          { theirClusterId: batch.clusterId, ourClusterId: this.opts.clusterId },
          'refusing raft messages from another cluster (check --cluster-id and --cluster-nodes)',
        );
      }
      return { code: grpc.status.FAILED_PRECONDITION, details: `cluster id mismatch: expected ${this.opts.clusterId}` };
    }
    const messages: RaftMessage[] = [];
    for (const raw of (Array.isArray(batch.messages) ? batch.messages : []) as unknown as Record<string, unknown>[]) {
      const m = messageFromWire(raw);
      if (m !== undefined && m.to === this.opts.nodeId) messages.push(m);
    }
    if (messages.length > 0) this.handler.receive(messages);
    return undefined;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.senders.values()) s.close();
    // Free the method names so a new driver can register on the same server (a restart in place).
    this.opts.server.server.removeService(this.service);
  }
}
