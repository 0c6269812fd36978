// Answers to propose()/proposeConfChange()/readIndex(): refusals are operating conditions the
// caller handles (retry on the leader, back off), never exceptions.
import type { NodeId } from './types.js';

export const ProposalRefusal = {
  /** This node is not the leader; `leaderId` names the leader if known (else 0). */
  notLeader: 'notLeader',
  /** A leadership transfer is under way; retry on the new leader. */
  transferringLeadership: 'transferringLeadership',
  /** The payload exceeds maxProposalBytes. */
  tooLarge: 'tooLarge',
  /** The leader holds maxUncommittedBytes of uncommitted proposals (a stuck or slow quorum). */
  uncommittedLimit: 'uncommittedLimit',
  /** A membership change is proposed but not yet applied; one at a time. */
  confChangePending: 'confChangePending',
  /** The leader has not yet committed an entry of its own term. */
  notCommittedInTerm: 'notCommittedInTerm',
  /** The change is not a valid single-server change of the current configuration. */
  invalidConfChange: 'invalidConfChange',
} as const;
export type ProposalRefusal = (typeof ProposalRefusal)[keyof typeof ProposalRefusal];

export type ProposalResult =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | { readonly ok: false; readonly reason: ProposalRefusal; readonly leaderId: NodeId; readonly detail?: string };

export const ReadIndexRefusal = {
  /** No leader is known; retry after an election. */
  noLeader: 'noLeader',
  /** The leader's queue of pending reads is full. */
  tooManyPending: 'tooManyPending',
} as const;
export type ReadIndexRefusal = (typeof ReadIndexRefusal)[keyof typeof ReadIndexRefusal];

/** ok means the request is on its way; its ReadState arrives in a later Ready, or never (if a
 * message or the leader is lost): the caller must time out and retry. */
export type ReadIndexResult = { readonly ok: true } | { readonly ok: false; readonly reason: ReadIndexRefusal };
