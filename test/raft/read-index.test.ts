// ReadIndex (dissertation 6.4): a linearizable read point. The leader records its commit index,
// confirms it is still leader with a heartbeat round acknowledged by a quorum, and answers; it
// serves none before it has committed an entry of its term. Followers ask the leader.
import { describe, expect, it } from 'vitest';
import { MessageType, ReadIndexRefusal } from '../../src/raft/index.js';
import { dec, drain, enc, msg, Network, newTestNode, ofType } from './helpers.js';

describe('ReadIndex', () => {
  it('a single-node leader answers at once with its commit index', () => {
    const t = newTestNode(1, [1]);
    t.node.campaign();
    drain(t);
    t.node.readIndex(enc('r1'));
    const rd = t.node.ready();
    expect(rd.readStates).toEqual([{ index: 1, context: enc('r1') }]);
    t.node.advance(rd);
  });

  it('a leader answers after a quorum acknowledges a heartbeat carrying the request', () => {
    const net = Network.of(3);
    net.campaign(1);
    net.propose(1, 'x');
    const leader = net.get(1);
    expect(leader.node.readIndex(enc('r1'))).toEqual({ ok: true });
    const rd = leader.node.ready();
    expect(rd.readStates).toEqual([]); // not before the heartbeat round
    const beats = ofType(rd.messages, MessageType.MsgHeartbeat);
    expect(beats.map((m) => dec(m.context))).toEqual(['r1', 'r1']);
    leader.node.advance(rd);
    leader.node.step(msg({ type: MessageType.MsgHeartbeatResp, from: 2, to: 1, term: 1, context: enc('r1') }));
    const answered = leader.node.ready();
    expect(answered.readStates).toEqual([{ index: 2, context: enc('r1') }]);
    leader.node.advance(answered);
  });

  it('a leader cut off from its quorum never answers', () => {
    const net = Network.of(3);
    net.campaign(1);
    net.isolate(1);
    net.get(1).node.readIndex(enc('r1'));
    net.stabilize();
    net.tickAll(3);
    expect(net.get(1).readStates).toEqual([]);
  });

  it('a new leader postpones reads until it commits an entry of its term', () => {
    const t = newTestNode(1, [1, 2, 3]);
    t.node.campaign();
    t.node.step(msg({ type: MessageType.MsgVoteResp, from: 2, to: 1, term: 1 }));
    drain(t);
    t.node.readIndex(enc('r1'));
    expect(ofType(drain(t), MessageType.MsgHeartbeat)).toEqual([]);
    t.node.step(msg({ type: MessageType.MsgAppResp, from: 2, to: 1, term: 1, index: 1 }));
    const beats = ofType(drain(t), MessageType.MsgHeartbeat);
    expect(beats.map((m) => dec(m.context))).toEqual(['r1', 'r1']);
    t.node.step(msg({ type: MessageType.MsgHeartbeatResp, from: 3, to: 1, term: 1, context: enc('r1') }));
    const rd = t.node.ready();
    expect(rd.readStates).toEqual([{ index: 1, context: enc('r1') }]);
    t.node.advance(rd);
  });

  it('a follower forwards the request and receives the leader read index', () => {
    const net = Network.of(3);
    net.campaign(1);
    net.propose(1, 'x');
    net.propose(1, 'y');
    net.get(2).node.readIndex(enc('f1'));
    net.stabilize();
    expect(net.delivered.some((m) => m.type === MessageType.MsgReadIndex && m.from === 2 && m.to === 1)).toBe(true);
    expect(net.get(2).readStates).toEqual([{ index: 3, context: enc('f1') }]);
    expect(net.get(1).readStates).toEqual([]);
  });

  it('a follower without a leader refuses', () => {
    const t = newTestNode(2, [1, 2, 3]);
    expect(t.node.readIndex(enc('x'))).toEqual({ ok: false, reason: ReadIndexRefusal.noLeader });
  });

  it('a learner acknowledgement does not confirm leadership', () => {
    const t = newTestNode(1, [1, 2, 3], { learners: [4] });
    t.node.campaign();
    t.node.step(msg({ type: MessageType.MsgVoteResp, from: 2, to: 1, term: 1 }));
    t.node.step(msg({ type: MessageType.MsgAppResp, from: 2, to: 1, term: 1, index: 1 }));
    drain(t);
    t.node.readIndex(enc('r'));
    drain(t);
    t.node.step(msg({ type: MessageType.MsgHeartbeatResp, from: 4, to: 1, term: 1, context: enc('r') }));
    expect(t.node.ready().readStates).toEqual([]);
  });

  it('a later confirmed request also answers the earlier ones', () => {
    const t = newTestNode(1, [1, 2, 3]);
    t.node.campaign();
    t.node.step(msg({ type: MessageType.MsgVoteResp, from: 2, to: 1, term: 1 }));
    t.node.step(msg({ type: MessageType.MsgAppResp, from: 2, to: 1, term: 1, index: 1 }));
    drain(t);
    t.node.readIndex(enc('a'));
    t.node.readIndex(enc('b'));
    drain(t);
    t.node.step(msg({ type: MessageType.MsgHeartbeatResp, from: 3, to: 1, term: 1, context: enc('b') }));
    const rd = t.node.ready();
    expect(rd.readStates.map((r) => dec(r.context))).toEqual(['a', 'b']);
    t.node.advance(rd);
  });
});
