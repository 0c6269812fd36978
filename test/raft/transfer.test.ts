// Leadership transfer (dissertation 3.10): the leader stops taking proposals, brings the target
// up to date, then sends it TimeoutNow; the target campaigns at once. Used for graceful
// shutdown and rebalancing; a transfer that does not finish in an election timeout is dropped.
import { describe, expect, it } from 'vitest';
import { MessageType, ProposalRefusal } from '../../src/raft/index.js';
import { enc, Network } from './helpers.js';

function cluster(): Network {
  const net = Network.of(3, { checkQuorum: true, preVote: true });
  net.campaign(1);
  expect(net.get(1).node.status().role).toBe('leader');
  return net;
}

describe('leadership transfer', () => {
  it('hands leadership to an up-to-date follower with TimeoutNow', () => {
    const net = cluster();
    net.get(1).node.transferLeadership(3);
    net.stabilize();
    expect(net.delivered.some((m) => m.type === MessageType.MsgTimeoutNow && m.to === 3)).toBe(true);
    expect(net.get(3).node.status()).toMatchObject({ role: 'leader', term: 2 });
    expect(net.get(1).node.status()).toMatchObject({ role: 'follower', lead: 3 });
  });

  it('catches a lagging target up before sending TimeoutNow', () => {
    const net = cluster();
    net.isolate(3);
    for (let i = 0; i < 5; i++) net.propose(1, `x${i}`);
    net.recover();
    const leaderLast = net.get(1).node.status().lastIndex;
    expect(net.get(3).node.status().lastIndex).toBeLessThan(leaderLast);
    let timeoutNowAt = -1;
    net.hook = (m) => {
      if (m.type === MessageType.MsgTimeoutNow) timeoutNowAt = net.get(3).node.status().lastIndex;
      return true;
    };
    net.get(1).node.transferLeadership(3);
    net.stabilize();
    expect(timeoutNowAt).toBe(leaderLast);
    expect(net.get(3).node.status().role).toBe('leader');
  });

  it('refuses proposals while a transfer is under way', () => {
    const net = cluster();
    net.isolate(3); // the target cannot answer, so the transfer stays pending
    net.get(1).node.transferLeadership(3);
    net.stabilize();
    expect(net.get(1).node.propose(enc('x'))).toMatchObject({
      ok: false,
      reason: ProposalRefusal.transferringLeadership,
    });
  });

  it('abandons a transfer that does not finish within an election timeout', () => {
    const net = cluster();
    net.isolate(3);
    net.get(1).node.transferLeadership(3);
    net.stabilize();
    expect(net.get(1).node.status().leadTransferee).toBe(3);
    net.tickAll(10);
    expect(net.get(1).node.status()).toMatchObject({ role: 'leader', leadTransferee: 0 });
    expect(net.get(1).node.propose(enc('x')).ok).toBe(true);
  });

  it('a follower forwards a transfer request to the leader', () => {
    const net = cluster();
    expect(net.get(2).node.transferLeadership(2)).toBe(true);
    net.stabilize();
    expect(net.get(2).node.status().role).toBe('leader');
  });

  it('ignores a transfer to a non-member or to itself', () => {
    const net = cluster();
    net.get(1).node.transferLeadership(9);
    net.get(1).node.transferLeadership(1);
    net.stabilize();
    expect(net.get(1).node.status()).toMatchObject({ role: 'leader', leadTransferee: 0 });
  });
});
