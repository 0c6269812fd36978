// Check-quorum and leader stickiness (dissertation 4.2.3 and 6.2): a leader that has not heard
// from a quorum for an election timeout steps down; a follower that heard from its leader within
// the minimum election timeout ignores vote requests (except those from a leadership transfer).
import { describe, expect, it } from 'vitest';
import { MessageType } from '../../src/raft/index.js';
import { dec, drain, msg, Network, newTestNode, ofType } from './helpers.js';

const CQ = { checkQuorum: true, preVote: true };

describe('check-quorum', () => {
  it('a leader cut off from its quorum steps down within one election timeout', () => {
    const net = Network.of(3, CQ);
    net.campaign(1);
    net.isolate(1);
    const leader = net.get(1).node;
    let ticks = 0;
    while (leader.status().role === 'leader' && ticks < 100) {
      leader.tick();
      drain(net.get(1));
      ticks++;
    }
    expect(leader.status().role).toBe('follower');
    expect(ticks).toBeLessThanOrEqual(10); // electionTicks
    expect(ticks).toBeGreaterThanOrEqual(9); // and not on a single missed heartbeat
  });

  it('a leader steps down before any follower may start an election', () => {
    // Followers' election timeouts are at least electionTicks; the leader's step-down is at
    // most electionTicks after the last reply, so two leaders never overlap in their belief.
    const net = Network.of(3, CQ);
    net.campaign(1);
    net.isolate(1);
    for (let tick = 1; tick <= 10; tick++) {
      net.tickAll(1);
      const others = [2, 3].map((id) => net.get(id).node.status().role);
      if (others.some((r) => r !== 'follower')) expect(net.get(1).node.status().role).toBe('follower');
    }
  });

  it('a leader that hears from a quorum stays leader', () => {
    const net = Network.of(3, CQ);
    net.campaign(1);
    net.isolate(3);
    net.tickAll(100);
    expect(net.get(1).node.status()).toMatchObject({ role: 'leader', term: 1 });
  });

  it('a follower that recently heard from its leader ignores a vote request of a higher term', () => {
    const t = newTestNode(2, [1, 2, 3], CQ);
    t.node.step(msg({ type: MessageType.MsgHeartbeat, from: 1, to: 2, term: 1 }));
    drain(t);
    t.node.step(msg({ type: MessageType.MsgVote, from: 3, to: 2, term: 2, index: 10, logTerm: 1 }));
    t.node.step(msg({ type: MessageType.MsgPreVote, from: 3, to: 2, term: 2, index: 10, logTerm: 1 }));
    expect(drain(t)).toEqual([]);
    expect(t.node.status()).toMatchObject({ term: 1, lead: 1, vote: 0 });
  });

  it('a follower that has not heard from its leader for an election timeout grants votes again', () => {
    const t = newTestNode(2, [1, 2, 3], CQ);
    t.node.step(msg({ type: MessageType.MsgHeartbeat, from: 1, to: 2, term: 1 }));
    drain(t);
    for (let i = 0; i < 10; i++) t.node.tick(); // may pre-campaign itself; that is fine
    drain(t);
    t.node.step(msg({ type: MessageType.MsgVote, from: 3, to: 2, term: 5, index: 10, logTerm: 1 }));
    const resp = ofType(drain(t), MessageType.MsgVoteResp)[0];
    expect(resp).toMatchObject({ to: 3, reject: false, term: 5 });
  });

  it('a vote request caused by a leadership transfer is not ignored', () => {
    const net = Network.of(3, CQ);
    net.campaign(1);
    net.get(1).node.transferLeadership(2);
    net.stabilize();
    expect(net.get(2).node.status()).toMatchObject({ role: 'leader', term: 2 });
    expect(net.get(1).node.status()).toMatchObject({ role: 'follower', lead: 2 });
  });

  it('a stale leader learns the newer term from a follower answer and steps down', () => {
    const t = newTestNode(1, [1, 2, 3], CQ);
    t.node.campaign();
    t.node.step(msg({ type: MessageType.MsgPreVoteResp, from: 2, to: 1, term: 1 }));
    t.node.step(msg({ type: MessageType.MsgVoteResp, from: 2, to: 1, term: 1 }));
    drain(t);
    expect(t.node.status().role).toBe('leader');
    t.node.step(msg({ type: MessageType.MsgAppResp, from: 2, to: 1, term: 4 }));
    expect(t.node.status()).toMatchObject({ role: 'follower', term: 4 });
  });
});

