// The leader_append_fsync stage (common/metrics-stages.ts): how long each appended batch waits,
// from the start of its append, until the leader's log counts it as durable. Appends are noted
// with the log end they reach in a ring (no allocation per batch once it has grown); each flush
// round settles every noted append its durable end covers. When more appends wait than the ring
// holds at most (a flush that takes very long), the newest go unnoted: the figure is a sample
// then, never a wrong one.
//
// The ring starts small and doubles when full: every partition a node leads has one, and a ring of
// the largest size from the start was 16 KiB per partition, 16 MB of a node's memory at 1,000
// partitions (docs/operations.md, "Many partitions"), while most partitions never have more than a
// few appends waiting for one flush.
import { assert, type ProduceStages, stageNowMs } from '../common/index.js';

/** Appends awaiting one flush that are timed; a round under load covers a few dozen. */
export const NOTED_APPENDS_MAX = 1024;
/** The ring's first capacity (a power of two, as every capacity it doubles to). */
const NOTED_APPENDS_INITIAL = 8;

export class LeaderDurabilityTiming {
  private endOffsets = new Float64Array(NOTED_APPENDS_INITIAL);
  private startedAtMs = new Float64Array(NOTED_APPENDS_INITIAL);
  private head = 0;
  private count = 0;

  constructor(private readonly stages: ProduceStages) {}

  /** An append that started at `startedAtMs` made the log end `endOffset`. */
  appended(endOffset: number, startedAtMs: number): void {
    if (this.count === this.endOffsets.length) {
      if (this.count === NOTED_APPENDS_MAX) return;
      this.grow();
    }
    const slot = (this.head + this.count) % this.endOffsets.length;
    this.endOffsets[slot] = endOffset;
    this.startedAtMs[slot] = startedAtMs;
    this.count++;
  }

  /**
   * The log counts offsets below `durableEndOffset` as durable now. Appends noted beyond
   * `logEndOffset` were truncated away (this replica stepped down and followed a new leader):
   * their times would mean nothing, so all noted appends are dropped.
   */
  durable(durableEndOffset: number, logEndOffset: number): void {
    if (this.count === 0) return;
    const newest = (this.head + this.count - 1) % this.endOffsets.length;
    if ((this.endOffsets[newest] as number) > logEndOffset) {
      this.count = 0;
      return;
    }
    const now = stageNowMs();
    while (this.count > 0 && (this.endOffsets[this.head] as number) <= durableEndOffset) {
      this.stages.observe('leader_append_fsync', (now - (this.startedAtMs[this.head] as number)) / 1000);
      this.head = (this.head + 1) % this.endOffsets.length;
      this.count--;
    }
  }

  /** Twice the capacity, the noted appends copied oldest first to its start. */
  private grow(): void {
    const capacity = this.endOffsets.length * 2;
    assert(capacity <= NOTED_APPENDS_MAX, `durability timing ring of ${capacity}`);
    const endOffsets = new Float64Array(capacity);
    const startedAtMs = new Float64Array(capacity);
    for (let i = 0; i < this.count; i++) {
      const slot = (this.head + i) % this.endOffsets.length;
      endOffsets[i] = this.endOffsets[slot] as number;
      startedAtMs[i] = this.startedAtMs[slot] as number;
    }
    this.endOffsets = endOffsets;
    this.startedAtMs = startedAtMs;
    this.head = 0;
  }

  /** Appends the ring can hold before it grows again (for tests). */
  get capacity(): number {
    return this.endOffsets.length;
  }
}
