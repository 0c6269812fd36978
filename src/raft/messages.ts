// The one message shape every Raft exchange uses. Mirrored field for field by proto/raft.proto so
// the driver can carry it over gRPC. Which fields matter depends on `type`; unused ones are 0,
// false or empty, never absent, so a round trip through protobuf returns an equal object.
import type { Entry, NodeId, Snapshot } from './types.js';

export const MessageType = {
  /** Leader -> follower: entries after (index, logTerm), plus the leader's commit. */
  MsgApp: 'MsgApp',
  /** Follower -> leader: `index` is the last matching index, or on reject the probed index. */
  MsgAppResp: 'MsgAppResp',
  MsgVote: 'MsgVote',
  MsgVoteResp: 'MsgVoteResp',
  /** "Would you vote for me at `term`?" — changes no term or vote anywhere (thesis 9.6). */
  MsgPreVote: 'MsgPreVote',
  MsgPreVoteResp: 'MsgPreVoteResp',
  /** Leader -> follower: `commit` is capped at what the follower is known to hold. */
  MsgHeartbeat: 'MsgHeartbeat',
  MsgHeartbeatResp: 'MsgHeartbeatResp',
  /** Leader -> lagging follower: install `snapshot`. */
  MsgSnap: 'MsgSnap',
  /** Leader -> transfer target: campaign now, skipping pre-vote and leader stickiness. */
  MsgTimeoutNow: 'MsgTimeoutNow',
  /** Follower -> leader: a forwarded ReadIndex request carrying `context`. */
  MsgReadIndex: 'MsgReadIndex',
  /** Leader -> follower: the read index (`index`) for `context`. */
  MsgReadIndexResp: 'MsgReadIndexResp',
  /** Ask the leader to hand leadership to `from` (as in etcd, `from` names the transferee). */
  MsgTransferLeader: 'MsgTransferLeader',
  /** Local only: start an election (never sent on the wire). */
  MsgHup: 'MsgHup',
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export interface RaftMessage {
  readonly type: MessageType;
  readonly from: NodeId;
  readonly to: NodeId;
  /** The sender's term; 0 only for MsgReadIndex and MsgTransferLeader forwarded by a follower. */
  readonly term: number;
  readonly logTerm: number;
  readonly index: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
  readonly reject: boolean;
  readonly rejectHint: number;
  readonly snapshot?: Snapshot;
  readonly context: Uint8Array;
}

const EMPTY_BYTES = new Uint8Array(0);

/** Builds a message with every field present; callers set only what the type needs. */
export function message(
  fields: Pick<RaftMessage, 'type' | 'from' | 'to' | 'term'> & Partial<RaftMessage>,
): RaftMessage {
  return {
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    context: EMPTY_BYTES,
    ...fields,
  };
}

/** The context of a MsgVote sent because of MsgTimeoutNow: voters skip leader stickiness. */
export const CAMPAIGN_TRANSFER_CONTEXT = new Uint8Array([0x74, 0x72, 0x61, 0x6e, 0x73, 0x66, 0x65, 0x72]); // "transfer"

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
