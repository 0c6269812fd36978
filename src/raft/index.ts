// The raft module's door. Its core is pure and synchronous: outside driver*, nothing imports from
// Node, uses timers or promises. The driver (src/raft/driver*, exported at the end) is the I/O
// shell around it, taking its clock, disk and network as parameters (driver-io.ts); driver-node.ts
// wires LevelDB, gRPC and the system clock for a node. Depends on storage and common only.
export { RaftNode } from './raft-node.js';
export type { BasicStatus, RaftStatus, ProgressStatus } from './raft-node.js';
export type { RaftConfig, ResolvedRaftConfig } from './config.js';
export { resolveConfig, ELECTION_TICKS_MIN } from './config.js';
export type { Ready } from './ready.js';
export { ProposalRefusal, ReadIndexRefusal } from './proposal.js';
export type { ProposalResult, ReadIndexResult } from './proposal.js';
export { MessageType, message, CAMPAIGN_TRANSFER_CONTEXT } from './messages.js';
export type { RaftMessage } from './messages.js';
export { MemoryStorage, limitSize } from './storage.js';
export type { Storage, InitialState } from './storage.js';
export { ConfChangeType, applyConfChange, encodeConfChangeEntry, decodeConfChangeEntry } from './conf-change.js';
export type { ConfChange, ConfChangeEntry } from './conf-change.js';
export { ProgressState } from './progress.js';
export { createPrng } from './prng.js';
export type { Prng } from './prng.js';
export {
  NONE,
  EntryType,
  StateRole,
  EMPTY_HARD_STATE,
  EMPTY_CONF_STATE,
  EMPTY_SNAPSHOT,
  entrySizeBytes,
  isHardStateEqual,
} from './types.js';
export type { Entry, HardState, ConfState, Snapshot, SnapshotMetadata, SoftState, ReadState, NodeId } from './types.js';
export {
  type LeaderChangeListener,
  RaftDriver,
  type RaftDriverBasicStatus,
  type RaftDriverOptions,
  type RaftDriverStatus,
  type RaftStateMachine,
} from './driver.js';
export type {
  LoadedRaftState,
  OpenRaftTransport,
  RaftStore,
  RaftTransport,
  RaftTransportHandler,
  RaftWrite,
} from './driver-io.js';
export { type NodeRaftDriverOptions, type RaftPeer, openNodeRaftDriver } from './driver-node.js';
export { NotLeaderError, ProposalDroppedError, RaftUnavailableError, UnavailableReason } from './driver-errors.js';
