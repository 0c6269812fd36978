// Deliberate mistakes planted in the real replication shell for one simulation run, each breaking
// one rule of the protocol, to show the checker catches them (and why the rule is there). They are
// planted from here, by replacing one prototype method for the run — no flag in production code.
import { type CleanableBound, PartitionLog } from '../../../src/storage/index.js';
import { FollowerReplica } from '../../../src/replication/follower-replica.js';
import { KeyOffsetMap } from '../../../src/storage/cleaner/key-offset-map.js';
import type { FollowerCore, ReplicaLogView } from '../../../src/replication/protocol/index.js';
import { entryFor } from '../../../src/replication/protocol/index.js';
import type { SealedEpochFile } from '../../../src/replication/sealed-epoch.js';
import { EpochTaker, type LeadershipRefusal } from '../../../src/replication/take-leadership.js';
import type { ReplicaAssignment } from '../../../src/replication/replica.js';
import type { AppliedAppend } from '../../../src/replication/follower-replica.js';
import { PartitionElections } from '../../../src/replication/partition-elections.js';
import type { SealResponse } from '../../../src/replication/protocol/index.js';
import type { PartitionInfo, TopicInfo } from '../../../src/metadata/index.js';
import { LeaderCore } from '../../../src/replication/protocol/index.js';

type ChooseLeader = (
  this: PartitionElections,
  kind: string,
  partition: PartitionInfo,
  candidates: readonly SealResponse[],
  readQuorum: number,
  excluded: number | null,
  epoch: number,
) => number | null;

export const ReplicationSimBug = {
  /** A follower acknowledges before its fsync: it answers at once and reports its page cache as durable. */
  ackBeforeDurable: 'ackBeforeDurable',
  /**
   * A leader advances the high watermark before its epoch marker is durable on W replicas: it starts
   * its epoch with the high watermark at the epoch start, so what it holds of older epochs counts as
   * committed at once (Raft's figure 8), instead of from what it knew committed as a follower.
   */
  highWatermarkBeforeMarker: 'highWatermarkBeforeMarker',
  /**
   * Seal is answered from the page cache: the sealed epoch is persisted, the log not flushed. Not
   * in CI: the first seed to catch it was 1260 (N=5 W=3 R=3). The real follower fsyncs every append before
   * it answers, so its page cache runs ahead of its disk only for an fsync's time; the seal must land
   * in that window, on the replica that then wins the election and loses power before its next
   * fsync, and what it loses must be committed.
   */
  sealReportsPageCache: 'sealReportsPageCache',
  /** A leader that restarts takes its epoch up again (and may give two batches one offset and epoch). */
  resumeEpochAfterRestart: 'resumeEpochAfterRestart',
  /**
   * The log cleaner works up to the log end instead of the replica's high watermark: a committed
   * older value can be removed for an uncommitted newer one that a failover then truncates.
   * Compacted seeds only.
   */
  cleanAboveHighWatermark: 'cleanAboveHighWatermark',
  /**
   * The cleaner's key map answers one past a key's latest offset, so the latest record of every key
   * in a cleaned dirty section is taken for superseded and removed. Compacted seeds only.
   */
  cleanerDropsLatest: 'cleanerDropsLatest',
  /**
   * A preferred election hands leadership to the preferred replica whenever it accepted the seal,
   * without the high watermark rule (PartitionElections.choose): a lagging preferred replica leads
   * and what was acknowledged beyond its log end is lost. Seeds with preferred elections only.
   */
  preferredIgnoresHighWatermark: 'preferredIgnoresHighWatermark',
  /**
   * A leader counts the replicas a reassignment adds in its write quorum before they caught up
   * (LeaderCore's voters include the learners): a write acknowledged by learners and fewer than W
   * replicas is lost when a failover among the replicas never asks the learners. Reassigning seeds only.
   */
  learnerCountedInQuorum: 'learnerCountedInQuorum',
  /**
   * A reassignment's switch hands the partition to its target whenever the target's first replica
   * answered the seal, without asking that enough of the target hold every acknowledged write
   * (PartitionElections.switchLeader). Learners that caught up join the write quorum
   * (LeaderCore.updateJoinedLearners), so at a switch they hold every acknowledged write anyway;
   * the bug therefore also keeps them out of it, as before that rule, and the switch's own check
   * is what stands between the seal and a lost write. Reassigning seeds only.
   */
  switchIgnoresCatchUp: 'switchIgnoresCatchUp',
} as const;
export type ReplicationSimBug = (typeof ReplicationSimBug)[keyof typeof ReplicationSimBug];

/** What the patches reach inside the shell's classes (private there). */
interface FollowerInternals {
  readonly log: PartitionLog;
  readonly sealed: SealedEpochFile;
  readonly core: FollowerCore;
}

interface TakerInternals {
  readonly log: PartitionLog;
}

