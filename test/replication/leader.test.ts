// LeaderCore: THE high-watermark rule (figure-8 cases included), flow control, divergence,
// fencing and NOT_ENOUGH_REPLICAS.
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/common/assert.js';
import type { AppendResponse } from '../../src/replication/protocol/index.js';
import {
  buildAppendRequest,
  FollowerCore,
  LeaderCore,
  nextHighWatermark,
  quorumDurableOffset,
} from '../../src/replication/protocol/index.js';
import type { MemoryLog } from './memory-log.js';
import { logOf, perform } from './helpers.js';

function ack(replicaId: number, epoch: number, fields: Partial<AppendResponse>): AppendResponse {
  return {
    replicaId,
    epoch,
    error: 'none',
    logEndOffset: 0,
    durableEndOffset: 0,
    lastEpoch: epoch,
    holdsEpochMarker: false,
    ...fields,
  };
}

/** A leader of `epoch` over `log` (whose last entry is the epoch's marker). */
function leaderOn(
  log: MemoryLog,
  epoch: number,
  opts: { replicas?: number[]; learners?: number[]; w?: number; hw?: number; limits?: object } = {},
): LeaderCore {
  const start = log.epochEntries()[log.epochEntries().length - 1]?.startOffset ?? 0;
  return new LeaderCore(
    {
      replicaId: 1,
      replicas: opts.replicas ?? [1, 2, 3],
      ...(opts.learners ? { learners: opts.learners } : {}),
      writeQuorum: opts.w ?? 2,
      epoch,
      epochStartOffset: start,
      initialHighWatermark: opts.hw ?? 0,
      limits: opts.limits ?? {},
    },
    log,
  );
}

