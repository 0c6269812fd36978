// Settings of one Raft node. Times are in ticks: the driver ticks every heartbeat (50 ms by
// default) and passes electionTicks = election timeout / heartbeat (300 / 50 = 6 by default, an
// election timeout drawn in [300, 600) ms).
import { ConfigError, limits } from '../common/index.js';
import { createPrng, type Prng } from './prng.js';
import type { NodeId } from './types.js';

export interface RaftConfig {
  readonly id: NodeId;
  /** Voters of a brand-new cluster. Used only when Storage holds no configuration; a node
   * joining an existing cluster passes [] and learns the membership from the leader. */
  readonly peers?: readonly NodeId[];
  /** Learners of a brand-new cluster (as `peers`). */
  readonly learners?: readonly NodeId[];
  /** Minimum election timeout; the actual one is drawn from [electionTicks, 2 * electionTicks). */
  readonly electionTicks?: number;
  readonly heartbeatTicks?: number;
  /** Highest index the application had applied before a restart (entries up to it are not
   * handed out again). Defaults to the snapshot index. */
  readonly applied?: number;
  readonly preVote?: boolean;
  readonly checkQuorum?: boolean;
  /** Bytes of entries per AppendEntries message (at least one entry is always sent). */
  readonly maxSizePerMsgBytes?: number;
  /** AppendEntries messages in flight per follower in replicate state. */
  readonly maxInflightMsgs?: number;
  /** Bytes of entries in flight per follower (0 = unbounded by bytes). */
  readonly maxInflightBytes?: number;
  /** Proposed-but-uncommitted payload bytes a leader holds before refusing proposals. */
  readonly maxUncommittedBytes?: number;
  /** Largest single proposal payload. */
  readonly maxProposalBytes?: number;
  /** Bytes of committed entries handed out per Ready. */
  readonly maxCommittedBytesPerReady?: number;
  /** ReadIndex requests a leader holds awaiting confirmation. */
  readonly maxPendingReadIndex?: number;
  /** Election jitter source; defaults to a PRNG seeded from the node id (deterministic). */
  readonly prng?: Prng;
}

export interface ResolvedRaftConfig {
  readonly id: NodeId;
  readonly peers: readonly NodeId[];
  readonly learners: readonly NodeId[];
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly applied: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxSizePerMsgBytes: number;
  readonly maxInflightMsgs: number;
  readonly maxInflightBytes: number;
  readonly maxUncommittedBytes: number;
  readonly maxProposalBytes: number;
  readonly maxCommittedBytesPerReady: number;
  readonly maxPendingReadIndex: number;
  readonly prng: Prng;
}

/** Smallest election timeout accepted: below 5 heartbeats one lost heartbeat starts an election. */
export const ELECTION_TICKS_MIN = 5;

export function resolveConfig(c: RaftConfig): ResolvedRaftConfig {
  const fail = (setting: string, why: string): never => {
    throw new ConfigError(`raft ${setting}: ${why}`);
  };
  if (!Number.isInteger(c.id) || c.id <= 0) fail('id', `must be a positive integer, got ${c.id}`);
  const resolved: ResolvedRaftConfig = {
    id: c.id,
    peers: c.peers ?? [],
    learners: c.learners ?? [],
    electionTicks: c.electionTicks ?? 5,
    heartbeatTicks: c.heartbeatTicks ?? 1,
    applied: c.applied ?? 0,
    preVote: c.preVote ?? true,
    checkQuorum: c.checkQuorum ?? true,
    maxSizePerMsgBytes: c.maxSizePerMsgBytes ?? limits.raftMessageSizeBytesMax,
    maxInflightMsgs: c.maxInflightMsgs ?? limits.raftInflightMessagesMax,
    maxInflightBytes: c.maxInflightBytes ?? limits.raftInflightBytesMax,
    maxUncommittedBytes: c.maxUncommittedBytes ?? limits.raftUncommittedBytesMax,
    maxProposalBytes: c.maxProposalBytes ?? limits.raftProposalBytesMax,
    maxCommittedBytesPerReady: c.maxCommittedBytesPerReady ?? limits.raftCommittedBytesPerReadyMax,
    maxPendingReadIndex: c.maxPendingReadIndex ?? limits.raftPendingReadIndexMax,
    prng: c.prng ?? createPrng(Math.imul(c.id, 0x9e3779b1)),
  };
  const r = resolved;
  if (!Number.isInteger(r.heartbeatTicks) || r.heartbeatTicks < 1) fail('heartbeatTicks', 'must be an integer >= 1');
  if (!Number.isInteger(r.electionTicks) || r.electionTicks < ELECTION_TICKS_MIN)
    fail('electionTicks', `must be an integer >= ${ELECTION_TICKS_MIN}`);
  if (r.electionTicks <= r.heartbeatTicks) fail('electionTicks', 'must exceed heartbeatTicks');
  if (r.maxInflightMsgs < 1) fail('maxInflightMsgs', 'must be >= 1');
  if (r.maxSizePerMsgBytes < 1) fail('maxSizePerMsgBytes', 'must be >= 1');
  if (r.maxUncommittedBytes < r.maxProposalBytes) fail('maxUncommittedBytes', 'must be >= maxProposalBytes');
  if (r.maxPendingReadIndex < 1) fail('maxPendingReadIndex', 'must be >= 1');
  for (const id of [...r.peers, ...r.learners]) {
    if (!Number.isInteger(id) || id <= 0) fail('peers', `node ids must be positive integers, got ${id}`);
  }
  if (r.learners.some((id) => r.peers.includes(id))) fail('learners', 'a node cannot be both voter and learner');
  return resolved;
}
