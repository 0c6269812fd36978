// The Raft driver's I/O as parameters: its disk and its network are these interfaces, its time is
// a Clock (common/clock.ts). A Brook node passes LevelDB (driver-storage.ts), gRPC
// (driver-transport.ts) and the system clock (driver-node.ts wires them); the seeded simulation
// (test/sim/) passes an in-memory disk that can lose what was not yet durable, a simulated network
// and virtual time.
import type { RaftMessage } from './messages.js';
import type { Entry, HardState, NodeId, Snapshot } from './types.js';

export interface LoadedRaftState {
  readonly hardState: HardState;
  /** Undefined if no snapshot was ever stored. */
  readonly snapshot: Snapshot | undefined;
  /** The entries after the snapshot, contiguous, in index order. */
  readonly entries: readonly Entry[];
}

/** What one Ready asks to be written. */
export interface RaftWrite {
  readonly snapshot?: Snapshot | undefined;
  readonly entries: readonly Entry[];
  readonly hardState?: HardState | undefined;
  /** It must be durable (fsynced) before the promise resolves: messages wait for it. */
  readonly sync: boolean;
}

/**
 * A node's Raft state on disk: the hard state, the log and the latest snapshot. The driver issues
 * one write at a time (the next once the previous resolved), so writes land in order. A write
 * resolves once it is on disk (durably when `sync`); a rejection stops the driver (fatal).
 */
export interface RaftStore {
  /** Everything stored, once, before the first write. */
  load(): Promise<LoadedRaftState>;
  /** One Ready, atomically: a snapshot replaces the whole log; new entries replace every stored
   * entry at or after the first of them. */
  write(w: RaftWrite): Promise<void>;
  /** A snapshot this node took of its own state, and the deletion of the entries up to
   * `compactIndex` (<= the snapshot's index), atomically. Need not be durable: losing it on a
   * crash loses only the compaction. */
  saveSnapshotAndCompact(snapshot: Snapshot, compactIndex: number): Promise<void>;
  close(): Promise<void>;
}

/** What the transport reports to the driver. */
export interface RaftTransportHandler {
  /** Messages received from a peer of this cluster, in the order sent. */
  receive(messages: readonly RaftMessage[]): void;
  /** Messages to `to` were lost (its connection failed, its queue was full): the peer may be down. */
  unreachable(to: NodeId): void;
  /** A MsgSnap to `to` was delivered (ok) or not. */
  snapshotSent(to: NodeId, ok: boolean): void;
}

/**
 * How messages reach the other members. Sending never blocks and never fails: a message that
 * cannot be delivered is lost (Raft resends), reported through `unreachable` when the transport
 * knows. A MsgSnap's delivery is always reported through `snapshotSent`.
 */
export interface RaftTransport {
  send(m: RaftMessage): void;
  /** Stops sending and receiving; nothing is reported afterwards. */
  close(): void;
  /** Inbound batches refused because they came from another cluster, since start. */
  readonly rejectedBatchCount: number;
  /** Outbound messages dropped because a peer could not take them, since start. */
  readonly droppedMessageCount: number;
}

/** Starts a transport that reports to the driver's `handler`; the driver calls it once, when it
 * is ready to take messages (after its state is loaded). */
export type OpenRaftTransport = (handler: RaftTransportHandler) => RaftTransport;
