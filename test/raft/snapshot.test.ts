// Snapshots, log compaction and InstallSnapshot (dissertation chapter 5): a follower that needs
// entries the leader has compacted away receives the leader's snapshot instead.
import { describe, expect, it } from 'vitest';
import { MemoryStorage, MessageType, ProgressState, RaftNode } from '../../src/raft/index.js';
import { AssertionError } from '../../src/common/assert.js';
import type { TestNode } from './helpers.js';
import { cycle, drain, enc, entry, msg, Network, newTestNode, ofType } from './helpers.js';

/** Snapshots node `t` at its applied index and drops the log up to there. */
function compact(t: TestNode, data = 'state'): number {
  const index = t.node.status().applied;
  t.storage.createSnapshot(index, t.node.appliedConfState(), enc(data));
  t.storage.compact(index);
  return index;
}

const snapshotOf = (index: number, term: number, voters = [1, 2, 3]) => ({
  metadata: { index, term, confState: { voters, learners: [] } },
  data: enc(`snap@${index}`),
});

describe('snapshots and InstallSnapshot', () => {
  it('a follower behind the compacted log is sent the snapshot and catches up', () => {
    const net = Network.of(3);
    net.campaign(1);
    net.isolate(3);
    for (let i = 0; i < 10; i++) net.propose(1, `x${i}`);
    const snapIndex = compact(net.get(1));
    expect(net.get(1).node.status().firstIndex).toBe(snapIndex + 1);
    net.recover();
    net.tickAll(3);
    expect(net.delivered.some((m) => m.type === MessageType.MsgSnap && m.to === 3)).toBe(true);
    const f = net.get(3);
    expect(f.storage.snapshot().metadata.index).toBe(snapIndex);
    expect(f.node.status().commit).toBe(net.get(1).node.status().commit);
    expect(f.node.status().lastIndex).toBe(net.get(1).node.status().lastIndex);
    // After the snapshot the follower replicates normally again.
    net.propose(1, 'after');
    expect(f.node.status().commit).toBe(net.get(1).node.status().commit);
    expect(net.get(1).node.status().progress.get(3)?.state).toBe(ProgressState.replicate);
  });

  it('a follower hands the snapshot to the application before any later entry', () => {
    const t = newTestNode(2, [1, 2, 3]);
    t.node.step(msg({ type: MessageType.MsgSnap, from: 1, to: 2, term: 2, snapshot: snapshotOf(10, 2) }));
    const rd = t.node.ready();
    expect(rd.snapshot?.metadata.index).toBe(10);
    expect(rd.committedEntries).toEqual([]);
    expect(rd.hardState?.commit).toBe(10);
    expect(ofType(rd.messages, MessageType.MsgAppResp)[0]).toMatchObject({ index: 10, reject: false });
    t.storage.applySnapshot(rd.snapshot as never);
    t.storage.setHardState(rd.hardState as never);
    t.node.advance(rd);
    expect(t.node.status()).toMatchObject({ applied: 10, commit: 10, firstIndex: 11, lastIndex: 10 });
    t.node.step(
      msg({
        type: MessageType.MsgApp,
        from: 1,
        to: 2,
        term: 2,
        index: 10,
        logTerm: 2,
        entries: [entry(2, 11, 'a')],
        commit: 11,
      }),
    );
    const next = cycle(t);
    expect(next.committedEntries.map((e) => e.index)).toEqual([11]);
  });

  it('a snapshot older than the commit index is ignored', () => {
    const t = newTestNode(2, [1, 2, 3]);
    t.node.step(
      msg({
        type: MessageType.MsgApp,
        from: 1,
        to: 2,
        term: 2,
        index: 0,
        logTerm: 0,
        entries: [entry(2, 1), entry(2, 2), entry(2, 3)],
        commit: 3,
      }),
    );
    drain(t);
    t.node.step(msg({ type: MessageType.MsgSnap, from: 1, to: 2, term: 2, snapshot: snapshotOf(2, 2) }));
    const rd = t.node.ready();
    expect(rd.snapshot).toBeUndefined();
    expect(ofType(rd.messages, MessageType.MsgAppResp)[0]?.index).toBe(3);
    t.node.advance(rd);
  });

  it('a snapshot installs its configuration', () => {
    const t = newTestNode(4, []);
    t.node.step(msg({ type: MessageType.MsgSnap, from: 1, to: 4, term: 2, snapshot: snapshotOf(7, 2, [1, 2, 3, 4]) }));
    expect(t.node.confState().voters).toEqual([1, 2, 3, 4]);
  });

  it('a node restarts from a compacted storage at its snapshot', () => {
    const net = Network.of(3);
    net.campaign(1);
    for (let i = 0; i < 5; i++) net.propose(1, `x${i}`);
    const t = net.get(2);
    const index = compact(t);
    const restarted = new RaftNode({ id: 2, peers: [1, 2, 3] }, t.storage);
    expect(restarted.status()).toMatchObject({ applied: index, commit: index, firstIndex: index + 1 });
  });

  it('a leader does not send appends to a follower receiving a snapshot, and retries after a failure report', () => {
    const net = Network.of(3);
    net.campaign(1);
    net.isolate(3);
    for (let i = 0; i < 3; i++) net.propose(1, `x${i}`);
    compact(net.get(1));
    net.recover();
    net.ignore(MessageType.MsgSnap); // the snapshot is lost on the way
    net.tickAll(1);
    const leader = net.get(1).node;
    expect(leader.status().progress.get(3)?.state).toBe(ProgressState.snapshot);
    const before = net.delivered.length;
    net.propose(1, 'y');
    expect(net.delivered.slice(before).some((m) => m.type === MessageType.MsgApp && m.to === 3)).toBe(false);
    leader.reportSnapshot(3, false);
    expect(leader.status().progress.get(3)?.state).toBe(ProgressState.probe);
    net.recover();
    net.tickAll(2);
    expect(net.get(3).node.status().commit).toBe(leader.status().commit);
  });

  it('MemoryStorage refuses to compact past its snapshot', () => {
    const s = new MemoryStorage();
    s.append([entry(1, 1), entry(1, 2), entry(1, 3)]);
    expect(() => s.compact(2)).toThrow(AssertionError);
    s.createSnapshot(2, { voters: [1], learners: [] }, enc('s'));
    s.compact(2);
    expect([s.firstIndex(), s.lastIndex(), s.term(2)]).toEqual([3, 3, 1]);
    expect(s.term(1)).toBeUndefined();
  });
});
