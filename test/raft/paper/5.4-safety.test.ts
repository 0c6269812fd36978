// Raft paper section 5.4 (safety): 5.4.1 election restriction, 5.4.2 committing entries from
// previous terms (figure 8), 5.4.3 the safety argument (leader completeness, no committed entry
// is ever removed).
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../../src/common/assert.js';
import { MemoryStorage, MessageType } from '../../../src/raft/index.js';
import { RaftLog } from '../../../src/raft/raft-log.js';
import { drain, entry, msg, Network, newTestNode, ofType, storageWithLog } from '../helpers.js';

describe('paper 5.4.1: election restriction', () => {
  // 5.4.1: "The RequestVote RPC ... includes information about the candidate's log."
  it('a candidate sends its last log index and term in RequestVote', () => {
    const t = newTestNode(1, [1, 2, 3], {}, storageWithLog([1, 1, 2], { term: 2 }));
    t.node.campaign();
    const votes = ofType(drain(t), MessageType.MsgVote);
    expect(votes).toHaveLength(2);
    for (const m of votes) expect(m).toMatchObject({ term: 3, index: 3, logTerm: 2 });
  });

  // 5.4.1: "the voter denies its vote if its own log is more up-to-date than that of the
  // candidate": later last term wins; equal last terms, the longer log wins.
  const cases = [
    { voter: [1, 1], logTerm: 1, index: 2, reject: false }, // same log
    { voter: [1, 1], logTerm: 1, index: 1, reject: true }, // candidate shorter, same term
    { voter: [1, 1], logTerm: 1, index: 3, reject: false }, // candidate longer
    { voter: [1, 1], logTerm: 2, index: 1, reject: false }, // candidate later term, shorter
    { voter: [2, 2], logTerm: 1, index: 5, reject: true }, // candidate earlier term, longer
    { voter: [1, 2], logTerm: 2, index: 2, reject: false },
    { voter: [1, 2], logTerm: 1, index: 3, reject: true },
  ];
  for (const c of cases) {
    it(`a voter with log terms ${JSON.stringify(c.voter)} ${c.reject ? 'refuses' : 'grants'} a candidate with last (index ${c.index}, term ${c.logTerm})`, () => {
      const t = newTestNode(1, [1, 2, 3], {}, storageWithLog(c.voter, { term: 2 }));
      t.node.step(msg({ type: MessageType.MsgVote, from: 2, to: 1, term: 3, index: c.index, logTerm: c.logTerm }));
      const resp = ofType(drain(t), MessageType.MsgVoteResp)[0];
      expect(resp?.reject).toBe(c.reject);
    });
  }

  // 5.4.1 consequence (Leader Completeness): a leader elected after entries were committed holds
  // them all.
  it('a newly elected leader holds every committed entry', () => {
    const net = Network.of(3);
    net.campaign(1);
    net.propose(1, 'a');
    net.propose(1, 'b');
    const committed = net.get(1).node.status().commit;
    expect(committed).toBe(3);
    net.isolate(1);
    net.campaign(2);
    expect(net.get(2).node.status().role).toBe('leader');
    const log = net.get(2).node.logEntries(1, committed + 1) ?? [];
    expect(log.map((e) => e.index)).toEqual([1, 2, 3]);
    expect(log.map((e) => e.term)).toEqual((net.get(1).node.logEntries(1, committed + 1) ?? []).map((e) => e.term));
  });
});

