// The data the Raft core reads and writes: log entries, the durable hard state, the cluster
// configuration and snapshots. Plain data only (numbers, strings, Uint8Array, arrays) so that the
// driver can persist it and carry it over gRPC without a translation layer of its own.

/** A Raft node id: a positive integer, never reused (an address is not an id). */
export type NodeId = number;

/** Marks "no node" in `vote` and `lead`. */
export const NONE: NodeId = 0;

export const EntryType = {
  normal: 'normal',
  confChange: 'confChange',
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  /** Opaque to Raft for `normal`; an encoded `ConfChangeEntry` for `confChange`. */
  readonly data: Uint8Array;
}

/** What must be on disk before any message that depends on it leaves the node. */
export interface HardState {
  readonly term: number;
  /** The candidate voted for in `term`, or NONE. */
  readonly vote: NodeId;
  readonly commit: number;
}

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: NONE, commit: 0 };

export function isHardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

/** Cluster membership: voters count toward quorums, learners only receive the log. */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export const EMPTY_CONF_STATE: ConfState = { voters: [], learners: [] };

export interface SnapshotMetadata {
  /** The last log index the snapshot covers. */
  readonly index: number;
  /** The term of the entry at `index`. */
  readonly term: number;
  /** The configuration in force at `index`. */
  readonly confState: ConfState;
}

export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  /** The application's state machine image at `metadata.index`; opaque to Raft. */
  readonly data: Uint8Array;
}

export const EMPTY_SNAPSHOT: Snapshot = {
  metadata: { index: 0, term: 0, confState: EMPTY_CONF_STATE },
  data: new Uint8Array(0),
};

export const StateRole = {
  follower: 'follower',
  preCandidate: 'preCandidate',
  candidate: 'candidate',
  leader: 'leader',
} as const;
export type StateRole = (typeof StateRole)[keyof typeof StateRole];

/** Volatile state the driver may want to observe (not persisted). */
export interface SoftState {
  readonly lead: NodeId;
  readonly role: StateRole;
}

/** The answer to a ReadIndex request: once `applied >= index`, a read with `context` is linearizable. */
export interface ReadState {
  readonly index: number;
  readonly context: Uint8Array;
}

/** Bytes an entry costs on the wire and in memory, for message and in-flight budgets. */
export function entrySizeBytes(entry: Entry): number {
  // 24 covers term, index and type framing; the exact figure does not matter, only that empty
  // entries are not free (else a window of empty entries would be unbounded).
  return entry.data.byteLength + 24;
}

/** Bytes an entry counts against the uncommitted budget: only what a client proposed. */
export function entryPayloadBytes(entry: Entry): number {
  return entry.data.byteLength;
}
