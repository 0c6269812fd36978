// Learners (non-voting members): they receive the log but never campaign and never count
// toward a quorum; a caught-up learner is promoted to voter with a membership change.
import { describe, expect, it } from 'vitest';
import { ConfChangeType, MessageType } from '../../src/raft/index.js';
import { drain, msg, Network, newTestNode } from './helpers.js';

function withLearner(): Network {
  const net = new Network([
    newTestNode(1, [1, 2, 3], { learners: [4] }),
    newTestNode(2, [1, 2, 3], { learners: [4] }),
    newTestNode(3, [1, 2, 3], { learners: [4] }),
    newTestNode(4, [1, 2, 3], { learners: [4] }),
  ]);
  net.campaign(1);
  expect(net.get(1).node.status().role).toBe('leader');
  return net;
}

describe('learners', () => {
  it('a learner receives and applies the log', () => {
    const net = withLearner();
    net.propose(1, 'x');
    net.tickAll(1);
    expect(net.get(4).node.status().commit).toBe(net.get(1).node.status().commit);
    expect(net.get(4).applied.map((e) => e.index)).toEqual([1, 2]);
  });

  it('a learner never campaigns', () => {
    const t = newTestNode(4, [1, 2, 3], { learners: [4] });
    for (let i = 0; i < 100; i++) t.node.tick();
    expect(t.node.status().role).toBe('follower');
    expect(drain(t)).toEqual([]);
    t.node.campaign();
    t.node.step(msg({ type: MessageType.MsgTimeoutNow, from: 1, to: 4, term: 0 }));
    expect(t.node.status().role).toBe('follower');
  });

  it('a learner acknowledgement does not count toward commitment', () => {
    const t = newTestNode(1, [1, 2, 3], { learners: [4] });
    t.node.campaign();
    t.node.step(msg({ type: MessageType.MsgVoteResp, from: 2, to: 1, term: 1 }));
    drain(t);
    t.node.step(msg({ type: MessageType.MsgAppResp, from: 4, to: 1, term: 1, index: 1 }));
    expect(t.node.status().commit).toBe(0);
    t.node.step(msg({ type: MessageType.MsgAppResp, from: 3, to: 1, term: 1, index: 1 }));
    expect(t.node.status().commit).toBe(1);
  });

  it('a candidate does not count a vote from a node it knows as a learner', () => {
    const t = newTestNode(1, [1, 2, 3], { learners: [4] });
    t.node.campaign();
    t.node.step(msg({ type: MessageType.MsgVoteResp, from: 4, to: 1, term: 1 }));
    expect(t.node.status().role).toBe('candidate');
  });

  it('a learner cannot be made leader by a transfer', () => {
    const net = withLearner();
    net.get(1).node.transferLeadership(4);
    net.stabilize();
    expect(net.get(1).node.status()).toMatchObject({ role: 'leader', leadTransferee: 0 });
  });

  it('a promoted learner votes, counts and can lead', () => {
    const net = withLearner();
    expect(net.get(1).node.proposeConfChange({ type: ConfChangeType.addVoter, nodeId: 4 }).ok).toBe(true);
    net.stabilize();
    net.tickAll(1);
    for (const id of [1, 2, 3, 4]) expect(net.get(id).node.confState()).toEqual({ voters: [1, 2, 3, 4], learners: [] });
    net.get(1).node.transferLeadership(4);
    net.stabilize();
    expect(net.get(4).node.status().role).toBe('leader');
  });

  // A learner answers vote requests: one that was promoted may not have applied the change yet,
  // and without its vote a cluster missing a voter could not elect anyone.
  it('a learner answers vote requests (its vote counts only where it is a voter)', () => {
    const t = newTestNode(4, [1, 2, 3], { learners: [4] });
    t.node.step(msg({ type: MessageType.MsgVote, from: 1, to: 4, term: 2 }));
    const resp = drain(t).find((m) => m.type === MessageType.MsgVoteResp);
    expect(resp?.reject).toBe(false);
  });
});