describe('high-watermark rule', () => {
  it('is the W-th largest durable end among marker holders', () => {
    const m = (d: number, holds = true) => ({ holdsEpochMarker: holds, durableEndOffset: d });
    expect(quorumDurableOffset([m(10), m(7), m(5)], 2, 0)).toBe(7);
    expect(quorumDurableOffset([m(10), m(7), m(5)], 3, 0)).toBe(5);
    expect(quorumDurableOffset([m(10), m(7), m(5)], 1, 0)).toBe(10);
    expect(quorumDurableOffset([m(10), m(70, false), m(5)], 2, 0)).toBe(5);
    expect(quorumDurableOffset([m(10), m(70, false), m(50, false)], 2, 0)).toBeNull();
    expect(nextHighWatermark(8, 5, 20)).toBe(8); // never backwards
    expect(nextHighWatermark(8, null, 20)).toBe(8);
  });

  it('figure 8: old-epoch data durable on W replicas does not count until they hold the new marker', () => {
    // Offsets 0-4 were written in epoch 1 and never committed; leader of epoch 3 took over at 5.
    const log = logOf([
      [1, 5],
      [3, 0],
    ]);
    const leader = leaderOn(log, 3);
    // Both followers have 0-4 durably, but from before the epoch-3 marker: they must not count.
    leader.onAppendResponse(
      ack(2, 3, { logEndOffset: 5, durableEndOffset: 5, lastEpoch: 1, holdsEpochMarker: false }),
      log,
      0,
    );
    leader.onAppendResponse(
      ack(3, 3, { logEndOffset: 5, durableEndOffset: 5, lastEpoch: 1, holdsEpochMarker: false }),
      log,
      0,
    );
    leader.onLocalDurable(log);
    expect(leader.highWatermark).toBe(0);
    // One follower records the marker: now the leader and it form a W-set holding the marker.
    const out = leader.onAppendResponse(
      ack(3, 3, { logEndOffset: 5, durableEndOffset: 5, lastEpoch: 3, holdsEpochMarker: true }),
      log,
      1,
    );
    expect(out.highWatermarkAdvanced).toBe(true);
    expect(leader.highWatermark).toBe(5);
  });

  it('refuses a response that contradicts its log instead of crashing, and does not count it', () => {
    const log = logOf([
      [1, 5],
      [3, 0],
    ]);
    const leader = leaderOn(log, 3);
    // A follower (a wiped disk, a stale process) claims more than the leader has.
    const out = leader.onAppendResponse(
      ack(2, 3, { logEndOffset: 500, durableEndOffset: 500, lastEpoch: 3, holdsEpochMarker: true }),
      log,
      0,
    );
    expect(out.invalid).toMatch(/beyond the leader/);
    expect(out.highWatermarkAdvanced).toBe(false);
    leader.onLocalDurable(log);
    expect(leader.highWatermark).toBe(0);
    expect(leader.progressOf(2).mode).toBe('probe');
  });

  it('a leader takes office only with its log durable up to the epoch start (a crash cannot drop its marker)', () => {
    const log = logOf([[1, 5]]);
    log.appendAsLeader(1, [1001]); // offset 5, not yet durable
    log.assignEpochStart(3, 6);
    expect(() => leaderOn(log, 3)).toThrow(AssertionError);
    log.completeFlush(6, log.flushGeneration);
    expect(leaderOn(log, 3).highWatermark).toBe(0);
  });

  it('counts the leader by its durable end: appended but unflushed data is not committed', () => {
    const log = logOf([
      [1, 2],
      [2, 0],
    ]);
    const leader = leaderOn(log, 2);
    log.appendAsLeader(2, [1, 2, 3]); // 2-4, in the page cache only
    leader.onAppendResponse(ack(2, 2, { logEndOffset: 5, durableEndOffset: 5, holdsEpochMarker: true }), log, 0);
    expect(leader.highWatermark).toBe(2);
    log.completeFlush(5, log.flushGeneration);
    expect(leader.onLocalDurable(log)).toBe(true);
    expect(leader.highWatermark).toBe(5);
  });

  it('starts at the high watermark the new leader knew and never moves backwards', () => {
    const log = logOf([
      [1, 5],
      [2, 0],
    ]);
    log.appendAsLeader(2, [1, 2, 3]);
    log.completeFlush(log.logEndOffset, log.flushGeneration);
    const leader = leaderOn(log, 2, { hw: 3 });
    expect(leader.highWatermark).toBe(3);
    leader.onAppendResponse(ack(2, 2, { logEndOffset: 8, durableEndOffset: 8, holdsEpochMarker: true }), log, 0);
    expect(leader.highWatermark).toBe(8);
    // A reordered, older acknowledgement.
    leader.onAppendResponse(ack(2, 2, { logEndOffset: 6, durableEndOffset: 6, holdsEpochMarker: true }), log, 1);
    leader.onAppendResponse(ack(3, 2, { logEndOffset: 5, durableEndOffset: 5, holdsEpochMarker: true }), log, 1);
    expect(leader.highWatermark).toBe(8);
  });

  it('with W = 3 of 3 waits for every replica', () => {
    const log = logOf([[1, 0]]);
    log.appendAsLeader(1, [1, 2]);
    log.completeFlush(2, log.flushGeneration);
    const leader = leaderOn(log, 1, { w: 3 });
    leader.onAppendResponse(ack(2, 1, { logEndOffset: 2, durableEndOffset: 2, holdsEpochMarker: true }), log, 0);
    expect(leader.highWatermark).toBe(0);
    leader.onAppendResponse(ack(3, 1, { logEndOffset: 2, durableEndOffset: 1, holdsEpochMarker: true }), log, 0);
    expect(leader.highWatermark).toBe(1);
  });
});

