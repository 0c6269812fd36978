// The configuration (voters, learners) and, on a leader, each member's Progress; votes during an
// election. Quorums are majorities of voters only: learners never vote or count.
import { Progress } from './progress.js';
import type { ConfState, NodeId } from './types.js';

export const VoteResult = {
  pending: 'pending',
  won: 'won',
  lost: 'lost',
} as const;
export type VoteResult = (typeof VoteResult)[keyof typeof VoteResult];

export class ProgressTracker {
  voters = new Set<NodeId>();
  learners = new Set<NodeId>();
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();

  constructor(
    private readonly inflightCountMax: number,
    private readonly inflightBytesMax: number,
  ) {}

  confState(): ConfState {
    return { voters: [...this.voters].sort((a, b) => a - b), learners: [...this.learners].sort((a, b) => a - b) };
  }

  isVoter(id: NodeId): boolean {
    return this.voters.has(id);
  }

  isMember(id: NodeId): boolean {
    return this.voters.has(id) || this.learners.has(id);
  }

  quorum(): number {
    return Math.floor(this.voters.size / 2) + 1;
  }

  /** Adopts a configuration; new members start probing from `nextIndex`. */
  setConf(conf: ConfState, nextIndex: number): void {
    this.voters = new Set(conf.voters);
    this.learners = new Set(conf.learners);
    for (const id of [...this.progress.keys()]) if (!this.isMember(id)) this.progress.delete(id);
    for (const id of [...this.voters, ...this.learners]) {
      const pr = this.progress.get(id);
      if (pr === undefined) {
        this.progress.set(id, this.newProgress(nextIndex, this.learners.has(id)));
      } else {
        pr.isLearner = this.learners.has(id);
      }
    }
  }

  /** Fresh progress for every member (a new leader knows nothing about followers). */
  resetProgress(nextIndex: number): void {
    for (const id of [...this.progress.keys()]) {
      this.progress.set(id, this.newProgress(nextIndex, this.learners.has(id)));
    }
  }

  private newProgress(nextIndex: number, isLearner: boolean): Progress {
    return new Progress(nextIndex, isLearner, this.inflightCountMax, this.inflightBytesMax);
  }

  /** The highest index held by a quorum of voters (0 with no voters: nothing can commit). */
  committedIndex(): number {
    if (this.voters.size === 0) return 0;
    const matches: number[] = [];
    for (const id of this.voters) matches.push(this.progress.get(id)?.match ?? 0);
    matches.sort((a, b) => b - a);
    return matches[this.quorum() - 1] ?? 0;
  }

  resetVotes(): void {
    this.votes.clear();
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  voteResult(): VoteResult {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voters) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    const q = this.quorum();
    if (granted >= q) return VoteResult.won;
    if (rejected > this.voters.size - q) return VoteResult.lost;
    return VoteResult.pending;
  }

  /** True if a quorum of voters counts as recently heard from (`self` always does). */
  quorumActive(self: NodeId, windowTicks: number): boolean {
    let active = 0;
    for (const id of this.voters) {
      if (id === self || (this.progress.get(id)?.ticksSinceHeard ?? Infinity) < windowTicks) active++;
    }
    return active >= this.quorum();
  }

  /** True if the acknowledging set holds a quorum of voters. */
  hasQuorum(acks: ReadonlySet<NodeId>): boolean {
    let n = 0;
    for (const id of this.voters) if (acks.has(id)) n++;
    return n >= this.quorum();
  }
}
