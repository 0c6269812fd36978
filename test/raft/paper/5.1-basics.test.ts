// Raft paper section 5.1 (Raft basics): server states, terms, and persistence of term and vote.
import { describe, expect, it } from 'vitest';
import { MemoryStorage, MessageType, RaftNode } from '../../../src/raft/index.js';
import { cycle, drain, msg, newTestNode, ofType } from '../helpers.js';

describe('paper 5.1: Raft basics', () => {
  // 5.1: "When servers start up, they begin as followers."
  it('a server starts as a follower', () => {
    const t = newTestNode(1, [1, 2, 3]);
    expect(t.node.status().role).toBe('follower');
    expect(t.node.status().term).toBe(0);
  });

  // 5.1: "If a candidate or leader discovers that its term is out of date, it immediately
  // reverts to follower state." Same for a follower: it adopts the larger term.
  for (const start of ['follower', 'candidate', 'leader'] as const) {
    it(`a ${start} that sees a larger term adopts it and becomes a follower`, () => {
      const t = newTestNode(1, [1, 2, 3]);
      if (start !== 'follower') {
        t.node.campaign();
        drain(t);
        if (start === 'leader') {
          t.node.step(msg({ type: MessageType.MsgVoteResp, from: 2, to: 1, term: 1 }));
          drain(t);
          expect(t.node.status().role).toBe('leader');
        }
      }
      t.node.step(msg({ type: MessageType.MsgApp, from: 2, to: 1, term: 2 }));
      const s = t.node.status();
      expect(s.term).toBe(2);
      expect(s.role).toBe('follower');
      expect(s.lead).toBe(2);
    });
  }

  // 5.1: "If a server receives a request with a stale term number, it rejects the request."
  it('a server rejects a request with a stale term', () => {
    const t = newTestNode(1, [1, 2, 3]);
    t.node.step(msg({ type: MessageType.MsgApp, from: 2, to: 1, term: 3 }));
    drain(t);
    t.node.step(
      msg({
        type: MessageType.MsgApp,
        from: 3,
        to: 1,
        term: 2,
        index: 0,
        logTerm: 0,
        entries: [{ term: 2, index: 1, type: 'normal', data: new Uint8Array(1) }],
      }),
    );
    const out = drain(t);
    expect(t.node.status().lastIndex).toBe(0); // nothing appended
    expect(t.node.status().lead).toBe(2);
    // The stale sender is answered with the newer term only if pre-vote/check-quorum is on; the
    // request itself is never accepted.
    expect(out.every((m) => m.type !== MessageType.MsgAppResp || m.term === 3)).toBe(true);
  });

  // 5.1/figure 2: "Leaders send periodic heartbeats (AppendEntries RPCs that carry no log
  // entries) to all followers in order to maintain their authority."
  it('a leader sends heartbeats to every follower each heartbeat interval', () => {
    const t = newTestNode(1, [1, 2, 3], { heartbeatTicks: 1 });
    t.node.campaign();
    t.node.step(msg({ type: MessageType.MsgVoteResp, from: 2, to: 1, term: 1 }));
    drain(t);
    t.node.tick();
    const beats = ofType(drain(t), MessageType.MsgHeartbeat);
    expect(beats.map((m) => m.to).sort()).toEqual([2, 3]);
    expect(beats.every((m) => m.term === 1 && m.entries.length === 0)).toBe(true);
  });

  // Figure 2 "Persistent state on all servers": currentTerm and votedFor are updated on stable
  // storage before responding to RPCs. The Ready that carries the vote reply also carries the
  // new hard state with mustSync, and the driver persists before sending.
  it('term and vote reach stable storage in the same Ready as the vote reply, with mustSync', () => {
    const t = newTestNode(1, [1, 2, 3]);
    t.node.step(msg({ type: MessageType.MsgVote, from: 2, to: 1, term: 5, index: 0, logTerm: 0 }));
    const rd = t.node.ready();
    expect(rd.hardState).toMatchObject({ term: 5, vote: 2 });
    expect(rd.mustSync).toBe(true);
    expect(ofType(rd.messages, MessageType.MsgVoteResp)[0]).toMatchObject({ to: 2, reject: false, term: 5 });
    t.node.advance(rd);
  });

  // Figure 2: votedFor survives a restart, so a node never votes twice in one term.
  it('a restarted server remembers its term and vote and does not vote twice', () => {
    const storage = new MemoryStorage();
    const t = newTestNode(1, [1, 2, 3], {}, storage);
    t.node.step(msg({ type: MessageType.MsgVote, from: 2, to: 1, term: 5, index: 0, logTerm: 0 }));
    cycle(t);
    const restarted = newTestNode(1, [1, 2, 3], {}, storage);
    expect(restarted.node.status()).toMatchObject({ term: 5, vote: 2 });
    restarted.node.step(msg({ type: MessageType.MsgVote, from: 3, to: 1, term: 5, index: 0, logTerm: 0 }));
    const reply = ofType(drain(restarted), MessageType.MsgVoteResp)[0];
    expect(reply).toMatchObject({ to: 3, reject: true });
  });

  // 5.1: terms act as a logical clock and only increase.
  it('a restarted server starts as a follower in its stored term', () => {
    const storage = new MemoryStorage();
    storage.setHardState({ term: 7, vote: 0, commit: 0 });
    const node = new RaftNode({ id: 1, peers: [1, 2, 3] }, storage);
    expect(node.status()).toMatchObject({ role: 'follower', term: 7 });
  });
});
