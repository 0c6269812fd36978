// What a partition leader knows about one follower, and how it sends to it:
// * probe: where the follower's log ends is not known; one request at a time (with batches from
//   `nextOffset` when there are any), then wait for the answer or the request timeout;
// * divergence: the follower is not yet known to be a prefix; send it the answer to its last
//   divergence query (one at a time) until it reports success;
// * replicate: its log is a prefix up to `matchEndOffset`; batches flow ahead optimistically from
//   `nextOffset`, bounded by a window of requests and bytes.
import { assert } from '../../common/index.js';
import type { DivergenceAnswer } from './messages.js';

export const ProgressMode = {
  probe: 'probe',
  divergence: 'divergence',
  replicate: 'replicate',
} as const;
export type ProgressMode = (typeof ProgressMode)[keyof typeof ProgressMode];

interface InflightAppend {
  /** One past the last offset the request carried. */
  readonly endOffset: number;
  readonly sizeBytes: number;
  readonly sentMs: number;
}

/** A read-only copy of a follower's progress, for status pages and tests. */
export interface ProgressStatus {
  readonly replicaId: number;
  readonly mode: ProgressMode;
  readonly nextOffset: number;
  readonly matchEndOffset: number;
  readonly durableEndOffset: number;
  readonly holdsEpochMarker: boolean;
  readonly inflightRequests: number;
  readonly inflightBytes: number;
  readonly lastContactMs: number;
  /** When an answer last showed it at the leader's log end (-Infinity: not in this epoch). */
  readonly lastCaughtUpMs: number;
}

export class FollowerProgress {
  mode: ProgressMode = ProgressMode.probe;
  nextOffset: number;
  /** The follower's log is known to be a prefix of the leader's below this; -1 when unknown. */
  matchEndOffset = -1;
  /** Its durable end as last acknowledged with the marker held (counts toward HW only then). */
  durableEndOffset = -1;
  /** Sticky for the epoch: a durable marker with the log durable up to it survives crashes. */
  holdsEpochMarker = false;
  lastContactMs = Number.NEGATIVE_INFINITY;
  lastCaughtUpMs = Number.NEGATIVE_INFINITY;
  lastSentMs = Number.NEGATIVE_INFINITY;
  /** probe and divergence: when the one outstanding request left, or null when none is out. */
  awaitingSinceMs: number | null = null;
  divergence: DivergenceAnswer | null = null;
  private inflight: InflightAppend[] = [];
  private inflightBytesValue = 0;

  constructor(
    readonly replicaId: number,
    nextOffset: number,
    private readonly inflightRequestsMax: number,
    private readonly inflightBytesMax: number,
  ) {
    this.nextOffset = nextOffset;
  }

  get inflightRequests(): number {
    return this.inflight.length;
  }

  get inflightBytes(): number {
    return this.inflightBytesValue;
  }

  /** Room for one more request with batches. */
  get windowOpen(): boolean {
    return this.inflight.length < this.inflightRequestsMax && this.inflightBytesValue < this.inflightBytesMax;
  }

  /** Bytes the window still admits (at least one batch is always sent when the window is open). */
  get windowBytesLeft(): number {
    return Math.max(1, this.inflightBytesMax - this.inflightBytesValue);
  }

  oldestInflightSentMs(): number | null {
    return this.inflight[0]?.sentMs ?? null;
  }

  addInflight(endOffset: number, sizeBytes: number, sentMs: number): void {
    assert(this.windowOpen, `follower ${this.replicaId}: window overrun`);
    const last = this.inflight[this.inflight.length - 1];
    assert(last === undefined || endOffset > last.endOffset, 'in-flight appends go forward');
    this.inflight.push({ endOffset, sizeBytes, sentMs });
    this.inflightBytesValue += sizeBytes;
  }

  /** Forgets in-flight appends the follower's log now covers. */
  acknowledge(logEndOffset: number): void {
    while (this.inflight.length > 0 && (this.inflight[0] as InflightAppend).endOffset <= logEndOffset) {
      this.inflightBytesValue -= (this.inflight.shift() as InflightAppend).sizeBytes;
    }
  }

  /** Back to one request at a time from `nextOffset`. */
  becomeProbe(nextOffset: number): void {
    this.mode = ProgressMode.probe;
    this.nextOffset = nextOffset;
    this.clearInflight();
  }

  becomeDivergence(answer: DivergenceAnswer): void {
    this.mode = ProgressMode.divergence;
    this.divergence = answer;
    this.matchEndOffset = -1;
    this.clearInflight();
  }

  becomeReplicate(logEndOffset: number): void {
    this.mode = ProgressMode.replicate;
    this.nextOffset = logEndOffset;
    this.matchEndOffset = logEndOffset;
    this.clearInflight();
  }

  private clearInflight(): void {
    this.inflight = [];
    this.inflightBytesValue = 0;
    this.awaitingSinceMs = null;
    if (this.mode !== ProgressMode.divergence) this.divergence = null;
  }

  status(): ProgressStatus {
    return {
      replicaId: this.replicaId,
      mode: this.mode,
      nextOffset: this.nextOffset,
      matchEndOffset: this.matchEndOffset,
      durableEndOffset: this.durableEndOffset,
      holdsEpochMarker: this.holdsEpochMarker,
      inflightRequests: this.inflight.length,
      inflightBytes: this.inflightBytesValue,
      lastContactMs: this.lastContactMs,
      lastCaughtUpMs: this.lastCaughtUpMs,
    };
  }
}