describe('learners (replicas a reassignment adds)', () => {
  it('count in no quorum: not toward the high watermark, liveness or the in-sync set', () => {
    const log = logOf([[3, 10]]);
    const leader = leaderOn(log, 3, { learners: [4] });
    leader.onLocalDurable(log);
    const learnerAck = ack(4, 3, { logEndOffset: 10, durableEndOffset: 10, holdsEpochMarker: true });
    expect(leader.onAppendResponse(learnerAck, log, 0).highWatermarkAdvanced).toBe(false);
    expect(leader.highWatermark).toBe(0);
    expect(leader.canAcceptAcksAll(0)).toBe(false); // the leader alone of W = 2; the learner does not count
    expect(leader.inSyncReplicas(log, 0)).toEqual([1]);
    // It is caught up, which the leader reports: the high watermark (0) is within its durable log.
    expect(leader.learnersCaughtUp()).toBe(true);
    const replicaAck = ack(2, 3, { logEndOffset: 10, durableEndOffset: 10, holdsEpochMarker: true });
    expect(leader.onAppendResponse(replicaAck, log, 0).highWatermarkAdvanced).toBe(true);
    expect(leader.highWatermark).toBe(10);
  });

  it('are caught up only when every one durably holds the marker up to the high watermark', () => {
    const log = logOf([[3, 10]]);
    const leader = leaderOn(log, 3, { learners: [4, 5] });
    leader.onLocalDurable(log);
    leader.onAppendResponse(ack(2, 3, { logEndOffset: 10, durableEndOffset: 10, holdsEpochMarker: true }), log, 0);
    expect(leader.learnersCaughtUp()).toBe(false);
    leader.onAppendResponse(ack(4, 3, { logEndOffset: 10, durableEndOffset: 10, holdsEpochMarker: true }), log, 0);
    leader.onAppendResponse(ack(5, 3, { logEndOffset: 8, durableEndOffset: 8, holdsEpochMarker: true }), log, 0);
    expect(leader.learnersCaughtUp()).toBe(false);
    leader.onAppendResponse(ack(5, 3, { logEndOffset: 10, durableEndOffset: 10, holdsEpochMarker: true }), log, 0);
    expect(leader.learnersCaughtUp()).toBe(true);
    // A cancel drops them: nothing is sent to them any more.
    leader.setLearners([]);
    expect(leader.followerIds.sort()).toEqual([2, 3]);
    expect(leader.learnersCaughtUp()).toBe(false);
    expect(() => leader.setLearners([2])).toThrow(/already a replica/);
  });

  it('join the write quorum once caught up, so a switch finds them holding every acknowledged write; a silent one leaves', () => {
    const log = logOf([[3, 10]]);
    const leader = leaderOn(log, 3, { learners: [4], limits: { replicaLiveTimeoutMs: 1000 } });
    leader.onLocalDurable(log);
    // Not caught up yet: it holds back nothing, and it is throttled.
    leader.onAppendResponse(ack(4, 3, { logEndOffset: 4, durableEndOffset: 4, holdsEpochMarker: true }), log, 0);
    leader.onAppendResponse(ack(2, 3, { logEndOffset: 6, durableEndOffset: 6, holdsEpochMarker: true }), log, 0);
    expect(leader.highWatermark).toBe(6);
    expect(leader.updateJoinedLearners(log, 0)).toBe(false);
    expect(leader.joinedLearners).toEqual([]);
    expect(leader.isThrottledLearner(4)).toBe(true);
    // Durable up to the high watermark: it joins, and is no longer throttled.
    leader.onAppendResponse(ack(4, 3, { logEndOffset: 6, durableEndOffset: 6, holdsEpochMarker: true }), log, 10);
    leader.updateJoinedLearners(log, 10);
    expect(leader.joinedLearners).toEqual([4]);
    expect(leader.isThrottledLearner(4)).toBe(false);
    // W = 2 of the replicas hold 10, but the joined learner only 6: the high watermark waits for it.
    leader.onAppendResponse(ack(2, 3, { logEndOffset: 10, durableEndOffset: 10, holdsEpochMarker: true }), log, 20);
    expect(leader.highWatermark).toBe(6);
    leader.onAppendResponse(ack(4, 3, { logEndOffset: 8, durableEndOffset: 8, holdsEpochMarker: true }), log, 30);
    expect(leader.highWatermark).toBe(8);
    expect(leader.learnersCaughtUp()).toBe(true);
    // Still no stand-in for a replica: the learner never makes W without one.
    expect(leader.canAcceptAcksAll(30)).toBe(true);
    expect(leader.canAcceptAcksAll(2000)).toBe(false);
    // Silent past the live timeout: it leaves, and the high watermark takes what W holds.
    expect(leader.updateJoinedLearners(log, 500)).toBe(false);
    expect(leader.updateJoinedLearners(log, 1031)).toBe(true);
    expect(leader.joinedLearners).toEqual([]);
    expect(leader.highWatermark).toBe(10);
  });
});

