// Raft messages over gRPC (proto/raft.proto).
// Outbound: one queue per peer, drained onto one long-lived client stream (`Stream`) opened on
// first use; everything queued in one turn of the event loop is one write, in send order, and
// nothing more is written while the stream waits for 'drain'. The queue is bounded in messages and
// bytes and drops what does not fit, because Raft retries lost messages itself — a slow or dead
// peer never holds memory or the event loop. A stream that fails (peer down, refused, keepalive
// timeout, no 'drain' within sendTimeoutMs) reports the peer unreachable; what was queued and what
// is sent in the next ~100 ms is lost, then the next send opens a new stream, so a dead peer is
// not called in a tight loop. A MsgSnap goes alone by unary `Send`, one at a time per peer,
// because the core must learn whether it arrived. A stream has no per-message answer, so a peer
// counts as reachable again when its own messages arrive or a snapshot send is answered.
// Inbound: the Raft service on the node's shared GrpcServer; `Send` and `Stream` pass every batch
// through the same checks, and batches from another cluster are refused (FAILED_PRECONDITION) and
// logged at most every 10 s.
import {
  assert,
  createClient,
  grpc,
  type GrpcServer,
  limits,
  loadProto,
  type Logger,
  serviceConstructor,
} from '../common/index.js';
import type { RaftTransport, RaftTransportHandler } from './driver-io.js';
import { MessageType, type RaftMessage } from './messages.js';
import { type Entry, EntryType, type NodeId, NONE, type Snapshot } from './types.js';

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
  Stream(callback: (err: grpc.ServiceError | null, reply?: unknown) => void): grpc.ClientWritableStream<WireBatch>;
}

export interface TransportOptions {
  readonly nodeId: NodeId;
  readonly clusterId: string;
  /** gRPC "host:port" of the members known at start (the voters named in the configuration). */
  readonly peers: ReadonlyMap<NodeId, string>;
  /** Where any other member is: one added at run time (a learner, a promoted voter) is looked up
   * here when a message goes to it, and again when its address may have changed. */
  readonly addressOf?: (nodeId: NodeId) => string | null;
  readonly server: GrpcServer;
  readonly log: Logger;
  /** How long a stream may stay unable to take a write (waiting for 'drain') before it is given
   * up; a MsgSnap's unary call gets `snapshotSendTimeoutMs` as its deadline. */
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** Rebuilds a RaftMessage from a decoded protobuf object, field by field, so nothing a peer
 * sends beyond the schema reaches the core. Returns undefined for a message type the core does
 * not take from the wire, and for a message whose shape the core could not take (a MsgApp whose
 * entries do not follow its index one by one, a MsgSnap without a snapshot): Raft treats it as
 * lost and sends again. */
export function messageFromWire(raw: Record<string, unknown>): RaftMessage | undefined {
  const type = raw['type'];
  if (typeof type !== 'string' || !WIRE_TYPES.has(type)) return undefined;
  const index = toNumber(raw['index']);
  const entries: Entry[] = [];
  for (const e of records(raw['entries'])) {
    const entry: Entry = {
      term: toNumber(e['term']),
      index: toNumber(e['index']),
      type: e['type'] === EntryType.confChange ? EntryType.confChange : EntryType.normal,
      data: toUint8Array(e['data']),
    };
    if (type === MessageType.MsgApp && entry.index !== index + 1 + entries.length) return undefined;
    entries.push(entry);
  }
  let snapshot: Snapshot | undefined;
  const rawSnap = raw['snapshot'];
  if (type === MessageType.MsgSnap) {
    if (!isRecord(rawSnap)) return undefined;
    const meta = isRecord(rawSnap['metadata']) ? rawSnap['metadata'] : {};
    const conf = isRecord(meta['confState']) ? meta['confState'] : {};
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
    index,
    entries,
    commit: toNumber(raw['commit']),
    reject: raw['reject'] === true,
    rejectHint: toNumber(raw['rejectHint']),
    ...(snapshot !== undefined ? { snapshot } : {}),
    context: toUint8Array(raw['context']),
  };
}

/** The messages of a decoded batch that `self` should step: well formed, addressed to it, from
 * some other node. The same for `Send` and `Stream`. */
export function messagesFromWire(rawMessages: unknown, self: NodeId): RaftMessage[] {
  const messages: RaftMessage[] = [];
  for (const raw of records(rawMessages)) {
    const m = messageFromWire(raw);
    if (m !== undefined && m.to === self && m.from !== NONE && m.from !== self) messages.push(m);
  }
  return messages;
}

/** Before a failed stream is opened again, so a peer that is down is not called in a tight loop. */
const STREAM_REOPEN_BACKOFF_MS = 100;
/** Client-side "peer refused our messages" (another cluster) is logged at most this often. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

/**
 * One peer's outbound side: a bounded queue drained onto one long-lived client stream (`Stream`),
 * everything queued in one turn of the event loop leaving as one batch, in send order; and at most
 * one MsgSnap at a time on a unary `Send`, whose reply is what `snapshotSent` reports.
 */
class PeerSender {
  private queue: RaftMessage[] = [];
  private queuedBytes = 0;
  private stream: grpc.ClientWritableStream<WireBatch> | null = null;
  /** The open stream's last write() returned false: nothing more is written until 'drain'. */
  private awaitingDrain = false;
  /** Fails a stream that has not drained within sendTimeoutMs (the peer takes nothing). */
  private drainTimer: NodeJS.Timeout | null = null;
  /** No stream is opened before this (a backoff after a failure); messages until then are lost. */
  private reopenAtMs = 0;
  private pumpScheduled = false;
  private snapshotCall: grpc.ClientUnaryCall | null = null;
  private closed = false;
  private reachable = true;
  private lastRefusalLogMs = 0;
  private dropped = 0;
  private readonly client: RaftClient;

