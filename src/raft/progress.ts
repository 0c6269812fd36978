// What a leader knows about one follower's log, and how it sends to it:
// * probe: Match unknown; one AppendEntries at a time, then wait for a reply or a heartbeat.
// * replicate: Match known; Next advances optimistically and up to a window of appends fly.
// * snapshot: the entries it needs are compacted; wait for it to install a snapshot.
import { assert } from '../common/index.js';
import { Inflights } from './inflights.js';

export const ProgressState = {
  probe: 'probe',
  replicate: 'replicate',
  snapshot: 'snapshot',
} as const;
export type ProgressState = (typeof ProgressState)[keyof typeof ProgressState];

export class Progress {
  /** Highest index known to be in the follower's (durable) log. */
  match = 0;
  /** Index of the next entry to send. Invariant: match < next. */
  next: number;
  state: ProgressState = ProgressState.probe;
  /** In snapshot state: the index of the snapshot sent. */
  pendingSnapshot = 0;
  /** Ticks spent in snapshot state, to retry a snapshot lost on the way. */
  snapshotTicks = 0;
  /** In probe state: an append is out; send nothing more until a reply or heartbeat reply. */
  probeSent = false;
  /** Leader ticks since this peer last replied to anything (check-quorum). */
  ticksSinceHeard = 0;
  isLearner: boolean;
  readonly inflights: Inflights;

  constructor(next: number, isLearner: boolean, inflightCountMax: number, inflightBytesMax: number) {
    this.next = next;
    this.isLearner = isLearner;
    this.inflights = new Inflights(inflightCountMax, inflightBytesMax);
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotTicks = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // After a snapshot the follower holds at least the snapshot: probe from there.
    const from = this.state === ProgressState.snapshot ? Math.max(this.match, this.pendingSnapshot) : this.match;
    this.resetState(ProgressState.probe);
    this.next = from + 1;
  }

  becomeReplicate(): void {
    this.resetState(ProgressState.replicate);
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState(ProgressState.snapshot);
    this.pendingSnapshot = snapshotIndex;
  }

  /** Bookkeeping after sending an append of `count` entries ending at `lastIndex`. */
  sentEntries(count: number, lastIndex: number, sizeBytes: number): void {
    if (this.state === ProgressState.replicate) {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex, sizeBytes);
      }
    } else if (this.state === ProgressState.probe) {
      this.probeSent = true;
    } else {
      assert(false, 'no appends are sent in snapshot state');
    }
  }

  /** An acknowledgement that the follower holds up to `index`. Returns false if stale. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /** A rejection of the append after `rejected`; `matchHint` bounds where the logs may agree.
   * Returns false if the rejection is stale (answers an append we no longer care about). */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === ProgressState.replicate) {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.probe:
        return this.probeSent;
      case ProgressState.replicate:
        return this.inflights.full();
      case ProgressState.snapshot:
        return true;
    }
  }
}
