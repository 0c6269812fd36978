// FollowerCore: fencing, the divergence protocol, truncation, the epoch start marker, appends and
// the follower's high watermark.
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/common/assert.js';
import { answerDivergence, FollowerCore } from '../../src/replication/protocol/index.js';
import { batchesOf, logOf, perform, request, types } from './helpers.js';
import { MemoryLog } from './memory-log.js';

describe('FollowerCore: fencing', () => {
  it('refuses an append from an epoch below its sealed epoch, answering with the sealed epoch', () => {
    const f = new FollowerCore(2, 5);
    const log = new MemoryLog();
    const actions = f.onAppendRequest(request({ epoch: 4 }), log);
    expect(types(actions)).toEqual(['respond(fenced)']);
    expect(actions[0]?.type === 'respond' && actions[0].response.epoch).toBe(5);
  });

  it('refuses the previous leader once it followed a newer epoch, and persists the new epoch first', () => {
    const f = new FollowerCore(2, -1);
    const log = new MemoryLog();
    const first = f.onAppendRequest(request({ epoch: 3, leaderId: 1 }), log);
    expect(types(first)[0]).toBe('persistSealedEpoch');
    expect(f.sealedEpoch).toBe(3);
    expect(types(f.onAppendRequest(request({ epoch: 2, leaderId: 3 }), log))).toEqual(['respond(fenced)']);
  });

  it('a seal at a newer epoch fences the current leader at once', () => {
    const f = new FollowerCore(2, -1);
    const log = logOf([[1, 2]]);
    f.onAppendRequest(request({ epoch: 1, epochStartOffset: 0, prevOffset: 1, prevEpoch: 1 }), log);
    const decision = f.onSeal({ epoch: 2 }, log);
    expect(decision.response.accepted).toBe(true);
    expect(decision.persist).toBe(true);
    expect(
      types(f.onAppendRequest(request({ epoch: 1, epochStartOffset: 0, prevOffset: 1, prevEpoch: 1 }), log)),
    ).toEqual(['respond(fenced)']);
  });
});

describe('FollowerCore: a log that starts after the epoch start', () => {
  it('places the marker at its own log start and accepts the leader from there', () => {
    // A follower that started over at its leader's log start (11): nothing below it, no epochs.
    const entries: { epoch: number; startOffset: number }[] = [];
    const view = { logStartOffset: 11, logEndOffset: 11, durableEndOffset: 11, epochEntries: () => entries };
    const f = new FollowerCore(2, 0);
    const actions = f.onAppendRequest(
      request({ epoch: 0, leaderId: 3, epochStartOffset: 0, prevOffset: 2, prevEpoch: 0, highWatermark: 13 }),
      view,
    );
    expect(types(actions)).toEqual(['marker(0@11)', 'respond(none)']);
    entries.push({ epoch: 0, startOffset: 11 });
    const respond = actions[1];
    if (respond?.type !== 'respond') throw new Error('expected a response');
    const response = f.refreshResponse(respond.response, view);
    expect(response).toMatchObject({ error: 'none', logEndOffset: 11, holdsEpochMarker: true });
  });
});

