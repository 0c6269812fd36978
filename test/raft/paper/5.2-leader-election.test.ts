// Raft paper section 5.2 (leader election).
import { describe, expect, it } from 'vitest';
import { createPrng, MessageType } from '../../../src/raft/index.js';
import { drain, msg, Network, newTestNode, ofType, storageWithLog } from '../helpers.js';

describe('paper 5.2: leader election', () => {
  // 5.2: "If a follower receives no communication over a period of time called the election
  // timeout, then it ... begins an election": it increments its term, votes for itself and
  // issues RequestVote RPCs to each of the other servers.
  it('a follower that hears nothing for an election timeout becomes a candidate and requests votes', () => {
    const t = newTestNode(1, [1, 2, 3]);
    for (let i = 0; i < 20 && t.node.status().role === 'follower'; i++) t.node.tick();
    const s = t.node.status();
    expect(s).toMatchObject({ role: 'candidate', term: 1, vote: 1 });
    const votes = ofType(drain(t), MessageType.MsgVote);
    expect(votes.map((m) => m.to).sort()).toEqual([2, 3]);
    expect(votes.every((m) => m.term === 1)).toBe(true);
  });

  // 5.2: "A candidate wins an election if it receives votes from a majority of the servers in
  // the full cluster for the same term."
  const cases: Array<{ size: number; granted: number[]; rejected: number[]; role: string }> = [
    { size: 1, granted: [], rejected: [], role: 'leader' },
    { size: 3, granted: [2], rejected: [], role: 'leader' },
    { size: 3, granted: [], rejected: [], role: 'candidate' },
    { size: 3, granted: [], rejected: [2, 3], role: 'follower' },
    { size: 5, granted: [2], rejected: [], role: 'candidate' },
    { size: 5, granted: [2, 3], rejected: [], role: 'leader' },
    { size: 5, granted: [2], rejected: [3, 4, 5], role: 'follower' },
    { size: 5, granted: [], rejected: [2, 3], role: 'candidate' },
  ];
  for (const c of cases) {
    it(`a candidate in a ${c.size}-node cluster with grants ${JSON.stringify(c.granted)} and rejections ${JSON.stringify(c.rejected)} becomes ${c.role}`, () => {
      const peers = Array.from({ length: c.size }, (_, i) => i + 1);
      const t = newTestNode(1, peers);
      t.node.campaign();
      drain(t);
      for (const id of c.granted) t.node.step(msg({ type: MessageType.MsgVoteResp, from: id, to: 1, term: 1 }));
      for (const id of c.rejected)
        t.node.step(msg({ type: MessageType.MsgVoteResp, from: id, to: 1, term: 1, reject: true }));
      expect(t.node.status().role).toBe(c.role);
    });
  }

  // 5.2: "Each server will vote for at most one candidate in a given term, on a
  // first-come-first-served basis."
  it('a follower votes for at most one candidate per term, first come first served', () => {
    const t = newTestNode(1, [1, 2, 3]);
    t.node.step(msg({ type: MessageType.MsgVote, from: 2, to: 1, term: 1 }));
    t.node.step(msg({ type: MessageType.MsgVote, from: 3, to: 1, term: 1 }));
    t.node.step(msg({ type: MessageType.MsgVote, from: 2, to: 1, term: 1 })); // a retry is granted again
    const replies = ofType(drain(t), MessageType.MsgVoteResp);
    expect(replies.map((m) => [m.to, m.reject])).toEqual([
      [2, false],
      [3, true],
      [2, false],
    ]);
  });

  // 5.2: "If the AppendEntries RPC is from a leader whose term is at least as large as the
  // candidate's current term, then the candidate ... returns to follower state."
  it('a candidate that receives AppendEntries from a leader of its term returns to follower', () => {
    const t = newTestNode(1, [1, 2, 3]);
    t.node.campaign();
    drain(t);
    t.node.step(msg({ type: MessageType.MsgApp, from: 2, to: 1, term: 1 }));
    expect(t.node.status()).toMatchObject({ role: 'follower', term: 1, lead: 2 });
  });

  // 5.2: "Raft uses randomized election timeouts ... chosen randomly from a fixed interval."
  it('election timeouts are drawn from [electionTicks, 2 * electionTicks)', () => {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 200; seed++) {
      const t = newTestNode(1, [1, 2, 3], { prng: createPrng(seed) });
      let ticks = 0;
      while (t.node.status().role === 'follower' && ticks < 100) {
        t.node.tick();
        ticks++;
      }
      expect(ticks).toBeGreaterThanOrEqual(10);
      expect(ticks).toBeLessThan(20);
      seen.add(ticks);
    }
    expect(seen.size).toBeGreaterThan(5); // actually random, not a constant
  });

  // 5.2: randomization means "in most cases only a single server will time out": in a
  // cluster of idle followers, usually exactly one becomes a candidate first.
  it('randomized timeouts usually let a single follower time out first', () => {
    let conflicts = 0;
    const rounds = 200;
    for (let r = 0; r < rounds; r++) {
      const peers = [1, 2, 3];
      const ts = peers.map((id) => newTestNode(id, peers, { prng: createPrng(r * 31 + id) }));
      let first: number[] = [];
      for (let tick = 0; tick < 40 && first.length === 0; tick++) {
        for (const t of ts) t.node.tick();
        first = ts.filter((t) => t.node.status().role !== 'follower').map((t) => t.id);
      }
      if (first.length > 1) conflicts++;
    }
    expect(conflicts / rounds).toBeLessThan(0.3);
  });

  // 5.2/5.4.1: a candidate whose log is behind a majority cannot win.
  it('an election between a stale and an up-to-date server is won by the up-to-date one', () => {
    const peers = [1, 2, 3];
    const net = new Network([
      newTestNode(1, peers, {}, storageWithLog([1])),
      newTestNode(2, peers, {}, storageWithLog([1, 1])),
      newTestNode(3, peers, {}, storageWithLog([1, 1])),
    ]);
    net.campaign(1);
    expect(net.get(1).node.status().role).not.toBe('leader');
    net.campaign(2);
    expect(net.get(2).node.status().role).toBe('leader');
  });
});
