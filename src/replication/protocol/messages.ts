// The messages of partition replication (docs/architecture.md), as plain data: numbers, strings, arrays and
// nested plain objects only, so the shell can carry them over gRPC (proto/replication.proto) or the
// simulation can carry them over its in-memory network unchanged. Every message concerns one
// partition; the shell adds the topic and partition around it.

/** "No epoch": an empty checkpoint, or an epoch the log does not know. */
export const NO_EPOCH = -1;
/** "No offset": paired with NO_EPOCH in a divergence answer. */
export const NO_OFFSET = -1;

/**
 * One stored record batch as the protocol sees it. The bytes themselves (Kafka RecordBatch v2 with
 * `baseOffset` and `partitionLeaderEpoch` already stamped by the leader) travel beside it, opaque.
 */
export interface BatchInfo {
  readonly baseOffset: number;
  /** Inclusive. */
  readonly lastOffset: number;
  /** The leader epoch stamped in the batch (`partitionLeaderEpoch`). */
  readonly epoch: number;
  readonly sizeBytes: number;
}

/**
 * Divergence query (OffsetForLeaderEpoch semantics): the follower asks about its last epoch. It is
 * carried by an AppendResponse refused with `diverged` (its `lastEpoch` field), and may also be
 * served as an RPC of its own.
 */
export interface DivergenceQuery {
  /** The epoch of the leader asked (a leader of another epoch does not answer). */
  readonly leaderEpoch: number;
  /** The follower's last epoch. */
  readonly lastEpoch: number;
}

/** The leader's answer: the largest epoch <= the one asked that it knows, and where it ends in its log. */
export interface DivergenceAnswer {
  /** The follower's last epoch this answers; a follower whose last epoch changed ignores it. */
  readonly requestedEpoch: number;
  /** Largest epoch <= requestedEpoch in the leader's checkpoint; NO_EPOCH when there is none. */
  readonly epoch: number;
  /** Where `epoch` ends in the leader's log: the start of the next epoch, or its log end offset. */
  readonly endOffset: number;
}

/** Leader -> follower: batches to append, or only the high watermark (a heartbeat), or a divergence answer. */
export interface AppendRequest {
  readonly epoch: number;
  readonly leaderId: number;
  /** The offset just before the first batch (-1 when the batches start at offset 0). */
  readonly prevOffset: number;
  /** The epoch of the batch holding prevOffset in the leader's log (log-matching check). */
  readonly prevEpoch: number;
  /** Contiguous batches starting at prevOffset + 1; empty for a heartbeat or a divergence answer. */
  readonly batches: readonly BatchInfo[];
  readonly highWatermark: number;
  /** Where the leader's epoch starts: the epoch start marker is "epoch starts at epochStartOffset". */
  readonly epochStartOffset: number;
  /** Set only while the follower is finding its point of divergence; then prev and batches are unused. */
  readonly divergence: DivergenceAnswer | null;
}

export const AppendError = {
  none: 'none',
  /** The request's epoch is below the follower's sealed or current epoch: the sender is deposed. */
  fenced: 'fenced',
  /** prevOffset is at or beyond the follower's log end: resend from its logEndOffset. */
  gap: 'gap',
  /** The follower's log is not known to be a prefix of the leader's: answer a divergence query for its lastEpoch. */
  diverged: 'diverged',
} as const;
export type AppendError = (typeof AppendError)[keyof typeof AppendError];

/** Follower -> leader, in answer to an AppendRequest or unsolicited once a flush made more durable. */
export interface AppendResponse {
  readonly replicaId: number;
  /** The follower's current epoch (greater than the request's when it refuses as fenced). */
  readonly epoch: number;
  readonly error: AppendError;
  /** With `none`: the follower's whole log [logStart, logEndOffset) is a prefix of the leader's. */
  readonly logEndOffset: number;
  readonly durableEndOffset: number;
  /** Newest epoch in the follower's checkpoint (the divergence query when error is `diverged`). */
  readonly lastEpoch: number;
  /** The follower durably holds this epoch's start marker and its log is durable up to the marker. */
  readonly holdsEpochMarker: boolean;
}

/** Controller -> replica: refuse every epoch below `epoch` from now on, and tell me how complete you are. */
export interface SealRequest {
  readonly epoch: number;
}

export interface SealResponse {
  readonly replicaId: number;
  /** The replica's sealed epoch after this request (the request's epoch when accepted). */
  readonly sealedEpoch: number;
  /** Newest epoch in the durable part of the checkpoint. */
  readonly lastEpoch: number;
  /** The durable log end offset: a crash after answering cannot take anything below it. */
  readonly logEndOffset: number;
  readonly accepted: boolean;
  /**
   * The high watermark of the epoch this replica was leading when this seal stopped it: every
   * offset it acknowledged lies below it. -1 when it was not leading (the pure core always says -1;
   * the shell, which knows the leader, fills it in).
   */
  readonly ledHighWatermark: number;
}