describe('LeaderCore: sending', () => {
  it('probes first, replicates a bounded window, then only heartbeats until answers come', () => {
    const log = logOf([[1, 0]]);
    const leader = leaderOn(log, 1, {
      limits: { inflightRequestsMax: 2, requestBytesMax: 100, inflightBytesMax: 1000, heartbeatIntervalMs: 50 },
    });
    for (let i = 0; i < 5; i++) log.appendAsLeader(1, [i]);
    const probe = leader.nextRequest(2, log, 0);
    expect(probe).toMatchObject({ prevOffset: -1, fromOffset: 0, maxBytes: 100 });
    const req = buildAppendRequest(probe!, log.read(0, 100));
    leader.onSent(2, req, 0);
    expect(leader.nextRequest(2, log, 1)).toBeNull(); // one probe at a time
    leader.onAppendResponse(ack(2, 1, { logEndOffset: 1, durableEndOffset: 1, holdsEpochMarker: true }), log, 2);
    expect(leader.progressOf(2).mode).toBe('replicate');
    const sent: number[] = [];
    for (
      let plan = leader.nextRequest(2, log, 3);
      plan !== null && plan.maxBytes > 0;
      plan = leader.nextRequest(2, log, 3)
    ) {
      const r = buildAppendRequest(plan, log.read(plan.fromOffset, plan.maxBytes));
      leader.onSent(2, r, 3);
      sent.push(plan.fromOffset);
    }
    expect(sent).toEqual([1, 2]); // window of 2 requests of one 100-byte batch each
    expect(leader.nextRequest(2, log, 10)).toBeNull();
    expect(leader.nextRequest(2, log, 53)).toMatchObject({ maxBytes: 0, prevOffset: 0 }); // heartbeat at the matched end
  });

  it('re-probes after the request timeout when answers are lost', () => {
    const log = logOf([[1, 0]]);
    log.appendAsLeader(1, [1]);
    const leader = leaderOn(log, 1, { limits: { requestTimeoutMs: 100 } });
    const plan = leader.nextRequest(2, log, 0)!;
    leader.onSent(2, buildAppendRequest(plan, log.read(plan.fromOffset, plan.maxBytes)), 0);
    expect(leader.nextRequest(2, log, 99)).toBeNull();
    expect(leader.nextRequest(2, log, 100)).toMatchObject({ fromOffset: 0 });
  });

  it('answers a diverged follower with OffsetForLeaderEpoch facts, then replicates from where it converged', () => {
    const leaderLog = logOf([
      [1, 3],
      [3, 2],
      [4, 0],
    ]);
    const leader = leaderOn(leaderLog, 4);
    leader.onAppendResponse(ack(2, 4, { error: 'diverged', logEndOffset: 6, lastEpoch: 2 }), leaderLog, 0);
    const plan = leader.nextRequest(2, leaderLog, 0);
    expect(plan?.divergence).toEqual({ requestedEpoch: 2, epoch: 1, endOffset: 3 });
    leader.onSent(2, buildAppendRequest(plan!, []), 0);
    leader.onAppendResponse(ack(2, 4, { logEndOffset: 3, durableEndOffset: 3, lastEpoch: 1 }), leaderLog, 1);
    expect(leader.progressOf(2)).toMatchObject({ mode: 'replicate', nextOffset: 3, matchEndOffset: 3 });
    expect(leader.nextRequest(2, leaderLog, 1)).toMatchObject({ prevOffset: 2, prevEpoch: 1, fromOffset: 3 });
  });

  it('is deposed by an answer from a newer epoch and then sends nothing and freezes its high watermark', () => {
    const log = logOf([[1, 0]]);
    log.appendAsLeader(1, [1]);
    log.completeFlush(1, log.flushGeneration);
    const leader = leaderOn(log, 1);
    const out = leader.onAppendResponse(ack(2, 2, { error: 'fenced' }), log, 0);
    expect(out.deposed).toBe(true);
    expect(leader.fenced).toBe(true);
    expect(leader.nextRequest(3, log, 0)).toBeNull();
    leader.onAppendResponse(ack(3, 1, { logEndOffset: 1, durableEndOffset: 1, holdsEpochMarker: true }), log, 0);
    expect(leader.highWatermark).toBe(0);
  });

  it('refuses acks=all (NOT_ENOUGH_REPLICAS) with fewer than W live replicas', () => {
    const log = logOf([[1, 0]]);
    const leader = leaderOn(log, 1, { w: 2, limits: { replicaLiveTimeoutMs: 500 } });
    expect(leader.liveReplicas(0)).toBe(1);
    expect(leader.canAcceptAcksAll(0)).toBe(false);
    leader.onAppendResponse(ack(3, 1, { error: 'diverged', lastEpoch: 0 }), log, 100);
    expect(leader.canAcceptAcksAll(100)).toBe(true);
    expect(leader.canAcceptAcksAll(600)).toBe(true);
    expect(leader.canAcceptAcksAll(601)).toBe(false);
    const single = leaderOn(logOf([[1, 0]]), 1, { w: 1 });
    expect(single.canAcceptAcksAll(0)).toBe(true);
  });

  it('hears its write quorum within a shorter window, never shorter than two heartbeats (a cut-off check)', () => {
    const log = logOf([[1, 0]]);
    const limits = { replicaLiveTimeoutMs: 1000, heartbeatIntervalMs: 250 };
    const leader = leaderOn(log, 1, { w: 2, limits });
    leader.onAppendResponse(ack(3, 1, { error: 'diverged', lastEpoch: 0 }), log, 100);
    expect(leader.hearsWriteQuorumWithin(700, 600)).toBe(true);
    expect(leader.hearsWriteQuorumWithin(701, 600)).toBe(false);
    expect(leader.canAcceptAcksAll(701)).toBe(true); // still live for acks=all
    // A window under two heartbeat intervals would miss a live follower between beats.
    expect(leader.hearsWriteQuorumWithin(600, 100)).toBe(true);
    expect(leader.hearsWriteQuorumWithin(601, 100)).toBe(false);
    // Never longer than the live timeout.
    expect(leader.hearsWriteQuorumWithin(1101, 5000)).toBe(false);
    const single = leaderOn(logOf([[1, 0]]), 1, { w: 1 });
    expect(single.hearsWriteQuorumWithin(10_000, 600)).toBe(true);
  });

  it('counts in sync only the followers holding the marker', () => {
    const log = logOf([[1, 0]]);
    log.appendAsLeader(1, [1]);
    log.completeFlush(1, log.flushGeneration);
    const leader = leaderOn(log, 1);
    leader.onAppendResponse(ack(2, 1, { logEndOffset: 1, durableEndOffset: 1, holdsEpochMarker: true }), log, 0);
    leader.onAppendResponse(ack(3, 1, { error: 'diverged', lastEpoch: 0 }), log, 0);
    expect(leader.inSyncReplicas(log, 0)).toEqual([1, 2]);
  });
});