describe('FollowerCore: appending', () => {
  it('an empty follower records the marker before the first batch of the epoch, then appends', () => {
    const leader = logOf([[1, 3]]);
    const f = new FollowerCore(2, -1);
    const log = new MemoryLog();
    const req = request({ epoch: 1, batches: batchesOf(leader, 0), highWatermark: 2, epochStartOffset: 0 });
    const actions = f.onAppendRequest(req, log);
    expect(types(actions)).toEqual(['persistSealedEpoch', 'marker(1@0)', 'append(0,1,2)', 'respond(none)']);
    const resp = perform(f, log, req, actions);
    expect(resp).toMatchObject({
      error: 'none',
      logEndOffset: 3,
      durableEndOffset: 3,
      lastEpoch: 1,
      holdsEpochMarker: true,
    });
    expect(f.highWatermark).toBe(2);
  });

  it('skips batches it already has (a resent request) and appends only the rest', () => {
    const leader = logOf([[1, 5]]);
    const f = new FollowerCore(2, -1);
    const log = new MemoryLog();
    const r1 = request({ epoch: 1, batches: batchesOf(leader, 0).slice(0, 3) });
    perform(f, log, r1, f.onAppendRequest(r1, log));
    const r2 = request({ epoch: 1, batches: batchesOf(leader, 0) });
    const actions = f.onAppendRequest(r2, log);
    expect(types(actions)).toEqual(['append(3,4)', 'respond(none)']);
    expect(perform(f, log, r2, actions).logEndOffset).toBe(5);
  });

  it('answers gap when prevOffset is at or beyond its log end', () => {
    const leader = logOf([[1, 6]]);
    const f = new FollowerCore(2, -1);
    const log = new MemoryLog();
    const r1 = request({ epoch: 1, batches: batchesOf(leader, 0).slice(0, 2) });
    perform(f, log, r1, f.onAppendRequest(r1, log));
    const r2 = request({ epoch: 1, prevOffset: 3, prevEpoch: 1, batches: batchesOf(leader, 4) });
    const actions = f.onAppendRequest(r2, log);
    expect(types(actions)).toEqual(['respond(gap)']);
    expect(actions[0]?.type === 'respond' && actions[0].response.logEndOffset).toBe(2);
  });

  it('records the marker on a heartbeat once its log reaches the epoch start', () => {
    // Leader of epoch 2 took over at offset 3 and has written nothing yet.
    const leader = logOf([
      [1, 3],
      [2, 0],
    ]);
    const f = new FollowerCore(2, -1);
    const log = new MemoryLog();
    const r1 = request({ epoch: 2, batches: batchesOf(leader, 0), epochStartOffset: 3 });
    const actions = f.onAppendRequest(r1, log);
    expect(types(actions)).toEqual(['persistSealedEpoch', 'append(0,1,2)', 'marker(2@3)', 'respond(none)']);
    expect(perform(f, log, r1, actions)).toMatchObject({ logEndOffset: 3, holdsEpochMarker: true, lastEpoch: 2 });
  });

  it('does not claim the marker while its log is durable only below the epoch start', () => {
    const leader = logOf([
      [1, 3],
      [2, 0],
    ]);
    const f = new FollowerCore(2, -1);
    const log = new MemoryLog();
    const r1 = request({ epoch: 2, batches: batchesOf(leader, 0), epochStartOffset: 3 });
    const actions = f.onAppendRequest(r1, log);
    // Perform without flushing the appended batches.
    for (const a of actions) {
      if (a.type === 'append') log.appendAsFollower(batchesOf(leader, 0));
      if (a.type === 'assignEpochStart') log.assignEpochStart(a.epoch, a.startOffset);
    }
    const resp = actions[actions.length - 1];
    expect(resp?.type === 'respond' && f.refreshResponse(resp.response, log)).toMatchObject({
      durableEndOffset: 0,
      holdsEpochMarker: false,
    });
    log.completeFlush(3, log.flushGeneration);
    expect(f.onLocalDurable(log)).toMatchObject({ durableEndOffset: 3, holdsEpochMarker: true });
    expect(f.onLocalDurable(log)).toBeNull(); // nothing new
  });

  it('learns the high watermark as min(leader HW, own log end) and never lowers it', () => {
    const leader = logOf([[1, 6]]);
    const f = new FollowerCore(2, -1);
    const log = new MemoryLog();
    const r1 = request({ epoch: 1, batches: batchesOf(leader, 0).slice(0, 3), highWatermark: 5 });
    perform(f, log, r1, f.onAppendRequest(r1, log));
    expect(f.highWatermark).toBe(3);
    const stale = request({ epoch: 1, prevOffset: 0, prevEpoch: 1, highWatermark: 1 });
    perform(f, log, stale, f.onAppendRequest(stale, log));
    expect(f.highWatermark).toBe(3);
  });
});

