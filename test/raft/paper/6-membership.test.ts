// Raft paper section 6 (cluster membership changes), in the single-server form of the
// dissertation (4.1): one server added or removed at a time, taking effect when applied, with
// the raft-dev fix (no change before the leader commits in its term).
import { describe, expect, it } from 'vitest';
import { ConfChangeType, MessageType, ProposalRefusal } from '../../../src/raft/index.js';
import { drain, enc, msg, Network, newTestNode } from '../helpers.js';

function clusterWithLeader(size: number): Network {
  const net = Network.of(size);
  net.campaign(1);
  expect(net.get(1).node.status().role).toBe('leader');
  return net;
}

describe('paper 6: cluster membership changes', () => {
  // 6 / dissertation 4.1: adding one server at a time; the new configuration is used once its
  // entry is applied, on every server.
  it('adding a voter takes effect on every server once the change is applied', () => {
    const net = clusterWithLeader(3);
    net.nodes.set(4, newTestNode(4, []));
    const res = net.get(1).node.proposeConfChange({ type: ConfChangeType.addVoter, nodeId: 4 });
    expect(res.ok).toBe(true);
    expect(net.get(1).node.confState().voters).toEqual([1, 2, 3]); // not before it is applied
    net.stabilize();
    net.tickAll(2); // heartbeats let the new node catch up
    for (const id of [1, 2, 3, 4]) expect(net.get(id).node.confState()).toEqual({ voters: [1, 2, 3, 4], learners: [] });
    expect(net.get(4).node.status().commit).toBe(net.get(1).node.status().commit);
  });

  // Dissertation 4.1: "a leader must not begin a new configuration change until the previous
  // one has been committed" (here: applied).
  it('a second change is refused while the first is not yet applied', () => {
    const net = clusterWithLeader(3);
    const leader = net.get(1).node;
    expect(leader.proposeConfChange({ type: ConfChangeType.addLearner, nodeId: 4 }).ok).toBe(true);
    const second = leader.proposeConfChange({ type: ConfChangeType.addLearner, nodeId: 5 });
    expect(second).toMatchObject({ ok: false, reason: ProposalRefusal.confChangePending });
    net.stabilize();
    expect(leader.proposeConfChange({ type: ConfChangeType.addLearner, nodeId: 5 }).ok).toBe(true);
  });

  // raft-dev "bug in single-server membership changes" (Ongaro, 2015): a new leader must commit
  // an entry of its term before it changes the configuration.
  it('a change is refused until the leader has committed an entry in its term', () => {
    const t = newTestNode(1, [1, 2, 3]);
    t.node.campaign();
    t.node.step(msg({ type: MessageType.MsgVoteResp, from: 2, to: 1, term: 1 }));
    drain(t);
    expect(t.node.status().role).toBe('leader');
    const early = t.node.proposeConfChange({ type: ConfChangeType.removeNode, nodeId: 3 });
    expect(early).toMatchObject({ ok: false, reason: ProposalRefusal.notCommittedInTerm });
    t.node.step(msg({ type: MessageType.MsgAppResp, from: 2, to: 1, term: 1, index: 1 }));
    drain(t);
    expect(t.node.proposeConfChange({ type: ConfChangeType.removeNode, nodeId: 3 }).ok).toBe(true);
  });

  // 6: after a voter is added, commitment needs a majority of the new, larger configuration.
  it('a new voter counts toward the quorum once applied', () => {
    const net = clusterWithLeader(3);
    net.get(1).node.proposeConfChange({ type: ConfChangeType.addVoter, nodeId: 4 }); // node 4 never answers
    net.stabilize();
    expect(net.get(1).node.confState().voters).toEqual([1, 2, 3, 4]);
    net.isolate(3);
    const before = net.get(1).node.status().commit;
    net.propose(1, 'x'); // leader + node 2 = 2 of 4: not a majority
    expect(net.get(1).node.status().commit).toBe(before);
    net.recover();
    net.tickAll(1);
    expect(net.get(1).node.status().commit).toBe(before + 1);
  });

  // 6: removing a server shrinks the majority; entries then commit without it.
  it('a removed voter no longer counts toward the quorum', () => {
    const net = clusterWithLeader(2);
    net.get(1).node.proposeConfChange({ type: ConfChangeType.removeNode, nodeId: 2 });
    net.stabilize();
    expect(net.get(1).node.confState().voters).toEqual([1]);
    net.isolate(2);
    net.propose(1, 'x');
    const last = net.get(1).node.status().lastIndex;
    expect(net.get(1).node.status().commit).toBe(last);
  });

  // 6: "the leader steps down (returns to follower state) once it has committed the Cnew log
  // entry" when it is not part of Cnew.
  it('a leader removed from the configuration steps down', () => {
    const net = clusterWithLeader(3);
    expect(net.get(1).node.proposeConfChange({ type: ConfChangeType.removeNode, nodeId: 1 }).ok).toBe(true);
    net.stabilize();
    const s = net.get(1).node.status();
    expect(s.role).toBe('follower');
    expect(s.confState.voters).toEqual([2, 3]);
    // The remaining servers elect a leader among themselves; the removed one never campaigns.
    for (let i = 0; i < 40 && net.leader() === undefined; i++) net.tickAll(1);
    expect([2, 3]).toContain(net.leader()?.id);
    expect(net.get(1).node.status().role).toBe('follower');
  });

  // 6: a server joining with an empty log learns the whole configuration from the log.
  it('a joining server learns the full membership from the change entry', () => {
    const net = clusterWithLeader(3);
    net.nodes.set(4, newTestNode(4, []));
    net.get(1).node.proposeConfChange({ type: ConfChangeType.addLearner, nodeId: 4 });
    net.stabilize();
    net.tickAll(2);
    expect(net.get(4).node.confState()).toEqual({ voters: [1, 2, 3], learners: [4] });
  });

  it('invalid changes are refused with the reason', () => {
    const net = clusterWithLeader(3);
    const leader = net.get(1).node;
    expect(leader.proposeConfChange({ type: ConfChangeType.removeNode, nodeId: 9 })).toMatchObject({
      ok: false,
      reason: ProposalRefusal.invalidConfChange,
    });
    expect(leader.proposeConfChange({ type: ConfChangeType.addVoter, nodeId: 2 })).toMatchObject({
      ok: false,
      reason: ProposalRefusal.invalidConfChange,
    });
    expect(leader.proposeConfChange({ type: ConfChangeType.addVoter, nodeId: 0 })).toMatchObject({
      ok: false,
      reason: ProposalRefusal.invalidConfChange,
    });
    expect(net.get(2).node.proposeConfChange({ type: ConfChangeType.addVoter, nodeId: 4 })).toMatchObject({
      ok: false,
      reason: ProposalRefusal.notLeader,
      leaderId: 1,
    });
    expect(leader.propose(enc('still works')).ok).toBe(true);
  });

  // A restarted server adopts every committed configuration before it may campaign.
  it('a restarted server uses the latest committed configuration', () => {
    const net = clusterWithLeader(3);
    net.get(1).node.proposeConfChange({ type: ConfChangeType.addLearner, nodeId: 4 });
    net.stabilize();
    const restarted = newTestNode(2, [1, 2, 3], {}, net.get(2).storage);
    expect(restarted.node.confState()).toEqual({ voters: [1, 2, 3], learners: [4] });
  });
});
