// Flow control and batching (etcd-io/raft tracker/progress.go, inflights.go): a probing
// follower gets one append at a time; a replicating one gets a pipeline bounded by a count and
// a byte window; proposals between two Readies leave as one batch; a leader that cannot commit
// refuses proposals past an uncommitted-bytes budget instead of growing without bound.
import { describe, expect, it } from 'vitest';
import type { RaftConfig } from '../../src/raft/index.js';
import { MessageType, ProgressState, ProposalRefusal } from '../../src/raft/index.js';
import { Inflights } from '../../src/raft/inflights.js';
import type { TestNode } from './helpers.js';
import { drain, enc, msg, newTestNode, ofType } from './helpers.js';

/** Node 1 as leader of [1, 2, 3], with node 2 in the given progress state. */
function leader(cfg: Partial<RaftConfig> = {}, replicate = true): TestNode {
  const t = newTestNode(1, [1, 2, 3], cfg);
  t.node.campaign();
  t.node.step(msg({ type: MessageType.MsgVoteResp, from: 2, to: 1, term: 1 }));
  drain(t);
  if (replicate) {
    t.node.step(msg({ type: MessageType.MsgAppResp, from: 2, to: 1, term: 1, index: 1 }));
    drain(t);
    expect(t.node.status().progress.get(2)?.state).toBe(ProgressState.replicate);
  }
  return t;
}

const appsTo = (msgs: ReturnType<typeof drain>, to: number) =>
  ofType(msgs, MessageType.MsgApp).filter((m) => m.to === to);

describe('flow control', () => {
  it('a probing follower gets one append until it answers', () => {
    const t = leader({}, false);
    expect(t.node.status().progress.get(3)?.state).toBe(ProgressState.probe);
    for (let i = 0; i < 5; i++) {
      t.node.propose(enc(`x${i}`));
      expect(appsTo(drain(t), 3)).toEqual([]); // the election's probe is still unanswered
    }
    t.node.step(msg({ type: MessageType.MsgHeartbeatResp, from: 3, to: 1, term: 1 }));
    expect(appsTo(drain(t), 3)).toHaveLength(1);
  });

  it('a replicating follower gets a pipeline of at most maxInflightMsgs appends', () => {
    const t = leader({ maxInflightMsgs: 3 });
    let sent = 0;
    for (let i = 0; i < 10; i++) {
      t.node.propose(enc(`x${i}`));
      sent += appsTo(drain(t), 2).length;
    }
    expect(sent).toBe(3);
    expect(t.node.status().progress.get(2)?.inflight).toBe(3);
    // An ack for the first frees a slot; the rest is sent in one go (batched).
    t.node.step(msg({ type: MessageType.MsgAppResp, from: 2, to: 1, term: 1, index: 2 }));
    const next = appsTo(drain(t), 2);
    expect(next.length).toBeGreaterThanOrEqual(1);
    expect(next.flatMap((m) => m.entries.map((e) => e.index))).toContain(11);
  });

  it('the in-flight window is also bounded in bytes', () => {
    const t = leader({ maxInflightBytes: 300, maxSizePerMsgBytes: 100 });
    let sent = 0;
    for (let i = 0; i < 20; i++) {
      t.node.propose(new Uint8Array(80));
      sent += appsTo(drain(t), 2).length;
    }
    expect(sent).toBe(3); // 3 x ~104 bytes reach the 300-byte window
  });

  it('proposals made between two Readies leave as one batched append per follower', () => {
    const t = leader();
    for (let i = 0; i < 5; i++) t.node.propose(enc(`x${i}`));
    const apps = appsTo(drain(t), 2);
    expect(apps).toHaveLength(1);
    expect(apps[0]?.entries.map((e) => e.index)).toEqual([2, 3, 4, 5, 6]);
  });

  it('a batch larger than maxSizePerMsgBytes is split across messages', () => {
    const t = leader({ maxSizePerMsgBytes: 100 });
    for (let i = 0; i < 4; i++) t.node.propose(new Uint8Array(60));
    drain(t);
    t.node.step(msg({ type: MessageType.MsgAppResp, from: 3, to: 1, term: 1, index: 1 }));
    const apps = appsTo(drain(t), 3);
    expect(apps.length).toBeGreaterThan(1);
    for (const m of apps) expect(m.entries.length).toBe(1);
  });

  it('a leader that cannot commit refuses proposals past maxUncommittedBytes, and accepts again once they commit', () => {
    const t = leader({ maxUncommittedBytes: 1000, maxProposalBytes: 400 });
    expect(t.node.propose(new Uint8Array(400)).ok).toBe(true);
    expect(t.node.propose(new Uint8Array(400)).ok).toBe(true);
    expect(t.node.propose(new Uint8Array(400))).toMatchObject({ ok: false, reason: ProposalRefusal.uncommittedLimit });
    drain(t);
    t.node.step(msg({ type: MessageType.MsgAppResp, from: 2, to: 1, term: 1, index: 3 }));
    drain(t); // applied: the budget is released
    expect(t.node.propose(new Uint8Array(400)).ok).toBe(true);
  });

  it('a proposal larger than maxProposalBytes is refused', () => {
    const t = leader({ maxProposalBytes: 100 });
    expect(t.node.propose(new Uint8Array(101))).toMatchObject({ ok: false, reason: ProposalRefusal.tooLarge });
  });

  it('an unreachable follower falls back from pipelining to probing', () => {
    const t = leader();
    t.node.reportUnreachable(2);
    expect(t.node.status().progress.get(2)?.state).toBe(ProgressState.probe);
  });

  it('a full window is unblocked by a heartbeat reply when appends were lost', () => {
    const t = leader({ maxInflightMsgs: 2 });
    for (let i = 0; i < 4; i++) {
      t.node.propose(enc(`x${i}`));
      drain(t); // all lost
    }
    expect(t.node.status().progress.get(2)?.inflight).toBe(2);
    t.node.step(msg({ type: MessageType.MsgHeartbeatResp, from: 2, to: 1, term: 1 }));
    const apps = appsTo(drain(t), 2);
    expect(apps).toHaveLength(1);
    // The follower lacks what came before, rejects, and the leader probes from its match.
    const m = apps[0];
    t.node.step(
      msg({
        type: MessageType.MsgAppResp,
        from: 2,
        to: 1,
        term: 1,
        index: m?.index ?? 0,
        reject: true,
        rejectHint: 1,
        logTerm: 1,
      }),
    );
    const resent = appsTo(drain(t), 2);
    expect(resent[0]?.index).toBe(1);
    expect(resent[0]?.entries.map((e) => e.index)).toEqual([2, 3, 4, 5]);
  });

  it('Inflights holds a bounded ring of (index, bytes)', () => {
    const w = new Inflights(3, 0);
    w.add(1, 10);
    w.add(2, 10);
    w.add(5, 10);
    expect(w.full()).toBe(true);
    w.freeLE(2);
    expect([w.size(), w.sizeBytes(), w.full()]).toEqual([1, 10, false]);
    w.add(6, 5);
    w.add(7, 5);
    w.freeLE(100);
    expect(w.size()).toBe(0);
  });
});
