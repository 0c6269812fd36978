// The Ready/advance contract the driver relies on (src/raft/ready.ts).
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/common/assert.js';
import { MemoryStorage, MessageType, RaftNode } from '../../src/raft/index.js';
import { cycle, drain, enc, entry, msg, newTestNode, ofType } from './helpers.js';

describe('Ready and advance', () => {
  it('a fresh node has nothing to do', () => {
    const t = newTestNode(1, [1, 2, 3]);
    expect(t.node.hasReady()).toBe(false);
  });

  it('reports role and leader changes as softState, once', () => {
    const t = newTestNode(1, [1]);
    t.node.campaign();
    const rd = cycle(t);
    expect(rd.softState).toEqual({ lead: 1, role: 'leader' });
    t.node.propose(enc('x'));
    expect(cycle(t).softState).toBeUndefined();
  });

  it('a single-node leader commits its own entry in the same Ready that persists it', () => {
    const t = newTestNode(1, [1]);
    t.node.campaign();
    cycle(t);
    t.node.propose(enc('x'));
    const rd = cycle(t);
    expect(rd.entries.map((e) => e.index)).toEqual([2]);
    expect(rd.committedEntries.map((e) => e.index)).toEqual([2]);
    expect(rd.hardState?.commit).toBe(2);
    expect(rd.mustSync).toBe(true);
  });

  it('a commit-only change does not require fsync', () => {
    const t = newTestNode(2, [1, 2, 3]);
    t.node.step(
      msg({ type: MessageType.MsgApp, from: 1, to: 2, term: 1, index: 0, logTerm: 0, entries: [entry(1, 1)] }),
    );
    cycle(t);
    t.node.step(msg({ type: MessageType.MsgHeartbeat, from: 1, to: 2, term: 1, commit: 1 }));
    const rd = cycle(t);
    expect(rd.hardState?.commit).toBe(1);
    expect(rd.mustSync).toBe(false);
  });

  it('asks for the stored suffix to be overwritten when a new leader replaces it', () => {
    const t = newTestNode(2, [1, 2, 3]);
    t.node.step(
      msg({
        type: MessageType.MsgApp,
        from: 1,
        to: 2,
        term: 1,
        index: 0,
        logTerm: 0,
        entries: [entry(1, 1), entry(1, 2), entry(1, 3)],
      }),
    );
    cycle(t);
    t.node.step(
      msg({ type: MessageType.MsgApp, from: 3, to: 2, term: 2, index: 1, logTerm: 1, entries: [entry(2, 2)] }),
    );
    const rd = cycle(t);
    expect(rd.entries.map((e) => [e.index, e.term])).toEqual([[2, 2]]);
    expect(t.storage.lastIndex()).toBe(2);
    expect(t.storage.term(2)).toBe(2);
  });

  it('steps between ready() and advance() are kept for the next Ready', () => {
    const t = newTestNode(2, [1, 2, 3]);
    t.node.step(
      msg({ type: MessageType.MsgApp, from: 1, to: 2, term: 1, index: 0, logTerm: 0, entries: [entry(1, 1)] }),
    );
    const rd = t.node.ready();
    t.node.step(
      msg({ type: MessageType.MsgApp, from: 1, to: 2, term: 1, index: 1, logTerm: 1, entries: [entry(1, 2)] }),
    );
    t.storage.append(rd.entries);
    if (rd.hardState) t.storage.setHardState(rd.hardState);
    t.node.advance(rd);
    const next = t.node.ready();
    expect(next.entries.map((e) => e.index)).toEqual([2]);
    expect(ofType(next.messages, MessageType.MsgAppResp)[0]?.index).toBe(2);
    t.node.advance(next);
  });

  it('refuses a second ready() before advance()', () => {
    const t = newTestNode(1, [1]);
    t.node.campaign();
    t.node.ready();
    expect(() => t.node.ready()).toThrow(AssertionError);
  });

  it('restarts re-deliver committed entries after the applied index given in the config', () => {
    const t = newTestNode(1, [1]);
    t.node.campaign();
    drain(t);
    for (const s of ['a', 'b', 'c']) t.node.propose(enc(s));
    drain(t);
    const restarted = new RaftNode({ id: 1, peers: [1], applied: 2 }, t.storage);
    const rd = restarted.ready();
    expect(rd.committedEntries.map((e) => e.index)).toEqual([3, 4]);
    restarted.advance(rd);
  });

  it('a stored commit beyond the stored log is refused at start', () => {
    const s = new MemoryStorage();
    s.setHardState({ term: 1, vote: 0, commit: 5 });
    expect(() => new RaftNode({ id: 1, peers: [1] }, s)).toThrow(AssertionError);
  });

  it('refuses a bad configuration with a ConfigError naming the setting', () => {
    const s = new MemoryStorage();
    expect(() => new RaftNode({ id: 1, peers: [1], electionTicks: 4 }, s)).toThrow(/electionTicks/);
    expect(() => new RaftNode({ id: 0, peers: [1] }, s)).toThrow(/id/);
    expect(() => new RaftNode({ id: 1, peers: [1], heartbeatTicks: 5, electionTicks: 5 }, s)).toThrow(/electionTicks/);
  });
});