describe('a leader reported gone (RaftNode.leaderGone)', () => {
  /** Three nodes led by 1, which is then cut off from the others (it died). */
  const ledByDeadNode1 = (): Network => {
    const net = Network.of(3, CQ);
    net.campaign(1);
    net.isolate(1);
    return net;
  };
  /** Ticks the given nodes once each (the dead leader does not run) and delivers what follows. */
  const tick = (net: Network, ids: number[]): void => {
    for (const id of ids) net.get(id).node.tick();
    net.stabilize();
  };

  it('ends the lease at once: the first other voter is elected on the next tick', () => {
    const net = ledByDeadNode1();
    net.get(2).node.leaderGone(1);
    net.get(3).node.leaderGone(1);
    expect(net.get(3).node.status()).toMatchObject({ role: 'follower', lead: 0 });
    tick(net, [2, 3]);
    expect(net.get(2).node.status()).toMatchObject({ role: 'leader', term: 2 });
    expect(net.get(3).node.status()).toMatchObject({ role: 'follower', lead: 2, term: 2 });
  });

  it('without the report, the survivors wait for their election timeout', () => {
    const net = ledByDeadNode1();
    const survivorLeads = () => [2, 3].some((id) => net.get(id).node.status().role === 'leader');
    let ticks = 0;
    for (; ticks < 100 && !survivorLeads(); ticks++) tick(net, [2, 3]);
    expect(survivorLeads()).toBe(true);
    expect(ticks).toBeGreaterThanOrEqual(10); // electionTicks
  });

  it('one survivor told alone is refused by the other, still in its lease, and nothing splits', () => {
    const net = ledByDeadNode1();
    net.get(2).node.leaderGone(1);
    tick(net, [2, 3]);
    // 2 asks for pre-votes and gets none; no term moved, and 3 still follows 1.
    expect(net.get(2).node.status()).toMatchObject({ role: 'preCandidate', term: 1 });
    expect(net.get(3).node.status()).toMatchObject({ role: 'follower', lead: 1, term: 1 });
  });

  it('changes nothing for a node that is not the leader, nor on the leader itself', () => {
    const net = Network.of(3, CQ);
    net.campaign(1);
    net.get(2).node.leaderGone(3);
    net.get(1).node.leaderGone(1);
    expect(net.get(2).node.status()).toMatchObject({ role: 'follower', lead: 1 });
    expect(net.get(1).node.status()).toMatchObject({ role: 'leader', lead: 1 });
  });

  it('a wrong report costs an election, not a second leader in one term nor a committed entry', () => {
    const net = Network.of(3, CQ);
    net.campaign(1);
    net.propose(1, 'committed');
    net.get(2).node.leaderGone(1);
    net.get(3).node.leaderGone(1);
    net.tickAll(1);
    net.tickAll(20);
    const leaders = [...net.nodes.values()].filter((n) => n.node.status().role === 'leader');
    expect(leaders).toHaveLength(1);
    const status = leaders[0]!.node.status();
    expect(leaders[0]!.node.logEntries(1, 100)?.map((e) => dec(e.data))).toContain('committed');
    for (const n of net.nodes.values()) expect(n.node.status().lead).toBe(leaders[0]!.id);
    expect(status.term).toBeGreaterThanOrEqual(1);
  });
});