/** The log as if everything in the page cache were durable. */
function pageCacheView(log: PartitionLog): ReplicaLogView {
  return {
    logStartOffset: log.logStartOffset,
    logEndOffset: log.logEndOffset,
    durableEndOffset: log.logEndOffset,
    epochEntries: () => log.epochEntries(),
  };
}

/** The method `name` of `proto` as it is now (before a patch replaces it). */
function methodOf<F>(proto: object, name: string): F {
  return (Object.getOwnPropertyDescriptor(proto, name) as PropertyDescriptor).value as F;
}

function patch(target: object, name: string, replacement: unknown): () => void {
  const record = target as Record<string, unknown>;
  const original = record[name];
  record[name] = replacement;
  return () => {
    record[name] = original;
  };
}

/** Plants `bug` in the shell's classes; returns the function that removes it. */
export function plantBug(bug: ReplicationSimBug): () => void {
  switch (bug) {
    case ReplicationSimBug.ackBeforeDurable:
      return patch(FollowerReplica.prototype, 'acknowledge', function (this: FollowerInternals, a: AppliedAppend) {
        return Promise.resolve(this.core.refreshResponse(a.response, pageCacheView(this.log)));
      });
    case ReplicationSimBug.highWatermarkBeforeMarker: {
      const original = methodOf<EpochTaker['take']>(EpochTaker.prototype, 'take');
      return patch(EpochTaker.prototype, 'take', async function (this: EpochTaker, e: number, followerHw: number) {
        const { startOffset } = await original.call(this, e, followerHw);
        return { startOffset, highWatermark: startOffset };
      });
    }
    case ReplicationSimBug.sealReportsPageCache:
      return patch(FollowerReplica.prototype, 'sealDurably', async function (this: FollowerInternals, epoch: number) {
        await this.sealed.persist(epoch);
        return this.core.onSeal({ epoch }, pageCacheView(this.log)).response;
      });
    case ReplicationSimBug.preferredIgnoresHighWatermark: {
      const original = methodOf<ChooseLeader>(PartitionElections.prototype, 'choose');
      return patch(
        PartitionElections.prototype,
        'choose',
        function (
          this: PartitionElections,
          kind: string,
          partition: PartitionInfo,
          candidates: readonly SealResponse[],
          ...rest: [number, number | null, number]
        ) {
          const preferred = partition.replicas[0]!;
          if (kind === 'preferred' && candidates.some((a) => a.replicaId === preferred && a.accepted)) return preferred;
          return original.call(this, kind, partition, candidates, ...rest);
        },
      );
    }
    case ReplicationSimBug.learnerCountedInQuorum:
      return patch(LeaderCore.prototype, 'voters', function (this: LeaderCore) {
        return [...(this as unknown as { progress: Map<number, unknown> }).progress.values()];
      });
    case ReplicationSimBug.switchIgnoresCatchUp: {
      const neverJoin = patch(LeaderCore.prototype, 'updateJoinedLearners', () => false);
      const ignoreCatchUp = patch(
        PartitionElections.prototype,
        'switchLeader',
        function (
          this: PartitionElections,
          _topic: TopicInfo,
          partition: PartitionInfo,
          answers: readonly SealResponse[],
        ) {
          const first = partition.targetReplicas?.[0];
          return first !== undefined && answers.some((a) => a.replicaId === first && a.accepted) ? first : null;
        },
      );
      return () => {
        ignoreCatchUp();
        neverJoin();
      };
    }
    case ReplicationSimBug.cleanAboveHighWatermark: {
      const original = methodOf<PartitionLog['setCleanableBound']>(PartitionLog.prototype, 'setCleanableBound');
      return patch(
        PartitionLog.prototype,
        'setCleanableBound',
        function (this: PartitionLog, b: CleanableBound | null) {
          original.call(this, b === null ? null : { cleanableEndOffset: () => this.logEndOffset });
        },
      );
    }
    case ReplicationSimBug.cleanerDropsLatest: {
      const original = methodOf<KeyOffsetMap['get']>(KeyOffsetMap.prototype, 'get');
      return patch(KeyOffsetMap.prototype, 'get', function (this: KeyOffsetMap, digest: Buffer) {
        const latest = original.call(this, digest);
        return latest < 0 ? latest : latest + 1;
      });
    }
    case ReplicationSimBug.resumeEpochAfterRestart: {
      const original = methodOf<EpochTaker['refusal']>(EpochTaker.prototype, 'refusal');
      return patch(
        EpochTaker.prototype,
        'refusal',
        function (this: EpochTaker, a: ReplicaAssignment, fencingEpoch: number): LeadershipRefusal | null {
          const refusal = original.call(this, a, fencingEpoch);
          const log = (this as unknown as TakerInternals).log;
          const led = log.lastEpoch === a.leaderEpoch && entryFor(log.epochEntries(), a.leaderEpoch) !== undefined;
          return refusal !== null && refusal.graceMs === 0 && led ? null : refusal;
        },
      );
    }
  }
}