  constructor(
    private readonly to: NodeId,
    readonly address: string,
    private readonly opts: TransportOptions,
    private readonly handler: RaftTransportHandler,
  ) {
    // The node's peer credentials: mutual TLS when configured, like every other internal link.
    this.client = createClient<RaftClient>(raftServiceConstructor(), address, opts.server.peers.client);
  }

  enqueue(m: RaftMessage): void {
    if (this.closed) return;
    if (m.type === MessageType.MsgSnap) {
      this.sendSnapshot(m);
      return;
    }
    // Just after a stream failed the peer is likely down: what is sent now is lost like what was
    // on the failed stream (the core was told; it resends), rather than held and delivered stale.
    if (this.stream === null && Date.now() < this.reopenAtMs) return;
    const size = messageSizeBytes(m);
    if (
      this.queue.length >= limits.raftPeerQueueMessagesMax ||
      this.queuedBytes + size > limits.raftPeerQueueBytesMax
    ) {
      // Raft resends what is lost; a full queue means the peer is not keeping up or is down.
      this.dropped++;
      this.handler.unreachable(this.to);
      return;
    }
    this.queue.push(m);
    this.queuedBytes += size;
    // Messages of one Ready are sent in one synchronous loop: let them all in before writing.
    if (!this.pumpScheduled) {
      this.pumpScheduled = true;
      queueMicrotask(() => {
        this.pumpScheduled = false;
        this.pump();
      });
    }
  }

  /** Messages dropped because the queue was full, since start. */
  get droppedCount(): number {
    return this.dropped;
  }

  /** A message from this peer arrived: it is up (and its stream to us works). */
  heardFrom(): void {
    this.markReachable();
  }

  private takeBatch(): RaftMessage[] {
    let n = 1;
    let bytes = messageSizeBytes(this.queue[0] as RaftMessage);
    for (; n < this.queue.length; n++) {
      const size = messageSizeBytes(this.queue[n] as RaftMessage);
      if (bytes + size > limits.raftBatchBytesMax) break;
      bytes += size;
    }
    this.queuedBytes -= bytes;
    assert(this.queuedBytes >= 0, 'raft peer queue bytes went negative');
    return this.queue.splice(0, n);
  }

  /** Writes queued batches until the queue is empty or the stream wants a 'drain'. Bounded by the
   * queue: each round takes at least one message off it. */
  private pump(): void {
    while (!this.closed && !this.awaitingDrain && this.queue.length > 0) {
      const stream = this.openStream();
      const batch = this.takeBatch();
      if (!stream.write({ clusterId: this.opts.clusterId, messages: batch })) this.waitForDrain(stream);
    }
  }

  private waitForDrain(stream: grpc.ClientWritableStream<WireBatch>): void {
    this.awaitingDrain = true;
    stream.once('drain', () => {
      if (this.stream !== stream) return;
      this.awaitingDrain = false;
      this.clearDrainTimer();
      this.pump();
    });
    this.drainTimer = setTimeout(() => {
      this.drainTimer = null;
      if (this.stream !== stream) return;
      this.failStream(stream, {
        code: grpc.status.DEADLINE_EXCEEDED,
        details: `stream not drained in ${this.opts.sendTimeoutMs} ms`,
      });
    }, this.opts.sendTimeoutMs);
  }

  /** The open stream, or a new one. */
  private openStream(): grpc.ClientWritableStream<WireBatch> {
    if (this.stream !== null) return this.stream;
    // The server answers only when the stream ends: refused (another cluster), closed, or gone.
    const stream = this.client.Stream((err) =>
      this.failStream(stream, err ?? { code: grpc.status.OK, details: 'stream ended by the peer' }),
    );
    // A write after the call ended fails through here; the status callback above has reported it.
    stream.on('error', () => undefined);
    this.stream = stream;
    return stream;
  }

  /** What was written to `stream` and not yet read by the peer is lost, and so is what is still
   * queued (Raft resends); the first send after a short pause opens a new stream. */
  private failStream(
    stream: grpc.ClientWritableStream<WireBatch>,
    err: Pick<grpc.StatusObject, 'code' | 'details'>,
  ): void {
    if (this.stream !== stream || this.closed) return;
    this.stream = null;
    this.awaitingDrain = false;
    this.clearDrainTimer();
    stream.cancel();
    this.reopenAtMs = Date.now() + STREAM_REOPEN_BACKOFF_MS;
    this.queue = [];
    this.queuedBytes = 0;
    this.failed(err);
  }