describe('LeaderCore with FollowerCores, no faults', () => {
  it('replicates to both followers, which record the marker, and the high watermark reaches the log end', () => {
    const leaderLog = logOf([
      [1, 2],
      [2, 0],
    ]); // took over at offset 2
    const logs = new Map<number, MemoryLog>([
      [2, logOf([[1, 3]])], // a divergent extra batch at offset 2 from epoch 1
      [3, logOf([[1, 1]])], // behind
    ]);
    // Followers' epoch-1 batches must match the leader's: copy the leader's first two batches.
    for (const [, l] of logs) {
      const n = Math.min(l.logEndOffset, 2);
      l.truncateTo(0);
      l.assignEpochStart(1, 0);
      l.appendAsFollower(leaderLog.read(0, 1e9).slice(0, n));
      if (l === logs.get(2))
        l.appendAsFollower([{ baseOffset: 2, lastOffset: 2, epoch: 1, sizeBytes: 100, values: [999] }]);
      l.completeFlush(l.logEndOffset, l.flushGeneration);
    }
    const leader = leaderOn(leaderLog, 2);
    const followers = new Map([2, 3].map((id) => [id, new FollowerCore(id, -1)]));
    for (let i = 0; i < 5; i++) leaderLog.appendAsLeader(2, [100 + i]);
    leaderLog.completeFlush(leaderLog.logEndOffset, leaderLog.flushGeneration);
    leader.onLocalDurable(leaderLog);
    for (let now = 0; now < 20; now++) {
      for (const id of [2, 3]) {
        const plan = leader.nextRequest(id, leaderLog, now);
        if (plan === null) continue;
        const req = buildAppendRequest(plan, plan.maxBytes > 0 ? leaderLog.read(plan.fromOffset, plan.maxBytes) : []);
        leader.onSent(id, req, now);
        const f = followers.get(id)!;
        const log = logs.get(id)!;
        leader.onAppendResponse(perform(f, log, req, f.onAppendRequest(req, log)), leaderLog, now);
      }
    }
    expect(leader.highWatermark).toBe(7);
    for (const [, l] of logs) {
      expect(l.logEndOffset).toBe(7);
      for (let o = 0; o < 7; o++) expect(l.valueAt(o)).toBe(leaderLog.valueAt(o));
      expect(l.epochEntries()).toEqual(leaderLog.epochEntries());
    }
  });
});
