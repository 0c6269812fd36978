// The producer state of a partition log (producer-state.ts: idempotence and transactions) across
// restarts and truncations: a snapshot of it is taken at every roll (kept in memory, written to
// `producer-state.snapshot` off the append path, not fsynced: the log can rebuild it) and on a
// clean close; opening and truncating rebuild the state from the newest usable snapshot plus the
// batches after it, transaction markers included. The replay also refills the txn indexes of the
// segments recovery flagged (missing, damaged or scanned .txnindex).
import path from 'node:path';
import type { Logger } from '../common/index.js';
import type { Disk } from './disk.js';
import type { SerialWrites } from './file-io.js';
import { readMarker, type TxnMarker } from './control-record.js';
import type { LogSegments } from './log-segments.js';
import { ProducerStateManager } from './producer-state.js';
import { type BatchHeader, isControlBatch } from './record-batch.js';

export const PRODUCER_SNAPSHOT_FILE = 'producer-state.snapshot';

export class ProducerSnapshots {
  readonly state = new ProducerStateManager();
  /** The state as of a recent offset (a batch boundary, taken at roll and open): truncation restarts from it. */
  private latest: { offset: number; text: string } | null = null;

  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
    private readonly segments: LogSegments,
    private readonly writes: SerialWrites,
  ) {}

  /** The snapshot file's text, or null when there is none. */
  static async read(disk: Disk, dir: string): Promise<string | null> {
    return (await disk.readFile(path.join(dir, PRODUCER_SNAPSHOT_FILE)))?.toString('utf8') ?? null;
  }

  /** Snapshots the state at the log end (a roll): in memory now, in the file soon. */
  takeAtLogEnd(): void {
    const offset = this.segments.logEndOffset;
    const text = this.state.serialize(offset);
    this.latest = { offset, text };
    // Rebuildable from the log, so not fsynced; written off the append path.
    this.write(text, false).catch((err: unknown) =>
      this.logger.warn({ dir: this.dir, err }, 'producer snapshot write failed'),
    );
  }

  /**
   * Rebuilds the state from `snapshotText` (the file, at open) or else the in-memory snapshot (after
   * a truncation) when it is within the log, then from the batches after it to the log end.
   */
  async rebuild(snapshotText: string | null, rebuildTxnFrom = Infinity): Promise<void> {
    const { state, segments } = this;
    state.clear();
    const end = segments.logEndOffset;
    let from = segments.logStartOffset;
    /** Batches starting below this are in the snapshot (a batch boundary: the log end when it was taken). */
    let snapshotOffset = 0;
    const candidate = snapshotText ?? (this.latest && this.latest.offset <= end ? this.latest.text : null);
    if (candidate !== null) {
      const offset = state.restore(candidate);
      // A txn index rebuild needs every marker from its first segment on: a later snapshot is no use.
      if (offset !== null && offset <= end && offset <= Math.max(rebuildTxnFrom, from)) {
        snapshotOffset = offset;
        from = Math.max(offset, segments.logStartOffset);
        // What the snapshot knew of producers gone below the log start is stale.
        state.truncateHead(segments.logStartOffset);
      } else {
        state.clear();
      }
    }
    // The batch holding the log start counts too (DeleteRecords may have cut inside it).
    await segments.forEachBatchFrom(
      from,
      (header, segment, _position, batch) => {
        if (header.baseOffset >= end) return false;
        if (header.baseOffset < snapshotOffset) return true;
        const aborted = state.applyStored(header, this.storedMarker(header, batch), header.baseOffset);
        if (aborted && segment.txnIndexNeedsRebuild && header.baseOffset >= rebuildTxnFrom)
          segment.txnIndex.append(aborted);
        return true;
      },
      true,
    );
    for (const segment of segments.all) segment.txnIndexNeedsRebuild = false;
    this.latest = { offset: end, text: state.serialize(end) };
  }

  /** The marker a stored control batch carries; an unreadable one is skipped with a warning. */
  private storedMarker(header: BatchHeader, batch: Buffer | null): TxnMarker | null {
    if (!isControlBatch(header.attributes) || batch === null) return null;
    try {
      return readMarker(batch);
    } catch (err) {
      this.logger.warn({ dir: this.dir, offset: header.baseOffset, err }, 'unreadable transaction marker skipped');
      return null;
    }
  }

  /**
   * After a truncation: the snapshot file must not describe removed batches, so the rebuilt one is
   * written durably.
   */
  writeLatestDurably(): Promise<void> {
    const latest = this.latest;
    const text = latest?.text ?? this.state.serialize(this.segments.logEndOffset);
    return this.write(text, true);
  }

  /** The log was emptied and restarts at `offset`: no producer is known any more. */
  async reset(offset: number): Promise<void> {
    this.state.clear();
    this.latest = { offset, text: this.state.serialize(offset) };
    await this.write(this.latest.text, true);
  }

  /** On a clean close: the state at the log end, so the next open need not rescan. */
  writeOnClose(): Promise<void> {
    return this.write(this.state.serialize(this.segments.logEndOffset), false);
  }

  private write(text: string, durable: boolean): Promise<void> {
    return this.writes.replace(path.join(this.dir, PRODUCER_SNAPSHOT_FILE), () => text, durable);
  }
}