describe('FollowerCore: divergence', () => {
  it('an unverified follower with data answers diverged with its last epoch', () => {
    const f = new FollowerCore(2, -1);
    const log = logOf([
      [1, 3],
      [2, 3],
    ]);
    const actions = f.onAppendRequest(request({ epoch: 4, prevOffset: 4, prevEpoch: 3, epochStartOffset: 5 }), log);
    expect(types(actions)).toEqual(['persistSealedEpoch', 'respond(diverged)']);
    expect(actions[1]?.type === 'respond' && actions[1].response.lastEpoch).toBe(2);
  });

  it('truncates to where the answered epoch ends and converges in one round when it has that epoch', () => {
    const leader = logOf([
      [1, 3],
      [3, 2],
      [4, 0],
    ]); // epoch 4 starts at 5
    const log = logOf([
      [1, 3],
      [2, 3],
    ]);
    const f = new FollowerCore(2, -1);
    const answer = answerDivergence(leader, 2);
    expect(answer).toEqual({ requestedEpoch: 2, epoch: 1, endOffset: 3 });
    const r = request({ epoch: 4, epochStartOffset: 5, divergence: answer });
    const actions = f.onAppendRequest(r, log);
    expect(types(actions)).toEqual(['persistSealedEpoch', 'truncateTo(3)', 'respond(none)']);
    expect(perform(f, log, r, actions)).toMatchObject({ logEndOffset: 3, holdsEpochMarker: false });
    // Then the leader replicates from 3: the follower appends the epoch-3 batches and the marker.
    const r2 = request({ epoch: 4, epochStartOffset: 5, prevOffset: 2, prevEpoch: 1, batches: batchesOf(leader, 3) });
    const actions2 = f.onAppendRequest(r2, log);
    expect(types(actions2)).toEqual(['append(3,4)', 'marker(4@5)', 'respond(none)']);
    expect(perform(f, log, r2, actions2)).toMatchObject({ logEndOffset: 5, holdsEpochMarker: true, lastEpoch: 4 });
    expect(log.epochEntries()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 3 },
      { epoch: 4, startOffset: 5 },
    ]);
  });

  it('needs several rounds when its epochs interleave with the leader’s, and never cuts what agrees', () => {
    const leader = logOf([
      [1, 2],
      [2, 3],
      [4, 1],
      [6, 0],
    ]); // 0-1 e1, 2-4 e2, 5 e4, epoch 6 at 6
    const log = logOf([
      [1, 2],
      [3, 2],
      [5, 2],
    ]); // 0-1 e1, 2-3 e3, 4-5 e5
    const f = new FollowerCore(2, -1);
    const agreed = [log.valueAt(0), log.valueAt(1)];
    const rounds: string[][] = [];
    let resp = perform(
      f,
      log,
      request({ epoch: 6, epochStartOffset: 6 }),
      f.onAppendRequest(request({ epoch: 6, epochStartOffset: 6 }), log),
    );
    for (let i = 0; i < 5 && resp.error === 'diverged'; i++) {
      const r = request({ epoch: 6, epochStartOffset: 6, divergence: answerDivergence(leader, resp.lastEpoch) });
      const actions = f.onAppendRequest(r, log);
      rounds.push(types(actions));
      resp = perform(f, log, r, actions);
    }
    expect(rounds).toEqual([
      ['truncateTo(4)', 'respond(diverged)'], // answer (4, 6): cut e5
      ['truncateTo(2)', 'respond(diverged)'], // answer (2, 5): cut e3
      ['respond(none)'], // answer (1, 2): e1 agrees up to 2
    ]);
    expect(resp.logEndOffset).toBe(2);
    expect([log.valueAt(0), log.valueAt(1)]).toEqual(agreed);
    expect(log.epochEntries()).toEqual([{ epoch: 1, startOffset: 0 }]);
  });

  it('a truncation point inside one of its batches cuts that whole batch, and the next round converges', () => {
    const leader = logOf([
      [1, 2],
      [3, 1],
      [6, 0],
    ]); // 0-1 e1, 2 e3, epoch 6 at 3
    const log = new MemoryLog();
    log.assignEpochStart(1, 0);
    log.appendAsLeader(1, [11]);
    log.appendAsLeader(1, [12]);
    log.assignEpochStart(2, 2);
    log.appendAsLeader(2, [21, 22, 23]); // one batch 2-4 of epoch 2
    log.assignEpochStart(4, 5);
    log.appendAsLeader(4, [41]);
    log.completeFlush(log.logEndOffset, log.flushGeneration);
    const f = new FollowerCore(2, -1);
    const r1 = request({ epoch: 6, epochStartOffset: 3, divergence: answerDivergence(leader, 4) });
    expect(r1.divergence).toEqual({ requestedEpoch: 4, epoch: 3, endOffset: 3 });
    const a1 = f.onAppendRequest(r1, log);
    expect(types(a1)).toEqual(['persistSealedEpoch', 'truncateTo(3)', 'respond(diverged)']);
    const resp1 = perform(f, log, r1, a1);
    expect(resp1).toMatchObject({ logEndOffset: 2, lastEpoch: 1 }); // the batch 2-4 went whole
    const r2 = request({ epoch: 6, epochStartOffset: 3, divergence: answerDivergence(leader, resp1.lastEpoch) });
    const a2 = f.onAppendRequest(r2, log);
    expect(types(a2)).toEqual(['respond(none)']);
    expect(perform(f, log, r2, a2).logEndOffset).toBe(2);
  });

  it('drops a marker-only entry at its log end that the leader never had', () => {
    const leader = logOf([
      [1, 5],
      [3, 0],
    ]); // epoch 3 starts at 5
    const log = logOf([
      [1, 3],
      [2, 0],
    ]); // it followed epoch 2, whose leader wrote nothing
    const f = new FollowerCore(2, -1);
    const r = request({ epoch: 3, epochStartOffset: 5, divergence: answerDivergence(leader, 2) });
    const actions = f.onAppendRequest(r, log);
    expect(types(actions)).toEqual(['persistSealedEpoch', 'truncateTo(3)', 'respond(none)']);
    perform(f, log, r, actions);
    expect(log.epochEntries()).toEqual([{ epoch: 1, startOffset: 0 }]);
    const r2 = request({ epoch: 3, epochStartOffset: 5, prevOffset: 2, prevEpoch: 1, batches: batchesOf(leader, 3) });
    expect(types(f.onAppendRequest(r2, log))).toEqual(['append(3,4)', 'marker(3@5)', 'respond(none)']);
  });

  it('ignores a stale divergence answer and asks again with its current last epoch', () => {
    const leader = logOf([
      [1, 3],
      [4, 0],
    ]);
    const log = logOf([
      [1, 3],
      [2, 1],
    ]);
    const f = new FollowerCore(2, -1);
    const r = request({ epoch: 4, epochStartOffset: 3, divergence: answerDivergence(leader, 1) });
    const actions = f.onAppendRequest(r, log);
    expect(types(actions)).toEqual(['persistSealedEpoch', 'respond(diverged)']);
    expect(log.logEndOffset).toBe(4);
  });

  it('a follower holding the current marker is a prefix already and needs no divergence round', () => {
    const leader = logOf([
      [1, 3],
      [2, 2],
    ]);
    const log = logOf([
      [1, 3],
      [2, 1],
    ]);
    const f = new FollowerCore(2, 2); // restarted: volatile state gone
    const r = request({ epoch: 2, epochStartOffset: 3, prevOffset: 3, prevEpoch: 2, batches: batchesOf(leader, 4) });
    expect(types(f.onAppendRequest(r, log))).toEqual(['append(4)', 'respond(none)']);
  });

  it('asserts rather than cut below a high watermark it learned (that data is committed)', () => {
    const leader = logOf([[1, 4]]);
    const f = new FollowerCore(2, -1);
    const log = new MemoryLog();
    const r1 = request({ epoch: 1, batches: batchesOf(leader, 0), highWatermark: 4 });
    perform(f, log, r1, f.onAppendRequest(r1, log));
    expect(f.highWatermark).toBe(4);
    // A broken "leader" of epoch 2 whose log ends at 2 asks it to cut offsets 2-3.
    const r2 = request({
      epoch: 2,
      leaderId: 3,
      epochStartOffset: 2,
      divergence: { requestedEpoch: 1, epoch: 1, endOffset: 2 },
    });
    expect(() => f.onAppendRequest(r2, log)).toThrow(AssertionError);
  });
});

