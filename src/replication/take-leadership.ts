// Taking epoch e as leader (docs/architecture.md), after the PartitionChange for e was applied here: whether
// this replica may, and the durable steps before it leads. Refused when sealed above e (a newer
// failover is under way), and when its log already has epoch e or newer: it led e before a restart,
// and leading e again could give two batches one (offset, epoch) — except as the single replica of
// the partition, which no other replica can contradict, and which resumes e. Otherwise: flush,
// record "e starts at the log end" durably, record the sealed epoch e durably; only then lead.
import { assert } from '../common/index.js';
import type { PartitionLog } from '../storage/index.js';
import { entryFor } from './protocol/index.js';
import type { ReplicaAssignment } from './replica.js';
import type { SealedEpochFile } from './sealed-epoch.js';

/** How long a replica sealed above the epoch it is named leader of waits for that failover to finish before asking for one. */
export const SEALED_ELECTION_GRACE_MS = 3_000;

export interface LeadershipRefusal {
  readonly reason: string;
  /** How long to wait before asking the controller for a new election. */
  readonly graceMs: number;
}

export class EpochTaker {
  constructor(
    private readonly log: PartitionLog,
    private readonly sealed: SealedEpochFile,
  ) {}

  /** Why this replica may not lead `a.leaderEpoch`, sealed or leading up to `fencingEpoch`; null when it may. */
  refusal(a: ReplicaAssignment, fencingEpoch: number): LeadershipRefusal | null {
    const e = a.leaderEpoch;
    // Usually a failover under way (its PartitionChange follows); ask only if none comes.
    if (e < fencingEpoch)
      return { reason: `sealed at epoch ${fencingEpoch}, above ${e}`, graceMs: SEALED_ELECTION_GRACE_MS };
    const last = this.log.lastEpoch;
    if (last < e) return null;
    const resumable = a.replicas.length === 1 && last === e && entryFor(this.log.epochEntries(), e) !== undefined;
    return resumable ? null : { reason: `the log already has epoch ${last} >= ${e}`, graceMs: 0 };
  }

  /**
   * The durable steps (refusal() said yes): resolves with where epoch `e` starts and the high
   * watermark the leader starts from — what it knew committed as a follower, never beyond the start:
   * what lies between is committed only once W replicas durably hold the marker (high-watermark.ts).
   */
  async take(e: number, followerHighWatermark: number): Promise<{ startOffset: number; highWatermark: number }> {
    const startOffset = await this.makeDurable(e);
    assert(
      this.log.lastEpoch === e && startOffset <= this.log.logEndOffset,
      `epoch ${e} starts within the log, and its marker is the newest entry`,
    );
    return { startOffset, highWatermark: Math.min(followerHighWatermark, startOffset) };
  }

  /** Flush, the marker (or the entry it has, resuming), the sealed epoch: resolves with the start. */
  private async makeDurable(e: number): Promise<number> {
    await this.log.flush();
    const resumed = this.log.lastEpoch === e ? entryFor(this.log.epochEntries(), e) : undefined;
    let start: number;
    if (resumed !== undefined) {
      start = resumed.startOffset;
    } else {
      start = this.log.logEndOffset;
      await this.log.assignEpochStart(e, start);
    }
    await this.sealed.persist(e);
    return start;
  }
}
