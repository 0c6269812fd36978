// Failover (docs/architecture.md): the controller seals the live replicas at a new epoch, waits for R
// answers and picks the most complete one. Both halves are pure functions.
import { assert } from '../../common/index.js';
import type { ReplicaLogView } from './log-view.js';
import { NO_EPOCH, type SealResponse } from './messages.js';

export interface SealDecision {
  readonly response: SealResponse;
  /** The sealed epoch rose: persist it durably before the response leaves. */
  readonly persist: boolean;
}

/**
 * A replica's answer to Seal(requestedEpoch). It accepts any epoch at or above the one it is
 * sealed at and above every epoch in its checkpoint (an epoch that already had a leader here
 * cannot be sealed again). Once accepted, the replica refuses appends and leadership below it.
 *
 * The answer reports only what a crash cannot take away: the durable log end, and the newest
 * epoch whose start lies within it. The shell should flush the log together with persisting the
 * sealed epoch and then call seal() again with the persisted epoch (now a no-op acceptance), so
 * the answer covers the whole log; answering with less is safe, only less precise.
 */
export function seal(
  view: ReplicaLogView,
  replicaId: number,
  sealedEpoch: number,
  requestedEpoch: number,
): SealDecision {
  const entries = view.epochEntries();
  const durableEnd = view.durableEndOffset;
  assert(durableEnd <= view.logEndOffset, 'durable end <= log end');
  let lastDurableEpoch = NO_EPOCH;
  for (const e of entries) if (e.startOffset <= durableEnd) lastDurableEpoch = e.epoch;
  const lastEpoch = entries[entries.length - 1]?.epoch ?? NO_EPOCH;
  const accepted = requestedEpoch >= sealedEpoch && requestedEpoch > lastEpoch;
  return {
    response: {
      replicaId,
      sealedEpoch: accepted ? requestedEpoch : sealedEpoch,
      lastEpoch: lastDurableEpoch,
      logEndOffset: durableEnd,
      accepted,
      ledHighWatermark: -1,
    },
    persist: accepted && requestedEpoch > sealedEpoch,
  };
}

/**
 * The leader for `epoch`: among accepted answers sealed at exactly `epoch` (one per replica), the
 * greatest (lastEpoch, logEndOffset), the preferred replica on a tie, then the lowest id. Null with
 * fewer than `readQuorum` answers: no unclean election.
 */
export function chooseLeader(
  answers: readonly SealResponse[],
  readQuorum: number,
  preferredReplica: number,
  epoch: number,
): number | null {
  assert(readQuorum >= 1, 'read quorum must be >= 1');
  const byReplica = new Map<number, SealResponse>();
  for (const a of answers) {
    if (!a.accepted || a.sealedEpoch !== epoch) continue;
    byReplica.set(a.replicaId, a); // duplicates of one answer are one answer
  }
  if (byReplica.size < readQuorum) return null;
  let best: SealResponse | undefined;
  for (const a of byReplica.values()) {
    if (best === undefined || compareCompleteness(a, best, preferredReplica) > 0) best = a;
  }
  return best === undefined ? null : best.replicaId;
}

/** > 0 when `a` should lead rather than `b`. */
function compareCompleteness(a: SealResponse, b: SealResponse, preferred: number): number {
  if (a.lastEpoch !== b.lastEpoch) return a.lastEpoch - b.lastEpoch;
  if (a.logEndOffset !== b.logEndOffset) return a.logEndOffset - b.logEndOffset;
  if (a.replicaId === preferred) return 1;
  if (b.replicaId === preferred) return -1;
  return b.replicaId - a.replicaId;
}

/**
 * A preferred election's test: may `preferred` lead `epoch` although it need not be the most complete
 * answer? Yes when the outgoing leader, which led `ledEpoch`, answered with the high watermark it was
 * stopped at (it acknowledged nothing at or above it, and the seal stops it acknowledging more), and
 * both it and the preferred replica durably hold `ledEpoch`'s start — so the preferred replica has
 * the leader's log below that start, which held every write acknowledged before the epoch (the leader
 * was the most complete of its election) — and the preferred replica's durable log reaches the high
 * watermark: a follower appends only what the leader of its epoch sent, so it then holds every
 * write acknowledged in the epoch too. Longer tails elsewhere were never acknowledged and are
 * truncated when their replicas follow the new epoch, as after any election. This is Kafka's rule
 * for electing an in-sync replica whose log end reaches the high watermark.
 */
export function preferredCanLead(
  answers: readonly SealResponse[],
  outgoingLeader: number,
  ledEpoch: number,
  preferred: number,
  epoch: number,
): boolean {
  assert(epoch > ledEpoch, 'a preferred election seals above the led epoch');
  const sealed = (id: number): SealResponse | undefined =>
    answers.find((a) => a.replicaId === id && a.accepted && a.sealedEpoch === epoch);
  const outgoing = sealed(outgoingLeader);
  const candidate = sealed(preferred);
  if (outgoing === undefined || candidate === undefined || outgoing.ledHighWatermark < 0) return false;
  return (
    outgoing.lastEpoch === ledEpoch &&
    candidate.lastEpoch === ledEpoch &&
    candidate.logEndOffset >= outgoing.ledHighWatermark
  );
}

/**
 * A reassignment's switch (docs/architecture.md, "Reassignment"): may the partition, sealed at
 * `epoch` on its replicas and its learners, continue at `epoch` with the replicas `target`, and
 * led by whom? Yes when the outgoing leader, which led `ledEpoch`, answered with the high watermark
 * it was stopped at, and enough replicas of the target hold every acknowledged write: `ledEpoch` is
 * their last durable epoch (so their log below its start is the leader's, which held every write
 * acknowledged before it) and their durable log reaches that high watermark (so they hold every
 * write acknowledged in it). Enough is |target| - readQuorum + 1: then every read quorum of the
 * target meets one of them, so the first failover in the target finds every acknowledged write,
 * as the first failover after any election does. The leader is the first of them in the target's
 * order (the preferred replica when it qualifies). Null: the switch waits (the caller elects within
 * the current replicas instead).
 */
export function reassignmentLeader(
  answers: readonly SealResponse[],
  outgoingLeader: number,
  ledEpoch: number,
  target: readonly number[],
  targetReadQuorum: number,
  epoch: number,
): number | null {
  assert(epoch > ledEpoch, 'a reassignment seals above the led epoch');
  assert(targetReadQuorum >= 1 && targetReadQuorum <= target.length, 'the read quorum fits the target');
  const sealed = (id: number): SealResponse | undefined =>
    answers.find((a) => a.replicaId === id && a.accepted && a.sealedEpoch === epoch);
  const outgoing = sealed(outgoingLeader);
  if (outgoing === undefined || outgoing.ledHighWatermark < 0 || outgoing.lastEpoch !== ledEpoch) return null;
  const complete = target.filter((id) => {
    const a = sealed(id);
    return a !== undefined && a.lastEpoch === ledEpoch && a.logEndOffset >= outgoing.ledHighWatermark;
  });
  if (complete.length < target.length - targetReadQuorum + 1) return null;
  return complete[0] ?? null;
}
