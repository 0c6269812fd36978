// The producer state of a partition log (producer-state.ts: idempotence and transactions) across
// restarts and truncations: a snapshot of it is taken at every roll (kept in memory, written off
// the append path, not fsynced: the log can rebuild it) and on a clean close; opening and
// truncating rebuild the state from the newest usable snapshot plus the batches after it,
// transaction markers included. The replay also refills the txn indexes of the segments recovery
// flagged (missing, damaged or scanned .txnindex), so it must start at or before the first of
// them. Two files: `producer-state.snapshot`, the newest (roll, clean close, truncation), and
// `producer-state.segment.snapshot`, the state where the active segment starts (roll, truncation):
// after a clean restart and a crash before the next roll, the active segment is scanned and its
// aborts are replayed from there instead of from the log start.
import path from 'node:path';
import type { Logger } from '../common/index.js';
import type { Disk } from './disk.js';
import type { SerialWrites } from './file-io.js';
import { readMarker, type TxnMarker } from './control-record.js';
import type { LogSegments } from './log-segments.js';
import { ProducerStateManager } from './producer-state.js';
import { type BatchHeader, isControlBatch } from './record-batch.js';

export const PRODUCER_SNAPSHOT_FILE = 'producer-state.snapshot';
export const SEGMENT_SNAPSHOT_FILE = 'producer-state.segment.snapshot';

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

  /** The snapshot files' texts (the newest first), those that exist. */
  static async read(disk: Disk, dir: string): Promise<string[]> {
    const texts: string[] = [];
    for (const name of [PRODUCER_SNAPSHOT_FILE, SEGMENT_SNAPSHOT_FILE]) {
      const bytes = await disk.readFile(path.join(dir, name));
      if (bytes !== null) texts.push(bytes.toString('utf8'));
    }
    return texts;
  }

  /** Snapshots the state at the log end (a roll): in memory now, in the file soon. */
  takeAtLogEnd(): void {
    const offset = this.segments.logEndOffset;
    const text = this.state.serialize(offset);
    this.latest = { offset, text };
    // Rebuildable from the log, so not fsynced; written off the append path.
    const written = Promise.all([this.write(text, false), this.write(text, false, SEGMENT_SNAPSHOT_FILE)]);
    written.catch((err: unknown) => this.logger.warn({ dir: this.dir, err }, 'producer snapshot write failed'));
  }

  /**
   * Rebuilds the state from the newest usable of `snapshotTexts` (the files, at open) or else the
   * in-memory snapshot (after a truncation), then from the batches after it to the log end. A
   * snapshot is usable when it lies within the log and, with a txn index to rebuild from
   * `rebuildTxnFrom`, not beyond that. Returns where the replay started.
   */
  async rebuild(snapshotTexts: readonly string[] | null, rebuildTxnFrom = Infinity): Promise<number> {
    const { state, segments } = this;
    state.clear();
    const end = segments.logEndOffset;
    let from = segments.logStartOffset;
    /** Batches starting below this are in the snapshot (a batch boundary: the log end when it was taken). */
    let snapshotOffset = 0;
    // A txn index rebuild needs every marker from its first segment on: a later snapshot is no use.
    const bound = Math.min(end, Math.max(rebuildTxnFrom, from));
    const candidates = snapshotTexts ?? (this.latest ? [this.latest.text] : []);
    const chosen = newestWithin(candidates, bound);
    if (chosen !== null && state.restore(chosen.text) === chosen.offset) {
      snapshotOffset = chosen.offset;
      from = Math.max(chosen.offset, segments.logStartOffset);
      // What the snapshot knew of producers gone below the log start is stale.
      state.truncateHead(segments.logStartOffset);
    } else {
      state.clear();
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
    return from;
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
  async writeLatestDurably(): Promise<void> {
    const latest = this.latest;
    const text = latest?.text ?? this.state.serialize(this.segments.logEndOffset);
    // The segment snapshot may describe cut batches too: it is replaced by the state at the new end.
    await this.write(text, true, SEGMENT_SNAPSHOT_FILE);
    await this.write(text, true);
  }

  /** The log was emptied and restarts at `offset`: no producer is known any more. */
  async reset(offset: number): Promise<void> {
    this.state.clear();
    this.latest = { offset, text: this.state.serialize(offset) };
    await this.write(this.latest.text, true, SEGMENT_SNAPSHOT_FILE);
    await this.write(this.latest.text, true);
  }

  /** On a clean close: the state at the log end, so the next open need not rescan. */
  writeOnClose(): Promise<void> {
    return this.write(this.state.serialize(this.segments.logEndOffset), false);
  }

  private write(text: string, durable: boolean, name = PRODUCER_SNAPSHOT_FILE): Promise<void> {
    return this.writes.replace(path.join(this.dir, name), () => text, durable);
  }
}

/** The snapshot with the greatest offset at or below `bound`, or null (unreadable ones are skipped). */
function newestWithin(texts: readonly string[], bound: number): { text: string; offset: number } | null {
  let best: { text: string; offset: number } | null = null;
  for (const text of texts) {
    const offset = new ProducerStateManager().restore(text);
    if (offset !== null && offset <= bound && (best === null || offset > best.offset)) best = { text, offset };
  }
  return best;
}
