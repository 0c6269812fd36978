// The leader epochs of a partition log: which epoch wrote which offsets (leader-epoch-cache.ts
// keeps the checkpoint). An epoch starts an entry at the first batch it wrote; the replication
// layer also places entries itself (assignEpochStart: a new leader's marker at its log end). At
// open the checkpoint is completed from what recovery saw: a crash can lose entries written after
// the last flush, and a damaged checkpoint is rebuilt from the batch headers.
import type { Logger } from '../common/index.js';
import type { EpochEntry, LeaderEpochCache } from './leader-epoch-cache.js';
import type { LogSegments } from './log-segments.js';

export const LEADER_EPOCH_FILE = 'leader-epoch-checkpoint';

/** A batch of `epoch` now starts at `baseOffset`: only a newer epoch starts an entry (a placed marker stays). */
export function noteBatchEpoch(epochs: LeaderEpochCache, epoch: number, baseOffset: number): void {
  if (epoch > epochs.lastEpoch) epochs.assign(epoch, baseOffset);
}

/**
 * Completes the loaded checkpoint after recovery: from `epochStarts` (the epoch increases seen in
 * the scanned segments) or, when the checkpoint was damaged, from every batch header; then keeps
 * only entries within [log start, log end].
 */
export async function recoverEpochs(
  epochs: LeaderEpochCache,
  damage: string | null,
  epochStarts: readonly EpochEntry[],
  segments: LogSegments,
  logger: Logger,
  dir: string,
): Promise<void> {
  if (damage !== null) {
    logger.warn({ dir, reason: damage }, 'leader-epoch checkpoint damaged; rebuilding from batch headers');
    await segments.forEachBatchFrom(segments.logStartOffset, (header) => {
      noteBatchEpoch(epochs, header.partitionLeaderEpoch, header.baseOffset);
    });
  } else {
    for (const entry of epochStarts) noteBatchEpoch(epochs, entry.epoch, entry.startOffset);
  }
  epochs.dropBeyond(segments.logEndOffset);
  epochs.truncateFromStart(segments.logStartOffset);
}
