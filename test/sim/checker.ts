// Safety invariants checked after every simulation event (Raft paper figure 3):
// * election safety: at most one leader per term;
// * log matching: one (index, term) names one entry everywhere; logs agreeing on an entry agree
//   on everything before it;
// * leader completeness / state machine safety: an index known committed anywhere always holds
//   the same entry, every new leader holds all of them, and every node applies the same
//   sequence (checked through a running hash per index);
// * ReadIndex linearizability: a read index is at least every index committed before the read.
import type { Entry, RaftNode } from '../../src/raft/index.js';
import { dataHash } from './state-machine.js';

export class Violation extends Error {
  override name = 'Violation';
}

interface CommittedEntry {
  readonly term: number;
  readonly dataHash: number;
}

export class SafetyChecker {
  private readonly leaderOfTerm = new Map<number, number>();
  private readonly committed = new Map<number, CommittedEntry>();
  private readonly entryAt = new Map<string, number>();
  private readonly hashAfter = new Map<number, number>();
  /** Per node: the highest commit index already compared against `committed`. */
  private readonly checkedCommit = new Map<number, number>();
  maxCommitted = 0;
  now = 0;

  fail(what: string): never {
    throw new Violation(`t=${this.now}ms ${what}`);
  }

  /** Called when a node is (re)started: its commit cursor is re-checked from its log start. */
  resetNode(id: number, node: RaftNode): void {
    this.checkedCommit.set(id, node.basicStatus().firstIndex - 1);
  }

  /** The highest commit index any node has reported. */
  maxCommitIndex = 0;

  observeNode(id: number, node: RaftNode): void {
    const s = node.basicStatus();
    if (s.commit > this.maxCommitIndex) this.maxCommitIndex = s.commit;
    if (!(s.applied <= s.commit && s.commit <= s.lastIndex)) {
      this.fail(`node ${id}: applied ${s.applied} <= commit ${s.commit} <= last ${s.lastIndex} broken`);
    }
    if (s.role === 'leader') this.observeLeader(id, s.term, node);
    this.observeCommit(id, node, s.commit, s.firstIndex);
  }

  private observeLeader(id: number, term: number, node: RaftNode): void {
    const known = this.leaderOfTerm.get(term);
    if (known === undefined) {
      this.leaderOfTerm.set(term, id);
      // Leader completeness: a new leader holds every entry committed before its election.
      const first = node.basicStatus().firstIndex;
      for (let i = first; i <= this.maxCommitted; i++) {
        const c = this.committed.get(i);
        if (c === undefined) continue;
        const t = node.logTerm(i);
        if (t !== c.term)
          this.fail(`leader ${id} of term ${term} lacks committed entry ${i} (term ${c.term}, has ${t})`);
      }
    } else if (known !== id) {
      this.fail(`two leaders in term ${term}: ${known} and ${id}`);
    }
  }

  private observeCommit(id: number, node: RaftNode, commit: number, firstIndex: number): void {
    let from = (this.checkedCommit.get(id) ?? 0) + 1;
    if (from > commit) return;
    from = Math.max(from, firstIndex);
    const entries = from <= commit ? (node.logEntries(from, commit + 1) ?? []) : [];
    for (const e of entries) {
      const known = this.committed.get(e.index);
      const h = dataHash(e.data);
      if (known === undefined) {
        this.committed.set(e.index, { term: e.term, dataHash: h });
        if (e.index > this.maxCommitted) this.maxCommitted = e.index;
      } else if (known.term !== e.term || known.dataHash !== h) {
        this.fail(`node ${id} committed entry ${e.index} term ${e.term}, but term ${known.term} was committed there`);
      }
    }
    this.checkedCommit.set(id, commit);
  }

  /** Entries a node persisted: one (index, term) must always carry the same data. */
  observeAppend(id: number, entries: readonly Entry[]): void {
    for (const e of entries) {
      const key = `${e.index}:${e.term}`;
      const h = dataHash(e.data) ^ (e.type === 'normal' ? 0 : 0x5bd1e995);
      const known = this.entryAt.get(key);
      if (known === undefined) this.entryAt.set(key, h);
      else if (known !== h) this.fail(`node ${id} holds a different entry at index ${e.index} term ${e.term}`);
    }
  }

  observeApply(id: number, index: number, hash: number): void {
    const known = this.hashAfter.get(index);
    if (known === undefined) this.hashAfter.set(index, hash);
    else if (known !== hash) this.fail(`node ${id} state after applying ${index} differs from another node's`);
  }

  observeSnapshotRestore(id: number, index: number, hash: number): void {
    const known = this.hashAfter.get(index);
    if (known !== undefined && known !== hash)
      this.fail(`node ${id} restored a snapshot at ${index} that differs from applied state`);
  }

  observeReadIndex(id: number, index: number, minIndex: number): void {
    if (index < minIndex)
      this.fail(`node ${id} got read index ${index} below ${minIndex}, committed before the read began`);
  }

  /** Log matching across every pair of running nodes (costly: run periodically). */
  checkLogMatching(nodes: ReadonlyArray<{ id: number; node: RaftNode }>): void {
    for (let a = 0; a < nodes.length; a++) {
      for (let b = a + 1; b < nodes.length; b++) {
        const x = nodes[a] as { id: number; node: RaftNode };
        const y = nodes[b] as { id: number; node: RaftNode };
        const sx = x.node.basicStatus();
        const sy = y.node.basicStatus();
        const lo = Math.max(sx.firstIndex, sy.firstIndex);
        const hi = Math.min(sx.lastIndex, sy.lastIndex);
        if (lo > hi) continue;
        const ex = x.node.logEntries(lo, hi + 1) ?? [];
        const ey = y.node.logEntries(lo, hi + 1) ?? [];
        let agreeAt = -1;
        for (let i = ex.length - 1; i >= 0; i--) {
          if (ex[i]?.term === ey[i]?.term) {
            agreeAt = i;
            break;
          }
        }
        for (let i = 0; i <= agreeAt; i++) {
          const p = ex[i] as Entry;
          const q = ey[i] as Entry;
          if (p.term !== q.term || dataHash(p.data) !== dataHash(q.data)) {
            this.fail(`log matching: nodes ${x.id} and ${y.id} agree at ${lo + agreeAt} but differ at ${p.index}`);
          }
        }
      }
    }
  }
}
