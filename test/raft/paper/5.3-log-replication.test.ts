// Raft paper section 5.3 (log replication), including figure 7 (a leader brings divergent
// follower logs into agreement).
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../../src/raft/index.js';
import { MessageType } from '../../../src/raft/index.js';
import type { TestNode } from '../helpers.js';
import { dec, drain, enc, entry, msg, Network, newTestNode, ofType, storageWithLog } from '../helpers.js';

/** Elects node 1 of `peers` in term 1; every follower acknowledges the no-op (index 1). */
function electedLeader(peers: number[]): TestNode {
  const t = newTestNode(1, peers);
  t.node.campaign();
  drain(t);
  for (const id of peers.slice(1, Math.floor(peers.length / 2) + 1)) {
    t.node.step(msg({ type: MessageType.MsgVoteResp, from: id, to: 1, term: 1 }));
  }
  drain(t);
  expect(t.node.status().role).toBe('leader');
  for (const id of peers.slice(1))
    t.node.step(msg({ type: MessageType.MsgAppResp, from: id, to: 1, term: 1, index: 1 }));
  drain(t);
  return t;
}

const terms = (entries: readonly Entry[]): number[] => entries.map((e) => e.term);

describe('paper 5.3: log replication', () => {
  // 5.3: "The leader appends the command to its log as a new entry, then issues AppendEntries
  // RPCs in parallel to each of the other servers to replicate the entry."
  it('the leader appends a proposal to its log and sends it to every follower', () => {
    const t = electedLeader([1, 2, 3]);
    const res = t.node.propose(enc('x'));
    expect(res).toEqual({ ok: true, index: 2, term: 1 });
    const rd = t.node.ready();
    expect(rd.entries.map((e) => [e.index, e.term, dec(e.data)])).toEqual([[2, 1, 'x']]);
    const apps = ofType(rd.messages, MessageType.MsgApp);
    expect(apps.map((m) => m.to).sort()).toEqual([2, 3]);
    for (const m of apps) expect(m).toMatchObject({ index: 1, logTerm: 1, commit: 1 });
    t.node.advance(rd);
  });

  // 5.3: "A log entry is committed once the leader that created the entry has replicated it on
  // a majority of the servers"; the leader then applies it and includes the commit index in
  // future AppendEntries so the other servers find out.
  it('the leader commits an entry replicated on a majority and tells followers', () => {
    const t = electedLeader([1, 2, 3]);
    t.node.propose(enc('x'));
    drain(t);
    t.node.step(msg({ type: MessageType.MsgAppResp, from: 2, to: 1, term: 1, index: 2 }));
    const rd = t.node.ready();
    expect(rd.hardState?.commit).toBe(2);
    expect(rd.committedEntries.map((e) => e.index)).toEqual([2]);
    const apps = ofType(rd.messages, MessageType.MsgApp);
    expect(apps.length).toBeGreaterThan(0);
    for (const m of apps) expect(m.commit).toBe(2);
    t.node.advance(rd);
  });

  // 5.3: committed once replicated on a majority — and not before.
  const ackCases = [
    { size: 1, acks: [], committed: true },
    { size: 3, acks: [], committed: false },
    { size: 3, acks: [2], committed: true },
    { size: 5, acks: [2], committed: false },
    { size: 5, acks: [2, 3], committed: true },
    { size: 5, acks: [2, 3, 4, 5], committed: true },
  ];
  for (const c of ackCases) {
    it(`in a ${c.size}-node cluster, acks from ${JSON.stringify(c.acks)} ${c.committed ? 'commit' : 'do not commit'} an entry`, () => {
      const peers = Array.from({ length: c.size }, (_, i) => i + 1);
      const t = newTestNode(1, peers);
      t.node.campaign();
      for (const id of peers.slice(1, Math.floor(c.size / 2) + 1)) {
        t.node.step(msg({ type: MessageType.MsgVoteResp, from: id, to: 1, term: 1 }));
      }
      drain(t);
      const res = t.node.propose(enc('x'));
      expect(res.ok).toBe(true);
      drain(t);
      for (const id of c.acks) t.node.step(msg({ type: MessageType.MsgAppResp, from: id, to: 1, term: 1, index: 2 }));
      expect(t.node.status().commit >= 2).toBe(c.committed);
    });
  }

  // 5.3: "This also commits all preceding entries in the leader's log, including entries
  // created by previous leaders."
  it('committing an entry commits all preceding entries, including earlier terms', () => {
    const t = newTestNode(1, [1, 2, 3], {}, storageWithLog([1, 2], { term: 2 }));
    t.node.campaign();
    t.node.step(msg({ type: MessageType.MsgVoteResp, from: 2, to: 1, term: 3 }));
    drain(t);
    t.node.propose(enc('x'));
    drain(t);
    t.node.step(msg({ type: MessageType.MsgAppResp, from: 2, to: 1, term: 3, index: 4 }));
    drain(t);
    expect(t.applied.map((e) => [e.index, e.term])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 3],
    ]);
  });

  // 5.3: "Once a follower learns that a log entry is committed, it applies the entry to its
  // local state machine."
  it('a follower commits up to the commit index the leader sends', () => {
    const t = newTestNode(2, [1, 2, 3]);
    const ents = [entry(1, 1, 'a'), entry(1, 2, 'b'), entry(1, 3, 'c')];
    t.node.step(
      msg({ type: MessageType.MsgApp, from: 1, to: 2, term: 1, index: 0, logTerm: 0, entries: ents, commit: 2 }),
    );
    drain(t);
    expect(t.applied.map((e) => dec(e.data))).toEqual(['a', 'b']);
    expect(t.node.status().commit).toBe(2);
  });

  // 5.3: "If the follower does not find an entry in its log with the same index and term, then
  // it refuses the new entries" (the AppendEntries consistency check).
  const checkCases = [
    { term: 0, index: 0, reject: false }, // the empty prefix always matches
    { term: 1, index: 1, reject: false },
    { term: 2, index: 2, reject: false },
    { term: 1, index: 2, reject: true }, // term mismatch at index 2
    { term: 3, index: 3, reject: true }, // index beyond the log
  ];
  for (const c of checkCases) {
    it(`a follower with log terms [1,2] ${c.reject ? 'rejects' : 'accepts'} AppendEntries after (index ${c.index}, term ${c.term})`, () => {
      const t = newTestNode(2, [1, 2, 3], {}, storageWithLog([1, 2], { term: 2 }));
      t.node.step(msg({ type: MessageType.MsgApp, from: 1, to: 2, term: 2, index: c.index, logTerm: c.term }));
      const resp = ofType(drain(t), MessageType.MsgAppResp)[0];
      expect(resp?.reject).toBe(c.reject);
      if (c.reject) {
        expect(resp?.index).toBe(c.index);
        expect(resp?.rejectHint).toBeLessThanOrEqual(2);
      }
    });
  }

  // 5.3: "If an existing entry conflicts with a new one (same index but different terms),
  // delete the existing entry and all that follow it; append any new entries not already in
  // the log."
  const appendCases: Array<{ index: number; logTerm: number; entries: Entry[]; want: number[] }> = [
    { index: 2, logTerm: 2, entries: [entry(3, 3)], want: [1, 2, 3] },
    { index: 1, logTerm: 1, entries: [entry(3, 2), entry(4, 3)], want: [1, 3, 4] },
    { index: 0, logTerm: 0, entries: [entry(1, 1)], want: [1, 2] }, // already held: nothing removed
    { index: 0, logTerm: 0, entries: [entry(3, 1)], want: [3] },
  ];
  for (const c of appendCases) {
    it(`a follower with log terms [1,2] given entries ${JSON.stringify(terms(c.entries))} after index ${c.index} ends with terms ${JSON.stringify(c.want)}`, () => {
      const t = newTestNode(2, [1, 2, 3], {}, storageWithLog([1, 2], { term: 2 }));
      t.node.step(
        msg({
          type: MessageType.MsgApp,
          from: 1,
          to: 2,
          term: 4,
          index: c.index,
          logTerm: c.logTerm,
          entries: c.entries,
        }),
      );
      drain(t);
      expect(terms(t.node.logEntries(1, 100) ?? [])).toEqual(c.want);
      expect(terms(t.storage.entries(1, t.storage.lastIndex() + 1, Infinity))).toEqual(c.want);
    });
  }

  // Figure 2 / 5.3: a follower acknowledges entries only once they are durable: the ack leaves
  // in the same Ready that asks for the entries to be persisted (and mustSync).
  it('a follower acknowledges entries in the Ready that persists them', () => {
    const t = newTestNode(2, [1, 2, 3]);
    t.node.step(
      msg({ type: MessageType.MsgApp, from: 1, to: 2, term: 1, index: 0, logTerm: 0, entries: [entry(1, 1)] }),
    );
    const rd = t.node.ready();
    expect(rd.entries.map((e) => e.index)).toEqual([1]);
    expect(rd.mustSync).toBe(true);
    expect(ofType(rd.messages, MessageType.MsgAppResp)[0]).toMatchObject({ index: 1, reject: false });
    t.node.advance(rd);
  });

  // Figure 7: "When a leader first comes to power ... the leader handles inconsistencies by
  // forcing the followers' logs to duplicate its own." Followers (a)-(f) of figure 7 end up
  // with exactly the leader's log.
  const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
  const followers: Record<string, number[]> = {
    a: [1, 1, 1, 4, 4, 5, 5, 6, 6],
    b: [1, 1, 1, 4],
    c: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
    d: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
    e: [1, 1, 1, 4, 4, 4, 4],
    f: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
  };
  for (const [name, flog] of Object.entries(followers)) {
    it(`figure 7: the leader brings follower (${name}) into agreement with its log`, () => {
      const lead = newTestNode(1, [1, 2, 3], {}, storageWithLog(leaderLog, { term: 8, commit: leaderLog.length }));
      const follower = newTestNode(2, [1, 2, 3], {}, storageWithLog(flog, { term: 7 }));
      const net = new Network([lead, follower]); // node 3 is a black hole
      lead.node.campaign();
      net.stabilize();
      // Follower (d) has a longer last term and refuses its vote; node 3 grants one.
      net.send([msg({ type: MessageType.MsgVoteResp, from: 3, to: 1, term: 9 })]);
      expect(lead.node.status().role).toBe('leader');
      net.propose(1, 'x');
      const want = terms(lead.node.logEntries(1, 100) ?? []);
      expect(want).toEqual([...leaderLog, 9, 9]);
      expect(terms(follower.node.logEntries(1, 100) ?? [])).toEqual(want);
      expect(terms(follower.storage.entries(1, follower.storage.lastIndex() + 1, Infinity))).toEqual(want);
    });
  }

  // 5.3: "the leader decrements nextIndex and retries" — with the conflict hint it needs one
  // round trip per divergent term rather than per entry.
  it('a leader finds the match point of a long divergent follower in few round trips', () => {
    const leaderLog = [1, 1, ...Array<number>(50).fill(3)];
    const followerLog = [1, 1, ...Array<number>(50).fill(2)];
    const lead = newTestNode(1, [1, 2, 3], {}, storageWithLog(leaderLog, { term: 3 }));
    const follower = newTestNode(2, [1, 2, 3], {}, storageWithLog(followerLog, { term: 3 }));
    const net = new Network([lead, follower]);
    lead.node.campaign();
    net.stabilize();
    expect(lead.node.status().role).toBe('leader');
    const rejects = net.delivered.filter((m) => m.type === MessageType.MsgAppResp && m.reject);
    expect(rejects.length).toBeLessThanOrEqual(2);
    expect(terms(follower.node.logEntries(1, 100) ?? [])).toEqual(terms(lead.node.logEntries(1, 100) ?? []));
  });
});
