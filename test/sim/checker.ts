// Safety invariants checked after every simulation event (Raft paper figure 3), from what each
// real RaftDriver reports (status()), what it wrote to its store, what it applied and what it told
// its callers:
// * election safety: at most one leader per term;
// * log matching: one (index, term) names one entry everywhere; logs agreeing on an entry agree
//   on everything before it;
// * leader completeness / state machine safety: an index known committed anywhere always holds
//   the same entry, every new leader holds all of them, and every node applies the same
//   sequence (checked through a running hash per index);
// * ReadIndex linearizability: a read is served only once the node applied every index committed
//   before the read began;
// * proposal outcomes: a proposal the driver resolved is the entry committed at its index, and
//   one it called lost (ProposalDroppedError) never commits;
// * leader reports: a node's leader-change listeners hear only the leader of the term they are
//   told.
import type { Entry } from '../../src/raft/index.js';
import type { StoredLog } from './raft-store.js';
import { dataHash } from './state-machine.js';

export class Violation extends Error {
  override name = 'Violation';
}

/** The part of RaftDriver.status() the checker reads. */
export interface NodeStatus {
  readonly role: string;
  readonly term: number;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
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
  /** Per node: the highest stored commit index already compared against `committed`. */
  private readonly checkedCommit = new Map<number, number>();
  /** Proposals a driver resolved (index -> term and data), and ones it called lost. */
  private readonly acked = new Map<number, CommittedEntry>();
  private readonly lost = new Map<number, Set<number>>();
  /** Leader reports whose leader was not yet known when they were made. */
  private readonly unconfirmedReports: Array<{ id: number; leader: number; term: number }> = [];
  maxCommitted = 0;
  now = 0;

  fail(what: string): never {
    throw new Violation(`t=${this.now}ms ${what}`);
  }

  /** Called when a node is (re)started: its commit cursor is re-checked from its log start. */
  resetNode(id: number, log: StoredLog): void {
    this.checkedCommit.set(id, log.firstIndex - 1);
  }

  /** The highest commit index any node has reported. */
  maxCommitIndex = 0;

  observeNode(id: number, s: NodeStatus, log: StoredLog): void {
    if (s.commit > this.maxCommitIndex) this.maxCommitIndex = s.commit;
    if (!(s.applied <= s.commit && s.commit <= s.lastIndex)) {
      this.fail(`node ${id}: applied ${s.applied} <= commit ${s.commit} <= last ${s.lastIndex} broken`);
    }
    if (s.role === 'leader') this.observeLeader(id, s.term, log);
    this.observeCommit(id, log);
  }

  private observeLeader(id: number, term: number, log: StoredLog): void {
    const known = this.leaderOfTerm.get(term);
    if (known === undefined) {
      this.leaderOfTerm.set(term, id);
      // Leader completeness: a new leader holds every entry committed before its election (its
      // votes came after its log was stored, so the stored log is the one it won with).
      for (let i = log.firstIndex; i <= this.maxCommitted; i++) {
        const c = this.committed.get(i);
        if (c === undefined) continue;
        const t = log.term(i);
        if (t !== c.term)
          this.fail(`leader ${id} of term ${term} lacks committed entry ${i} (term ${c.term}, has ${t})`);
      }
    } else if (known !== id) {
      this.fail(`two leaders in term ${term}: ${known} and ${id}`);
    }
  }

  /** The entries up to the commit index the node stored (the hard state is written in the same
   * batch as the entries it covers, so the two always agree). */
  private observeCommit(id: number, log: StoredLog): void {
    const commit = log.hardState.commit;
    const from = Math.max((this.checkedCommit.get(id) ?? 0) + 1, log.firstIndex);
    if (from > commit) return;
    for (const e of log.slice(from, commit + 1)) {
      const known = this.committed.get(e.index);
      const h = dataHash(e.data);
      if (known === undefined) {
        this.committed.set(e.index, { term: e.term, dataHash: h });
        if (e.index > this.maxCommitted) this.maxCommitted = e.index;
        this.checkClaims(e.index, e.term, h);
      } else if (known.term !== e.term || known.dataHash !== h) {
        this.fail(`node ${id} committed entry ${e.index} term ${e.term}, but term ${known.term} was committed there`);
      }
    }
    this.checkedCommit.set(id, commit);
  }

