// The leader_append_fsync stage (common/metrics-stages.ts): how long each appended batch waits,
// from the start of its append, until the leader's log counts it as durable. Appends are noted
// with the log end they reach in a fixed ring (no allocation per batch); each flush round settles
// every noted append its durable end covers. When more appends wait than the ring holds (a flush
// that takes very long), the newest go unnoted: the figure is a sample then, never a wrong one.
import { type ProduceStages, stageNowMs } from '../common/index.js';

/** Appends awaiting one flush that are timed; a round under load covers a few dozen. */
const NOTED_APPENDS_MAX = 1024;

export class LeaderDurabilityTiming {
  private readonly endOffsets = new Float64Array(NOTED_APPENDS_MAX);
  private readonly startedAtMs = new Float64Array(NOTED_APPENDS_MAX);
  private head = 0;
  private count = 0;

  constructor(private readonly stages: ProduceStages) {}

  /** An append that started at `startedAtMs` made the log end `endOffset`. */
  appended(endOffset: number, startedAtMs: number): void {
    if (this.count === NOTED_APPENDS_MAX) return;
    const slot = (this.head + this.count) % NOTED_APPENDS_MAX;
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
    const newest = (this.head + this.count - 1) % NOTED_APPENDS_MAX;
    if ((this.endOffsets[newest] as number) > logEndOffset) {
      this.count = 0;
      return;
    }
    const now = stageNowMs();
    while (this.count > 0 && (this.endOffsets[this.head] as number) <= durableEndOffset) {
      this.stages.observe('leader_append_fsync', (now - (this.startedAtMs[this.head] as number)) / 1000);
      this.head = (this.head + 1) % NOTED_APPENDS_MAX;
      this.count--;
    }
  }
}
