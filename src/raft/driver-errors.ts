// Operating errors of the Raft driver: conditions a caller handles (retry on the leader, back off,
// report "unavailable"), never broken invariants. Each carries what the caller needs to act.
import type { NodeId } from './types.js';

/** This node is not the leader. `leaderId` is the leader if known, else 0 (NONE). */
export class NotLeaderError extends Error {
  override name = 'NotLeaderError';
  constructor(
    readonly leaderId: NodeId,
    message = leaderId === 0
      ? 'not the Raft leader; no leader known'
      : `not the Raft leader; the leader is ${leaderId}`,
  ) {
    super(message);
  }
}

/** The proposal was appended but will never commit: leadership changed and another entry committed
 * at its index (or a snapshot of a later term covers it). Safe to retry on `leaderId`. */
export class ProposalDroppedError extends Error {
  override name = 'ProposalDroppedError';
  constructor(
    readonly index: number,
    readonly term: number,
    readonly leaderId: NodeId,
    message = `proposal at index ${index} term ${term} lost in a leadership change`,
  ) {
    super(message);
  }
}

export const UnavailableReason = {
  /** No leader was known within the wait. */
  noLeader: 'noLeader',
  /** Waited too long; for a proposal the outcome is unknown (it may still commit). */
  timeout: 'timeout',
  /** The driver is closed (or stopped after a fatal storage error). */
  closed: 'closed',
  /** A bounded queue (pending proposals, reads, the leader's uncommitted budget) is full. */
  overloaded: 'overloaded',
  /** The proposal is larger than the leader accepts. */
  tooLarge: 'tooLarge',
} as const;
export type UnavailableReason = (typeof UnavailableReason)[keyof typeof UnavailableReason];

/** Raft cannot serve the request now; `reason` says why. */
export class RaftUnavailableError extends Error {
  override name = 'RaftUnavailableError';
  constructor(
    readonly reason: UnavailableReason,
    message: string,
    readonly leaderId: NodeId = 0,
  ) {
    super(message);
  }
}