describe('FollowerCore: a compacted range from the leader', () => {
  // The leader's cleaner removed whole batches: offsets 5-8 and 13-19 hold none.
  const entries = [{ epoch: 1, startOffset: 0 }];
  const view = { logStartOffset: 0, logEndOffset: 5, durableEndOffset: 5, epochEntries: () => entries };
  const gapped = [
    { baseOffset: 9, lastOffset: 12, epoch: 1, sizeBytes: 100 },
    { baseOffset: 20, lastOffset: 20, epoch: 1, sizeBytes: 100 },
  ];

  it('appends batches that start beyond its log end, with offsets missing between them', () => {
    const f = new FollowerCore(2, 1);
    const actions = f.onAppendRequest(
      request({ epoch: 1, epochStartOffset: 0, prevOffset: 4, prevEpoch: 1, batches: gapped, highWatermark: 21 }),
      view,
    );
    expect(types(actions)).toEqual(['append(9,20)', 'respond(none)']);
    expect(f.highWatermark).toBe(21);
  });

  it('still takes a log that ends inside the first batch as diverged', () => {
    const f = new FollowerCore(2, 1);
    const inside = { ...view, logEndOffset: 10, durableEndOffset: 10 };
    const actions = f.onAppendRequest(
      request({ epoch: 1, epochStartOffset: 0, prevOffset: 4, prevEpoch: 1, batches: gapped }),
      inside,
    );
    expect(types(actions)).toEqual(['respond(diverged)']);
  });
});

describe('FollowerCore: pipelined appends', () => {
  it('refreshes an earlier answer while a later request is still being applied (its high watermark counts batches not yet in the log)', () => {
    // The shell applies requests one at a time but answers each after its flush, outside the queue:
    // the next request is decided (and the high watermark raised over its batches) before it is applied.
    const leaderLog = logOf([[0, 10]]);
    const f = new FollowerCore(2, -1);
    const log = new MemoryLog();
    const first = request({ epoch: 0, batches: batchesOf(leaderLog, 0).slice(0, 5), highWatermark: 0 });
    const firstActions = f.onAppendRequest(first, log);
    perform(f, log, first, firstActions);
    const answer = firstActions.find((a) => a.type === 'respond');
    if (answer?.type !== 'respond') throw new Error('expected a response');
    const second = request({
      epoch: 0,
      prevOffset: 4,
      prevEpoch: 0,
      batches: batchesOf(leaderLog, 5),
      highWatermark: 10,
    });
    expect(types(f.onAppendRequest(second, log))).toEqual(['append(5,6,7,8,9)', 'respond(none)']);
    expect(f.highWatermark).toBe(10);
    expect(f.refreshResponse(answer.response, log)).toMatchObject({ error: 'none', logEndOffset: 5 });
  });
});