  private sendSnapshot(m: RaftMessage): void {
    // One at a time: the core sends the next only after snapshotSent; a second one while a first
    // is still on the wire (a new term) is refused, and the core tries again after a heartbeat.
    if (this.snapshotCall !== null || messageSizeBytes(m) > limits.raftPeerQueueBytesMax) {
      this.dropped++;
      this.handler.snapshotSent(this.to, false);
      return;
    }
    const deadline = Date.now() + this.opts.snapshotSendTimeoutMs;
    this.snapshotCall = this.client.Send({ clusterId: this.opts.clusterId, messages: [m] }, { deadline }, (err) => {
      this.snapshotCall = null;
      if (this.closed) return;
      if (err) {
        this.failed(err);
        this.handler.snapshotSent(this.to, false);
      } else {
        this.markReachable();
        this.handler.snapshotSent(this.to, true);
      }
    });
  }

  private failed(err: Pick<grpc.StatusObject, 'code' | 'details'>): void {
    if (err.code === grpc.status.FAILED_PRECONDITION) {
      const now = Date.now();
      if (now - this.lastRefusalLogMs >= REFUSAL_LOG_INTERVAL_MS) {
        this.lastRefusalLogMs = now;
        this.opts.log.error(
          { peer: this.to, address: this.address, err: err.details },
          'raft peer refused our messages',
        );
      }
    } else if (this.reachable) {
      this.reachable = false;
      this.opts.log.warn(
        { peer: this.to, address: this.address, code: err.code, err: err.details },
        'raft peer unreachable',
      );
    }
    this.handler.unreachable(this.to);
  }

  private markReachable(): void {
    if (this.reachable) return;
    this.reachable = true;
    this.opts.log.info({ peer: this.to, address: this.address }, 'raft peer reachable');
  }

  private clearDrainTimer(): void {
    if (this.drainTimer === null) return;
    clearTimeout(this.drainTimer);
    this.drainTimer = null;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.queuedBytes = 0;
    this.clearDrainTimer();
    const stream = this.stream;
    this.stream = null;
    if (stream !== null) {
      // end() tells the peer we are done; cancel() makes sure the call does not outlive us when
      // the peer is not answering (a frozen peer would otherwise hold it until keepalive fails).
      stream.end();
      stream.cancel();
    }
    this.snapshotCall?.cancel();
    this.client.close();
  }
}

/** The production RaftTransport: gRPC on the node's shared server. */
export class GrpcRaftTransport implements RaftTransport {
  private readonly senders = new Map<NodeId, PeerSender>();
  private readonly service: grpc.ServiceDefinition;
  private closed = false;
  private rejectedBatches = 0;
  private lastRejectLogMs = 0;

  constructor(
    private readonly opts: TransportOptions,
    private readonly handler: RaftTransportHandler,
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
      // One per peer, open for as long as both nodes run; every batch goes through the same checks
      // as Send. A refusal ends the stream with its status (the peer reopens it after a pause).
      Stream: (call: grpc.ServerReadableStream<WireBatch, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        let answered = false;
        const answer = (refusal: Partial<grpc.StatusObject> | undefined): void => {
          if (answered) return;
          answered = true;
          if (refusal !== undefined) callback(refusal);
          else callback(null, {});
        };
        call.on('data', (batch: WireBatch) => {
          if (answered) return;
          const refusal = this.accept(batch);
          if (refusal !== undefined) answer(refusal);
        });
        call.on('end', () => answer(undefined));
        // The peer went away or cancelled: nothing to answer, nothing to clean up.
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
    const sender = this.senderFor(m.to);
    if (sender === undefined) {
      // A member we have no address for (added by a membership change this node was not told
      // the address of): nothing to do but let Raft treat it as unreachable.
      this.handler.unreachable(m.to);
      return;
    }
    sender.enqueue(m);
  }

  /** The sender to `to`: fixed for the members named at start; for the others, a new one when
   * their address first becomes known or changes (a broker that restarted elsewhere). */
  private senderFor(to: NodeId): PeerSender | undefined {
    const existing = this.senders.get(to);
    if (existing !== undefined && this.opts.peers.has(to)) return existing;
    const address = this.opts.peers.get(to) ?? this.opts.addressOf?.(to) ?? null;
    if (address === null || existing?.address === address) return existing;
    existing?.close();
    const sender = new PeerSender(to, address, this.opts, this.handler);
    this.senders.set(to, sender);
    return sender;
  }

  /** The one gate for inbound batches, unary or streamed: wrong cluster is refused, the messages
   * are rebuilt field by field and only those addressed to this node from another node pass. */
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
    const messages = messagesFromWire(batch.messages, this.opts.nodeId);
    if (messages.length === 0) return undefined;
    // Hearing from a peer is the only sign a stream gives that the peer is up again. (A
    // MsgTransferLeader names the transferee in `from`, not the sender.)
    let from = NONE;
    for (const m of messages) {
      if (m.from === from || m.type === MessageType.MsgTransferLeader) continue;
      from = m.from;
      this.senders.get(from)?.heardFrom();
    }
    this.handler.receive(messages);
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