describe('paper 5.4.2: committing entries from previous terms', () => {
  // 5.4.2: "Raft never commits log entries from previous terms by counting replicas. Only log
  // entries from the leader's current term are committed by counting replicas."
  it('a leader does not commit an earlier-term entry by counting replicas, only its own term', () => {
    const t = newTestNode(1, [1, 2, 3], {}, storageWithLog([1, 2], { term: 2 }));
    t.node.campaign();
    t.node.step(msg({ type: MessageType.MsgVoteResp, from: 2, to: 1, term: 3 }));
    drain(t);
    expect(t.node.status()).toMatchObject({ role: 'leader', term: 3, lastIndex: 3 });
    t.node.step(msg({ type: MessageType.MsgAppResp, from: 2, to: 1, term: 3, index: 1 }));
    expect(t.node.status().commit).toBe(0);
    t.node.step(msg({ type: MessageType.MsgAppResp, from: 2, to: 1, term: 3, index: 2 }));
    expect(t.node.status().commit).toBe(0); // index 2 (term 2) is on a majority but not committed
    t.node.step(msg({ type: MessageType.MsgAppResp, from: 2, to: 1, term: 3, index: 3 }));
    expect(t.node.status().commit).toBe(3);
  });

  // 5.4.2: a new leader appends a no-op of its own term, so earlier entries commit (indirectly)
  // without waiting for a client request.
  it('a new leader appends an empty entry of its term', () => {
    const t = newTestNode(1, [1, 2, 3], {}, storageWithLog([1, 2], { term: 2 }));
    t.node.campaign();
    t.node.step(msg({ type: MessageType.MsgVoteResp, from: 2, to: 1, term: 3 }));
    const rd = t.node.ready();
    expect(rd.entries).toHaveLength(1);
    expect(rd.entries[0]).toMatchObject({ index: 3, term: 3, type: 'normal' });
    expect(rd.entries[0]?.data.byteLength).toBe(0);
    t.node.advance(rd);
  });

  // Figure 8: (c) S1, leader in term 4, has replicated its term-2 entry at index 2 to a
  // majority; (d) it is still not committed, because S5 (last term 3) can be elected by S2, S3
  // and S4 and overwrite it. Only once S1 replicates an entry of term 4 is index 2 safe.
  it('figure 8: an earlier-term entry on a majority can still be overwritten, so it is not committed', () => {
    const peers = [1, 2, 3, 4, 5];
    const s1 = newTestNode(1, peers, {}, storageWithLog([1, 2], { term: 3 }));
    s1.node.campaign();
    s1.node.step(msg({ type: MessageType.MsgVoteResp, from: 2, to: 1, term: 4 }));
    s1.node.step(msg({ type: MessageType.MsgVoteResp, from: 3, to: 1, term: 4 }));
    drain(s1);
    expect(s1.node.status().role).toBe('leader');
    // S2 and S3 hold index 2 (term 2) — a majority with S1 — but not yet the term-4 no-op.
    s1.node.step(msg({ type: MessageType.MsgAppResp, from: 2, to: 1, term: 4, index: 2 }));
    s1.node.step(msg({ type: MessageType.MsgAppResp, from: 3, to: 1, term: 4, index: 2 }));
    expect(s1.node.status().commit).toBe(0);

    // (d): S5 with a term-3 entry at index 2 wins votes from S2, S3 and S4 ...
    const s3 = newTestNode(3, peers, {}, storageWithLog([1, 2], { term: 4 }));
    s3.node.step(msg({ type: MessageType.MsgVote, from: 5, to: 3, term: 5, index: 2, logTerm: 3 }));
    expect(ofType(drain(s3), MessageType.MsgVoteResp)[0]?.reject).toBe(false);
    // ... and its append overwrites S3's term-2 entry at index 2.
    s3.node.step(
      msg({
        type: MessageType.MsgApp,
        from: 5,
        to: 3,
        term: 5,
        index: 1,
        logTerm: 1,
        entries: [entry(3, 2), entry(5, 3)],
      }),
    );
    drain(s3);
    expect(s3.node.logEntries(1, 10)?.map((e) => e.term)).toEqual([1, 3, 5]);

    // (e): once S1 replicates its term-4 entry to a majority, everything up to it commits.
    s1.node.step(msg({ type: MessageType.MsgAppResp, from: 2, to: 1, term: 4, index: 3 }));
    s1.node.step(msg({ type: MessageType.MsgAppResp, from: 3, to: 1, term: 4, index: 3 }));
    expect(s1.node.status().commit).toBe(3);
  });
});

describe('paper 5.4.3: safety argument', () => {
  // 5.4.3 relies on committed entries never being removed. Truncating a committed entry means
  // a bug elsewhere; the log refuses with a fatal assertion.
  it('truncating a committed entry is a fatal assertion', () => {
    const storage = storageWithLog([1, 1, 1], { term: 1, commit: 2 });
    const log = new RaftLog(storage);
    log.committed = 2;
    expect(() => log.append([entry(2, 2)])).toThrow(AssertionError);
    expect(() => log.append([entry(2, 3)])).not.toThrow();
  });

  // The invariant applied <= committed <= lastIndex is asserted where the cursors move.
  it('committing past the last index or applying past the commit index is a fatal assertion', () => {
    const log = new RaftLog(storageWithLog([1, 1], { term: 1 }));
    expect(() => log.commitTo(3)).toThrow(AssertionError);
    log.commitTo(1);
    expect(() => log.appliedTo(2)).toThrow(AssertionError);
    log.appliedTo(1);
    expect(log.applied).toBe(1);
  });

  // Figure 3 "Leader Append-Only": a leader never overwrites or deletes entries in its log;
  // another leader's AppendEntries in the same term would mean two leaders in a term.
  it('a leader asserts rather than accept AppendEntries from another leader of its term', () => {
    const t = newTestNode(1, [1, 2, 3]);
    t.node.campaign();
    t.node.step(msg({ type: MessageType.MsgVoteResp, from: 2, to: 1, term: 1 }));
    drain(t);
    expect(() =>
      t.node.step(msg({ type: MessageType.MsgApp, from: 3, to: 1, term: 1, entries: [entry(1, 1)] })),
    ).toThrow(AssertionError);
  });

  it('an empty MemoryStorage starts with no entries and term 0', () => {
    const s = new MemoryStorage();
    expect([s.firstIndex(), s.lastIndex(), s.term(0)]).toEqual([1, 0, 0]);
  });
});
