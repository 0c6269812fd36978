// THE high-watermark rule (docs/architecture.md), as one pure function.
//
// HW is the W-th largest durable log end offset among the replicas (the leader included) that
// durably hold the current epoch's start marker "epoch e starts at s", and that are durable up to
// s. It never moves backwards.
//
// Why only marker holders (Raft's figure 8): a replica that merely has old-epoch batches on disk
// may still lose them to a leader of a newer epoch that never had them. A marker holder has
// matched the leader of e up to s, so its last epoch is e, and any later failover that hears from
// it picks a log at least as complete (greatest (last epoch, log end)). Why "durable up to s": a
// replica whose log is cut below s by a crash drops the marker with it (recovery keeps no epoch
// starting beyond the log end), and would look older than it was counted as.
import { assert } from '../../common/index.js';

export interface QuorumMember {
  /** Holds the marker durably and its durable end offset is >= the epoch start. */
  readonly holdsEpochMarker: boolean;
  readonly durableEndOffset: number;
}

/**
 * The offset W replicas holding the marker have durably reached, or null when fewer than W such
 * replicas are known (the high watermark then stays where it is).
 */
export function quorumDurableOffset(
  members: readonly QuorumMember[],
  writeQuorum: number,
  epochStartOffset: number,
): number | null {
  assert(writeQuorum >= 1, 'write quorum must be >= 1');
  const ends: number[] = [];
  for (const m of members) {
    if (!m.holdsEpochMarker) continue;
    assert(m.durableEndOffset >= epochStartOffset, 'a marker holder is durable up to the epoch start');
    ends.push(m.durableEndOffset);
  }
  if (ends.length < writeQuorum) return null;
  ends.sort((a, b) => b - a);
  return ends[writeQuorum - 1] as number;
}

/** The next high watermark: never backwards, never beyond the leader's log end. */
export function nextHighWatermark(current: number, quorumOffset: number | null, leaderLogEndOffset: number): number {
  if (quorumOffset === null) return current;
  assert(
    quorumOffset <= leaderLogEndOffset,
    `quorum offset ${quorumOffset} beyond the leader's log end ${leaderLogEndOffset}`,
  );
  return Math.max(current, quorumOffset);
}
