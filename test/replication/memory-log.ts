// An in-memory replica log for the pure core's unit tests, with PartitionLog's semantics where
// replication depends on them: batches with offsets and epochs, a page cache (everything appended)
// and a durable end, a leader-epoch checkpoint assigned like LeaderEpochCache (auto-assigned on
// append). The simulation runs the real PartitionLog on a SimDisk instead (test/sim/replication).
import { assert } from '../../src/common/assert.js';
import type { BatchInfo, EpochEntry, ReplicaLogView } from '../../src/replication/protocol/index.js';
import { lastEpochOf } from '../../src/replication/protocol/index.js';

export interface MemoryBatch extends BatchInfo {
  /** The unique client values, one per offset. */
  readonly values: readonly number[];
}

/** Bytes per record in the model (only flow control looks at sizes). */
export const RECORD_BYTES = 100;

export class MemoryLog implements ReplicaLogView {
  readonly logStartOffset = 0;
  private batches: MemoryBatch[] = [];
  private entries: EpochEntry[] = [];
  private durableEnd = 0;
  /** Bumped by truncation: a flush that started before it must not mark the new tail durable. */
  private generation = 0;

  get logEndOffset(): number {
    const last = this.batches[this.batches.length - 1];
    return last === undefined ? this.logStartOffset : last.lastOffset + 1;
  }

  get durableEndOffset(): number {
    return this.durableEnd;
  }

  get lastEpoch(): number {
    return lastEpochOf(this.entries);
  }

  get flushGeneration(): number {
    return this.generation;
  }

  epochEntries(): readonly EpochEntry[] {
    return this.entries;
  }

  allBatches(): readonly MemoryBatch[] {
    return this.batches;
  }

  /** The value stored at `offset`, or undefined beyond the log. */
  valueAt(offset: number): number | undefined {
    const b = this.batchAt(offset);
    return b === undefined ? undefined : b.values[offset - b.baseOffset];
  }

  batchAt(offset: number): MemoryBatch | undefined {
    let lo = 0;
    let hi = this.batches.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const b = this.batches[mid] as MemoryBatch;
      if (offset < b.baseOffset) hi = mid - 1;
      else if (offset > b.lastOffset) lo = mid + 1;
      else return b;
    }
    return undefined;
  }

  appendAsLeader(epoch: number, values: readonly number[]): MemoryBatch {
    assert(values.length > 0, 'a batch holds records');
    assert(epoch >= this.lastEpoch, 'a leader appends at its own epoch');
    const base = this.logEndOffset;
    const batch: MemoryBatch = {
      baseOffset: base,
      lastOffset: base + values.length - 1,
      epoch,
      sizeBytes: values.length * RECORD_BYTES,
      values: [...values],
    };
    this.batches.push(batch);
    if (epoch > this.lastEpoch) this.assign(epoch, base);
    return batch;
  }

  appendAsFollower(batches: readonly MemoryBatch[]): void {
    for (const b of batches) {
      assert(
        b.baseOffset === this.logEndOffset,
        `replicated batch at ${b.baseOffset} does not continue the log at ${this.logEndOffset}`,
      );
      this.batches.push(b);
      if (b.epoch > this.lastEpoch) this.assign(b.epoch, b.baseOffset);
    }
  }

  /** Whole batches from `fromOffset` (a batch boundary), at least one, at most maxBytes after the first. */
  read(fromOffset: number, maxBytes: number): MemoryBatch[] {
    const out: MemoryBatch[] = [];
    const first = this.batchAt(fromOffset);
    if (first === undefined || maxBytes <= 0) return out;
    assert(first.baseOffset === fromOffset, `reads start at batch boundaries (${fromOffset})`);
    let i = this.batches.indexOf(first);
    let bytes = 0;
    for (; i < this.batches.length; i++) {
      const b = this.batches[i] as MemoryBatch;
      if (out.length > 0 && bytes + b.sizeBytes > maxBytes) break;
      out.push(b);
      bytes += b.sizeBytes;
    }
    return out;
  }

  /**
   * Durably removes batches at or after `offset` and checkpoint entries starting at or after the
   * new log end (also at exactly the log end, as the replication protocol requires). An offset
   * inside a batch removes that whole batch, as PartitionLog.truncateTo does.
   */
  truncateTo(offset: number): void {
    assert(offset >= this.logStartOffset && offset <= this.logEndOffset, `truncation to ${offset} outside the log`);
    const keep = this.batches.findIndex((b) => b.lastOffset >= offset);
    if (keep >= 0) this.batches = this.batches.slice(0, keep);
    const end = this.logEndOffset;
    this.entries = this.entries.filter((e) => e.startOffset < end);
    this.durableEnd = Math.min(this.durableEnd, this.logEndOffset);
    this.generation++;
  }

  /** Durably records "epoch starts at startOffset" (LeaderEpochCache.assign + persist). */
  assignEpochStart(epoch: number, startOffset: number): void {
    assert(startOffset <= this.logEndOffset, `epoch ${epoch} cannot start beyond the log end`);
    this.assign(epoch, startOffset);
  }

  /** A flush that started when the log ended at `target` (in `generation`) completed. */
  completeFlush(target: number, generation: number): void {
    if (generation !== this.generation) return;
    const durable = Math.min(target, this.logEndOffset);
    if (durable > this.durableEnd) this.durableEnd = durable;
  }

  /** LeaderEpochCache.assign: a later start for the newest epoch is ignored; conflicting entries go. */
  private assign(epoch: number, startOffset: number): void {
    const last = this.entries[this.entries.length - 1];
    if (last !== undefined && last.epoch === epoch && last.startOffset <= startOffset) return;
    this.entries = this.entries.filter((e) => e.epoch < epoch && e.startOffset < startOffset);
    this.entries.push({ epoch, startOffset });
  }
}
