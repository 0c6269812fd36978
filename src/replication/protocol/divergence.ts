// Finding where a follower's log stops being a prefix of the leader's (KIP-101/KIP-279 style).
//
// Facts this relies on: one leader per epoch, and a leader never writes an offset twice in its
// epoch (a restarted leader never resumes its epoch). So one (offset, epoch) names one batch on
// every replica, and a replica that got a batch of epoch E got it from E's leader after matching
// that leader's log below it. Two logs therefore agree on every offset below the last one at
// which their epochs are equal.
//
// One round: the follower's last epoch is F. The leader answers (E, end) = the largest epoch
// E <= F it knows and where E ends in its log; at and beyond `end` the leader only has epochs
// > F. The follower computes where its own epochs newer than E start (`nextStart`): there it only
// has epochs in (E, F], which the leader does not have at all. So every offset at or beyond
// t = min(end, nextStart, logEnd) differs and is cut. If the follower also has E itself, both
// logs hold E on [start of E, t) and agree below the start of E (both matched E's leader there):
// the follower has converged. Otherwise its last epoch is now older than E and another round
// follows. Every round lowers the follower's last epoch, so it ends within the checkpoint size.
import { assert } from '../../common/index.js';
import { endOffsetForEpoch, type EpochEntry, floorAndNextStart, lastEpochOf, type ReplicaLogView } from './log-view.js';
import { type DivergenceAnswer, NO_EPOCH } from './messages.js';

/** The leader's side: answer a follower whose last epoch is `requestedEpoch`. */
export function answerDivergence(leaderView: ReplicaLogView, requestedEpoch: number): DivergenceAnswer {
  const { epoch, endOffset } = endOffsetForEpoch(leaderView.epochEntries(), leaderView.logEndOffset, requestedEpoch);
  return { requestedEpoch, epoch, endOffset };
}

export interface DivergenceStep {
  /** Truncate the log to this offset (equal to the log end: nothing to cut). */
  readonly truncateTo: number;
  /** After the truncation the whole log is a prefix of the leader's. */
  readonly converged: boolean;
}

/** Facts about a follower log, possibly projected past actions not yet performed. */
export interface LogFacts {
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly entries: readonly EpochEntry[];
}

/**
 * The follower's side of one round. Returns null for a stale answer (it answers an epoch that is
 * no longer the follower's last): the follower asks again with its current last epoch.
 */
export function divergenceStep(log: LogFacts, answer: DivergenceAnswer): DivergenceStep | null {
  const last = lastEpochOf(log.entries);
  if (answer.requestedEpoch !== last) return null;
  if (last === NO_EPOCH || answer.epoch === NO_EPOCH) {
    // Nothing in the follower's log carries an epoch, or the leader knows none as old: no offset
    // can be shown to agree, so keep nothing but what lies below the log start.
    return { truncateTo: Math.min(log.logStartOffset, log.logEndOffset), converged: true };
  }
  assert(answer.epoch <= last, `divergence answer epoch ${answer.epoch} above the asked ${last}`);
  const { floor, nextStart } = floorAndNextStart(log.entries, log.logEndOffset, answer.epoch);
  const truncateTo = Math.max(log.logStartOffset, Math.min(answer.endOffset, nextStart, log.logEndOffset));
  // Converged when the follower holds the answered epoch itself, or holds no epoch that old
  // (then everything below `truncateTo` lies below the first epoch either side knows).
  const converged = floor === undefined || floor.epoch === answer.epoch;
  return { truncateTo: Math.min(truncateTo, log.logEndOffset), converged };
}
