// Pre-vote (dissertation 9.6): a node asks "would you vote for me?" before it bumps its term,
// so a node that was partitioned away cannot disrupt a healthy leader when it returns.
import { describe, expect, it } from 'vitest';
import { MessageType } from '../../src/raft/index.js';
import { drain, msg, Network, newTestNode, ofType, storageWithLog } from './helpers.js';

const PRE = { preVote: true };

describe('pre-vote', () => {
  it('a pre-candidate keeps its term and vote and asks for votes in the next term', () => {
    const t = newTestNode(1, [1, 2, 3], PRE, storageWithLog([1], { term: 1 }));
    t.node.campaign();
    expect(t.node.status()).toMatchObject({ role: 'preCandidate', term: 1, vote: 0 });
    const reqs = ofType(drain(t), MessageType.MsgPreVote);
    expect(reqs.map((m) => m.to).sort()).toEqual([2, 3]);
    for (const m of reqs) expect(m).toMatchObject({ term: 2, index: 1, logTerm: 1 });
  });

  it('a pre-candidate granted a quorum of pre-votes becomes a candidate in the next term', () => {
    const t = newTestNode(1, [1, 2, 3], PRE);
    t.node.campaign();
    drain(t);
    t.node.step(msg({ type: MessageType.MsgPreVoteResp, from: 2, to: 1, term: 1 }));
    expect(t.node.status()).toMatchObject({ role: 'candidate', term: 1, vote: 1 });
    expect(ofType(drain(t), MessageType.MsgVote).length).toBe(2);
  });

  it('a pre-candidate refused by a quorum returns to follower without having bumped its term', () => {
    const t = newTestNode(1, [1, 2, 3], PRE);
    t.node.campaign();
    drain(t);
    t.node.step(msg({ type: MessageType.MsgPreVoteResp, from: 2, to: 1, term: 0, reject: true }));
    t.node.step(msg({ type: MessageType.MsgPreVoteResp, from: 3, to: 1, term: 0, reject: true }));
    expect(t.node.status()).toMatchObject({ role: 'follower', term: 0 });
  });

  it('answering a pre-vote changes neither the voter term nor its vote', () => {
    const t = newTestNode(2, [1, 2, 3], PRE, storageWithLog([1], { term: 1 }));
    t.node.step(msg({ type: MessageType.MsgPreVote, from: 1, to: 2, term: 2, index: 1, logTerm: 1 }));
    const rd = drain(t);
    expect(ofType(rd, MessageType.MsgPreVoteResp)[0]).toMatchObject({ to: 1, reject: false, term: 2 });
    expect(t.node.status()).toMatchObject({ term: 1, vote: 0 });
  });

  it('a pre-vote is refused to a candidate with a less up-to-date log', () => {
    const t = newTestNode(2, [1, 2, 3], PRE, storageWithLog([1, 2], { term: 2 }));
    t.node.step(msg({ type: MessageType.MsgPreVote, from: 1, to: 2, term: 3, index: 5, logTerm: 1 }));
    expect(ofType(drain(t), MessageType.MsgPreVoteResp)[0]?.reject).toBe(true);
  });

  it('a node partitioned away does not disrupt the leader when it returns', () => {
    const net = Network.of(3, { preVote: true, checkQuorum: true });
    net.campaign(1);
    expect(net.get(1).node.status()).toMatchObject({ role: 'leader', term: 1 });
    net.isolate(3);
    for (let i = 0; i < 100; i++) {
      net.get(3).node.tick();
      net.stabilize();
    }
    // It kept trying, but never raised its term.
    expect(net.get(3).node.status().term).toBe(1);
    net.recover();
    net.tickAll(3);
    expect(net.get(1).node.status()).toMatchObject({ role: 'leader', term: 1 });
    expect(net.get(3).node.status()).toMatchObject({ role: 'follower', term: 1, lead: 1 });
  });

  it('without pre-vote, the same returning node forces a new election (the problem pre-vote solves)', () => {
    const net = Network.of(3, { preVote: false, checkQuorum: false });
    net.campaign(1);
    net.isolate(3);
    for (let i = 0; i < 30; i++) {
      net.get(3).node.tick();
      net.stabilize();
    }
    expect(net.get(3).node.status().term).toBeGreaterThan(1);
    net.recover();
    net.tickAll(20);
    expect(net.get(1).node.status().term).toBeGreaterThan(1); // deposed by the higher term
  });
});