  private checkClaims(index: number, term: number, hash: number): void {
    const acked = this.acked.get(index);
    if (acked !== undefined && (acked.term !== term || acked.dataHash !== hash)) {
      this.fail(`a proposal resolved at ${index} term ${acked.term}, but term ${term} committed there`);
    }
    if (this.lost.get(index)?.has(term) === true) {
      this.fail(`the proposal at ${index} term ${term} was reported lost, but it committed`);
    }
  }

  /** A driver resolved a proposal: its entry is the one committed at `index`. */
  observeAcked(index: number, term: number, data: Uint8Array): void {
    const hash = dataHash(data);
    const known = this.committed.get(index);
    if (known !== undefined && (known.term !== term || known.dataHash !== hash)) {
      this.fail(`a proposal resolved at ${index} term ${term}, but term ${known.term} committed there`);
    }
    this.acked.set(index, { term, dataHash: hash });
  }

  /** A driver said the proposal at (index, term) is certainly lost: it must never commit. */
  observeLost(index: number, term: number): void {
    if (this.committed.get(index)?.term === term) {
      this.fail(`the proposal at ${index} term ${term} was reported lost, but it committed`);
    }
    let terms = this.lost.get(index);
    if (terms === undefined) this.lost.set(index, (terms = new Set()));
    terms.add(term);
  }

  /** Node `id`'s leader-change listeners heard that `leader` (0: none) leads `term`. */
  observeLeaderReport(id: number, leader: number, term: number): void {
    if (leader === 0) return;
    const known = this.leaderOfTerm.get(term);
    if (known === undefined) this.unconfirmedReports.push({ id, leader, term });
    else if (known !== leader) this.fail(`node ${id} reported ${leader} as leader of term ${term}, led by ${known}`);
  }

  /** At the end of a run: every leader reported led the term it was reported with. */
  checkLeaderReports(): void {
    for (const { id, leader, term } of this.unconfirmedReports) {
      const known = this.leaderOfTerm.get(term);
      if (known !== leader) {
        this.fail(`node ${id} reported ${leader} as leader of term ${term}, led by ${known ?? 'nobody'}`);
      }
    }
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

  /** A read was served on a node that had applied `applied`; `minIndex` was committed before the
   * read began. */
  observeReadServed(id: number, applied: number, minIndex: number): void {
    if (applied < minIndex)
      this.fail(`node ${id} served a read at applied ${applied}, below ${minIndex} committed before the read began`);
  }

  /** Log matching across every pair of stored logs (costly: run periodically). */
  checkLogMatching(nodes: ReadonlyArray<{ id: number; log: StoredLog }>): void {
    for (let a = 0; a < nodes.length; a++) {
      for (let b = a + 1; b < nodes.length; b++) {
        const x = nodes[a] as { id: number; log: StoredLog };
        const y = nodes[b] as { id: number; log: StoredLog };
        const lo = Math.max(x.log.firstIndex, y.log.firstIndex);
        const hi = Math.min(x.log.lastIndex(), y.log.lastIndex());
        if (lo > hi) continue;
        const ex = x.log.slice(lo, hi + 1);
        const ey = y.log.slice(lo, hi + 1);
        let agreeAt = -1;
        for (let i = ex.length - 1; i >= 0; i--) {
          if (ex[i]?.term === ey[i]?.term) {
            agreeAt = i;
            break;
          }
        }
        // Same (index, term) means the same data: observeAppend holds every stored entry to that.
        for (let i = 0; i <= agreeAt; i++) {
          const p = ex[i] as Entry;
          const q = ey[i] as Entry;
          if (p.term !== q.term) {
            this.fail(`log matching: nodes ${x.id} and ${y.id} agree at ${lo + agreeAt} but differ at ${p.index}`);
          }
        }
      }
    }
  }
}
