// One cleaning pass over one compacted log (Kafka's Cleaner.doClean): map the dirty section's
// keys to their latest offsets, rewrite every segment from the log start to where the map ends,
// keeping only what a consumer of the latest state needs, and swap the rewrite in crash-safely.
//
// A record is kept iff it has a key and it is the latest of its key (or lies beyond the map, in a
// pass the map could not cover whole), and it is not a tombstone whose batch's delete horizon has
// passed. A batch left with no record goes, unless it is the last batch of an idempotent producer
// the log still tracks (its header keeps the producer's epoch and last sequence, so de-duplication
// and sequence checks work after cleaning, restart and failover) or the last batch of a rewritten
// group (so a cleaned segment ends where its sources did, and recovery's hole check stays true):
// those stay as empty batches. So do the first batch of each leader epoch and the batch that ends
// where an epoch starts: a follower copying a cleaned range then still reaches each epoch's start
// offset exactly and finds the epoch's first batch there, as replication's marker rules expect
// (protocol/follower.ts). Batches keep their base and last offsets, so offsets only ever go
// missing between batches, never move.
//
// Transactions (Kafka's rules, cleaned-transactions.ts): nothing at or past the last stable offset
// is cleaned, so every transaction met has ended. Batches of aborted transactions (the txn indexes
// say which) are dropped and their keys never mapped; batches of committed ones are compacted like
// any others. A marker stays while a batch of its transaction is left or was dropped by this very
// pass; alone, it gets a delete horizon and goes once that has passed. The cleaned segment's txn
// index keeps the entries of the abort markers whose transactions still have batches, and is
// written with its other indexes once the swap is done.
import path from 'node:path';
import { assert, type Clock, ErrorCode, KafkaError, type Logger } from '../../common/index.js';
import type { Disk } from '../disk.js';
import { unlinkIfExists } from '../file-io.js';
import type { LogConfig } from '../log-config.js';
import type { LogHealth } from '../log-health.js';
import type { LogSegments } from '../log-segments.js';
import { readMarker } from '../control-record.js';
import type { ProducerStateManager } from '../producer-state.js';
import {
  BATCH_HEADER_BYTES,
  type BatchHeader,
  compressionOf,
  isControlBatch,
  isTransactionalBatch,
  lastOffsetOf,
  readBatchHeader,
} from '../record-batch.js';
import { type BatchPlacement, CLEANED_SUFFIX, Segment, segmentFileName } from '../segment.js';
import type { StructureLock } from '../structure-lock.js';
import type { AbortedTxn } from '../txn-index.js';
import { type StoredRecord, deleteHorizonOf, readStoredRecords, rewriteBatch } from './batch-records.js';
import { type CleanableRange, type SegmentExtent, cleanableRange } from './cleanable-range.js';
import { CleanedTransactions } from './cleaned-transactions.js';
import type { CleanerCheckpoint } from './cleaner-checkpoint.js';
import { type KeyOffsetMap, keyDigest } from './key-offset-map.js';
import { type Codec, Compression, canRecompress } from './record-codecs.js';
import { type SwapStep, swapIn } from './segment-swap.js';
import { batchesOf } from './segment-reader.js';

/** What bounds cleaning from above: the replica's high watermark (the log also stops at its last stable offset). */
export interface CleanableBound {
  /** Offsets at or beyond this may still be uncommitted on this replica and must not be cleaned. */
  cleanableEndOffset(): number;
}

/** Counters a pass adds to; the node's cleaner keeps them for /metrics. */
export interface CleanerCounters {
  bytesRead: number;
  bytesWritten: number;
  recordsRemoved: number;
  /** Segment groups swapped in. */
  swaps: number;
}

/** What a pass needs from its scheduler. */
export interface PassContext {
  readonly map: KeyOffsetMap;
  readonly counters: CleanerCounters;
  /** Waits while the cleaner is over its I/O rate (log.cleaner.io.max.bytes.per.second). */
  readonly throttle: (bytes: number) => Promise<void>;
  /** The pass should stop soon (the node is stopping). */
  readonly stopping: () => boolean;
  /** Tests: runs after each swap step (a crash there is the next thing that happens). */
  readonly afterSwapStep?: (step: SwapStep) => Promise<void>;
}

export interface PassResult {
  /** Where the dirty section starts now (the new checkpoint). */
  readonly cleanedUpToOffset: number;
  readonly groupsSwapped: number;
  /** The earliest delete horizon of a tombstone kept, or null: when a pass could remove it. */
  readonly nextDeleteHorizonMs: number | null;
}

export interface CompactionParts {
  readonly disk: Disk;
  readonly dir: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly health: LogHealth;
  readonly segments: LogSegments;
  readonly producers: ProducerStateManager;
  readonly lock: StructureLock;
  readonly checkpoint: CleanerCheckpoint;
  readonly config: () => LogConfig;
  /** Where each leader epoch starts (the leader-epoch checkpoint's offsets). */
  readonly epochStartOffsets: () => readonly number[];
}

/** The most a batch's records may decompress to (a bound on hostile bytes; batches are at most 100 MiB). */
const RECORDS_BYTES_MAX = 256 * 1024 * 1024;
/** Bytes of output gathered before one write. */
const WRITE_RUN_BYTES = 1024 * 1024;

/** How the cleaner treats a batch by its kind. */
type BatchTreatment =
  { readonly kind: 'records'; readonly codec: Codec } | { readonly kind: 'marker' } | { readonly kind: 'keep-as-is' };

function batchPolicy(header: BatchHeader): BatchTreatment {
  if (isControlBatch(header.attributes)) return { kind: 'marker' };
  const codec = compressionOf(header.attributes);
  // A codec the cleaner cannot reopen: keep the batch, map none of its keys (never unsafe). Its
  // transaction's marker then stays too, since the batch is met and kept.
  if (!canRecompress(codec)) return { kind: 'keep-as-is' };
  return { kind: 'records', codec };
}

export class LogCompaction {
  /** Set by replication: offsets at or beyond its answer are not cleaned. None: nothing is. */
  bound: CleanableBound | null = null;

  constructor(private readonly parts: CompactionParts) {}

  /** The cleanable range now, or null when nothing may be cleaned (no bound, or the log is failing). */
  range(nowMs: number): CleanableRange | null {
    const { segments, health, checkpoint } = this.parts;
    if (this.bound === null || health.closed || health.closing || health.failed) return null;
    const config = this.parts.config();
    // Below the last stable offset every transaction has ended, so each batch is known committed
    // or aborted (Kafka's firstUncleanableDirtyOffset stops at the first unstable offset too).
    const firstUnstable = this.parts.producers.firstUnstableOffset ?? Infinity;
    return cleanableRange({
      segments: segments.all.map(extentOf),
      logStartOffset: segments.logStartOffset,
      cleanedUpToOffset: checkpoint.offset,
      cleanableEndOffset: Math.min(this.bound.cleanableEndOffset(), firstUnstable, segments.logEndOffset),
      nowMs,
      minCompactionLagMs: config.minCompactionLagMs,
      maxCompactionLagMs: config.maxCompactionLagMs,
    });
  }

  /**
   * One pass: maps as much of the dirty section as the map holds, rewrites the log up to there and
   * moves the checkpoint. `tombstonesOnly` runs a pass for expired delete horizons over the
   * cleaned part when nothing is dirty. Null when there was nothing to do.
   */
  async cleanOnce(context: PassContext, tombstonesOnly = false): Promise<PassResult | null> {
    const nowMs = this.parts.clock.now();
    const range = this.range(nowMs);
    if (range === null) return null;
    const { map } = context;
    map.clear();
    if (range.dirtyBytes === 0 && (!tombstonesOnly || range.cleanBytes === 0)) return null;
    const aborted = this.abortedTransactions();
    let endOffset = range.firstDirtyOffset;
    if (range.dirtyBytes > 0) endOffset = await this.buildMap(range, context, aborted);
    const sources = this.parts.segments.all.slice(0, -1).filter((s) => s.baseOffset < endOffset);
    let groupsSwapped = 0;
    let nextDeleteHorizonMs: number | null = null;
    // One record of transactions for the whole pass: a transaction's batches may lie in earlier
    // groups than its marker.
    const txns = new CleanedTransactions(aborted);
    for (const group of groupsOf(sources, this.parts.config().segmentBytes)) {
      if (context.stopping() || this.parts.health.closing || this.parts.health.closed) break;
      const outcome = await this.cleanGroup(group, endOffset, nowMs, context, txns);
      // A group not read leaves batches the transaction record did not meet: a later group's
      // marker could look alone. Stop; the next pass starts from the log start again.
      if (!outcome.read) break;
      if (outcome.swapped) groupsSwapped++;
      if (outcome.earliestHorizonMs !== null)
        nextDeleteHorizonMs = Math.min(nextDeleteHorizonMs ?? Infinity, outcome.earliestHorizonMs);
    }
    if (endOffset > this.parts.checkpoint.offset) await this.parts.checkpoint.write(endOffset);
    return { cleanedUpToOffset: endOffset, groupsSwapped, nextDeleteHorizonMs };
  }

  /** Every aborted transaction the txn indexes know of (the pass reads only ended ones). */
  private abortedTransactions(): AbortedTxn[] {
    const all: AbortedTxn[] = [];
    for (const segment of this.parts.segments.all) {
      assert(!segment.txnIndexNeedsRebuild, 'an opened log has whole txn indexes');
      all.push(...segment.txnIndex.entries);
    }
    return all;
  }

  /**
   * Maps keys of the dirty section to their latest offsets, batch by batch, until the section ends
   * or the next batch would overflow the map. Returns one past the last batch mapped. Keys of
   * aborted transactions are not mapped: they must not supersede anything.
   */
  private async buildMap(range: CleanableRange, context: PassContext, aborted: readonly AbortedTxn[]): Promise<number> {
    const { map } = context;
    const { segments, dir } = this.parts;
    const txns = new CleanedTransactions(aborted);
    let end = range.firstDirtyOffset;
    const dirty = segments.all
      .slice(0, -1)
      .filter((s) => s.nextOffset > range.firstDirtyOffset && s.baseOffset < range.firstUncleanableOffset);
    for (const segment of dirty) {
      if (!segment.acquire()) break; // replaced or deleted meanwhile: map what we have
      try {
        const from = segment.baseOffset <= end ? segment.offsetIndex.lookup(end).position : 0;
        for await (const { batch } of batchesOf(segment, from)) {
          const header = readBatchHeader(batch);
          const last = lastOffsetOf(header);
          if (last < end) continue;
          const treatment = batchPolicy(header);
          const abortedBatch =
            isTransactionalBatch(header.attributes) && txns.isAborted(header.producerId, header.baseOffset);
          if (treatment.kind === 'records' && !abortedBatch) {
            const records = readStoredRecords(batch, treatment.codec, RECORDS_BYTES_MAX);
            const keyed = records.filter((r) => r.key !== null);
            if (map.wouldOverflow(keyed.length)) {
              if (map.size === 0) {
                throw new KafkaError(
                  ErrorCode.KAFKA_STORAGE_ERROR,
                  `${dir}: a batch of ${keyed.length} keys does not fit log.cleaner.dedupe.buffer.size`,
                );
              }
              return end;
            }
            for (const r of keyed) map.put(keyDigest(r.key as Buffer), r.offset);
          }
          end = last + 1;
          context.counters.bytesRead += batch.length;
          await context.throttle(batch.length);
        }
        end = Math.max(end, segment.nextOffset);
      } finally {
        segment.release();
      }
      if (segment.nextOffset >= range.firstUncleanableOffset) break;
    }
    return end;
  }

  /** Rewrites one group of consecutive segments into one and swaps it in, unless nothing changes. */
  private async cleanGroup(
    group: readonly Segment[],
    endOffset: number,
    nowMs: number,
    context: PassContext,
    txns: CleanedTransactions,
  ): Promise<GroupOutcome> {
    const { disk, dir, logger, health } = this.parts;
    const config = this.parts.config();
    const held = group.filter((s) => s.acquire());
    const release = (): void => held.forEach((s) => s.release());
    if (held.length !== group.length) {
      release();
      return { read: false, swapped: false, earliestHorizonMs: null };
    }
    const base = (group[0] as Segment).baseOffset;
    let cleaned: Segment | null = null;
    try {
      cleaned = Segment.createCleaned(disk, dir, base, nowMs);
      const writer = new RunWriter(cleaned, config.indexIntervalBytes);
      const rewrite = new GroupRewrite({
        context,
        producers: this.parts.producers,
        txns,
        abortEntries: abortEntriesOf(group),
        endOffset,
        nowMs,
        deleteRetentionMs: config.deleteRetentionMs,
        epochStartOffsets: this.parts.epochStartOffsets(),
      });
      let lastDropped: Buffer | null = null;
      for (const segment of group) {
        for await (const { batch } of batchesOf(segment)) {
          if (context.stopping() || health.closing || health.closed) throw new CleaningStopped();
          const out = rewrite.batch(batch);
          context.counters.bytesRead += batch.length;
          if (out === null) {
            lastDropped = Buffer.from(batch.subarray(0, BATCH_HEADER_BYTES));
          } else {
            lastDropped = null;
            const entry = rewrite.takeIndexEntry();
            if (entry !== null) cleaned.txnIndex.append(entry);
            writer.add(out);
            context.counters.bytesWritten += out.length;
          }
          await context.throttle(batch.length + (out?.length ?? 0));
        }
      }
      // A cleaned segment ends where its last source did: its last batch stays, empty if need be.
      if (lastDropped !== null)
        writer.add(rewriteBatch(lastDropped, [], Compression.none, { setDeleteHorizonMs: null }));
      writer.flush();
      // Checked before any rename: recovery of a swap trusts the cleaned segment's offset range.
      const last = group[group.length - 1] as Segment;
      assert(cleaned.nextOffset === last.nextOffset, `cleaned segment ${base} must end at ${last.nextOffset}`);
      cleaned.lastModifiedMs = Math.max(...group.map((s) => s.lastModifiedMs));
      if (!rewrite.changed) {
        await this.discard(cleaned);
        return { read: true, swapped: false, earliestHorizonMs: rewrite.earliestHorizonMs };
      }
      await cleaned.sync();
      const swapped = await this.swap(group, cleaned, context);
      if (!swapped) await this.discard(cleaned);
      else {
        context.counters.swaps++;
        context.counters.recordsRemoved += rewrite.recordsRemoved;
        logger.info(
          {
            dir,
            segments: group.map((s) => s.baseOffset),
            bytesBefore: group.reduce((n, s) => n + s.sizeBytes, 0),
            bytesAfter: cleaned.sizeBytes,
            recordsRemoved: rewrite.recordsRemoved,
          },
          'cleaned segments',
        );
      }
      // Not swapped (the sources changed meanwhile): what the record met is still in the log.
      return { read: true, swapped, earliestHorizonMs: rewrite.earliestHorizonMs };
    } catch (err) {
      if (cleaned !== null && !cleaned.indexWritesHeld) await this.discard(cleaned).catch(() => undefined);
      if (err instanceof CleaningStopped) return { read: false, swapped: false, earliestHorizonMs: null };
      throw err;
    } finally {
      release();
    }
  }

  /** Steps 2-4 of the swap under the structure lock; false when the sources changed first. */
  private swap(group: readonly Segment[], cleaned: Segment, context: PassContext): Promise<boolean> {
    const { lock, segments, health, disk, dir } = this.parts;
    return lock.run(async () => {
      if (health.closing || health.closed || health.failed) return false;
      const all = segments.all;
      const at = all.indexOf(group[0] as Segment);
      const inPlace = at >= 0 && group.every((s, i) => all[at + i] === s) && at + group.length < all.length;
      if (!inPlace) return false;
      try {
        await swapIn({ disk, dir, segments }, group, cleaned, context.afterSwapStep);
      } catch (err) {
        // The files are between two states only recovery at the next open can settle.
        throw health.fail(err);
      }
      await cleaned
        .persistIndexes()
        .catch((err: unknown) => this.parts.logger.warn({ dir, err }, 'index write failed'));
      return true;
    });
  }

  private async discard(cleaned: Segment): Promise<void> {
    cleaned.close();
    await unlinkIfExists(
      this.parts.disk,
      path.join(this.parts.dir, segmentFileName(cleaned.baseOffset, CLEANED_SUFFIX)),
    );
  }
}

class CleaningStopped extends Error {
  override readonly name = 'CleaningStopped';
}

interface GroupOutcome {
  /** Every batch of the group was met (the pass's transaction record is whole up to here). */
  readonly read: boolean;
  readonly swapped: boolean;
  readonly earliestHorizonMs: number | null;
}

/** The txn index entries of a group's segments, by abort marker offset. */
function abortEntriesOf(group: readonly Segment[]): Map<number, AbortedTxn> {
  const entries = new Map<number, AbortedTxn>();
  for (const segment of group) for (const entry of segment.txnIndex.entries) entries.set(entry.lastOffset, entry);
  return entries;
}

interface GroupRewriteParts {
  readonly context: PassContext;
  readonly producers: ProducerStateManager;
  readonly txns: CleanedTransactions;
  readonly abortEntries: ReadonlyMap<number, AbortedTxn>;
  readonly endOffset: number;
  readonly nowMs: number;
  readonly deleteRetentionMs: number;
  readonly epochStartOffsets: readonly number[];
}

/** The decisions of one group's rewrite, batch by batch. */
class GroupRewrite {
  changed = false;
  recordsRemoved = 0;
  earliestHorizonMs: number | null = null;
  private readonly epochStarts: Set<number>;
  /** The txn index entry of the abort marker just kept, for the cleaned segment's index. */
  private indexEntry: AbortedTxn | null = null;

  constructor(private readonly parts: GroupRewriteParts) {
    this.epochStarts = new Set(parts.epochStartOffsets);
  }

  /** The batch to write (itself, or rewritten), or null to drop it. */
  batch(batch: Buffer): Buffer | null {
    const header = readBatchHeader(batch);
    const treatment = batchPolicy(header);
    if (treatment.kind === 'marker') return this.controlBatch(batch, header);
    const transactional = isTransactionalBatch(header.attributes);
    let out: Buffer | null;
    if (transactional && this.parts.txns.isAborted(header.producerId, header.baseOffset)) {
      // Dropped whole, whatever its codec: no reader may see it, and its keys were never mapped.
      this.recordsRemoved += header.recordsCount;
      out = this.drop(batch, header, this.isLastOfActiveProducer(header));
    } else if (treatment.kind === 'keep-as-is') {
      out = batch;
    } else {
      out = this.dataBatch(batch, header, treatment.codec);
    }
    if (transactional) this.parts.txns.onDataBatch(header.producerId, out !== null);
    return out;
  }

  /** The txn index entry to give the batch just returned (an abort marker kept), once. */
  takeIndexEntry(): AbortedTxn | null {
    const entry = this.indexEntry;
    this.indexEntry = null;
    return entry;
  }

  private dataBatch(batch: Buffer, header: BatchHeader, codec: Codec): Buffer | null {
    const records = readStoredRecords(batch, codec, RECORDS_BYTES_MAX);
    const horizon = deleteHorizonOf(header);
    const kept = records.filter((r) => this.retains(r, horizon));
    const tombstones = kept.some((r) => r.isTombstone);
    const setHorizon = tombstones && horizon === null ? this.parts.nowMs + this.parts.deleteRetentionMs : null;
    const due = horizon ?? setHorizon;
    if (tombstones && due !== null) this.noteHorizon(due);
    this.recordsRemoved += records.length - kept.length;
    if (kept.length === records.length && setHorizon === null) return batch;
    if (kept.length === 0) return this.drop(batch, header, this.isLastOfActiveProducer(header));
    this.changed = true;
    return rewriteBatch(batch, kept, codec, { setDeleteHorizonMs: setHorizon });
  }

  /**
   * A control batch (Kafka's onControlBatchRead and checkBatchRetention): a marker stays while its
   * transaction has batches in the log or had some this pass; alone, it is given a delete horizon
   * and dropped once that has passed. An abort marker that stays for its batches keeps its txn
   * index entry: read_committed fetches of those batches need it.
   */
  private controlBatch(batch: Buffer, header: BatchHeader): Buffer | null {
    const marker = readMarker(batch);
    // A control record of another type: kept, as Kafka does. An emptied marker ends nothing.
    if (marker === null && header.recordsCount > 0) return batch;
    const verdict = this.parts.txns.onMarker(header.producerId);
    if (verdict !== 'no-data') {
      if (marker !== null && !marker.committed)
        this.indexEntry = this.parts.abortEntries.get(header.baseOffset) ?? null;
      return batch;
    }
    // The producer's last word here: its epoch and coordinator epoch survive a replay of the log.
    if (marker !== null && this.isLastMarkerOfProducer(header)) return batch;
    const horizon = deleteHorizonOf(header);
    const codec = compressionOf(header.attributes);
    if (marker === null || (horizon !== null && this.parts.nowMs >= horizon) || !canRecompress(codec)) {
      this.recordsRemoved += header.recordsCount;
      return this.drop(batch, header, false);
    }
    if (horizon !== null) {
      this.noteHorizon(horizon);
      return batch;
    }
    const due = this.parts.nowMs + this.parts.deleteRetentionMs;
    this.noteHorizon(due);
    this.changed = true;
    return rewriteBatch(batch, readStoredRecords(batch, codec, RECORDS_BYTES_MAX), codec, {
      setDeleteHorizonMs: due,
    });
  }

  /** A batch whose records all go: dropped, or left as an empty batch where its offsets or header must stay. */
  private drop(batch: Buffer, header: BatchHeader, producerNeedsIt: boolean): Buffer | null {
    const keepEmpty = producerNeedsIt || this.bordersEpoch(header);
    if (keepEmpty && header.recordsCount === 0) return batch; // already empty: nothing changes
    this.changed = true;
    return keepEmpty ? rewriteBatch(batch, [], Compression.none, { setDeleteHorizonMs: null }) : null;
  }

  private noteHorizon(horizonMs: number): void {
    this.earliestHorizonMs = Math.min(this.earliestHorizonMs ?? Infinity, horizonMs);
  }

  private retains(record: StoredRecord, horizon: number | null): boolean {
    if (record.key === null) return false; // a compacted log keeps keys' values; a keyless record has none
    if (record.offset < this.parts.endOffset) {
      const latest = this.parts.context.map.get(keyDigest(record.key));
      if (latest > record.offset) return false;
    }
    return !record.isTombstone || horizon === null || this.parts.nowMs < horizon;
  }

  /** The first batch of an epoch, or the one ending where an epoch starts. */
  private bordersEpoch(header: BatchHeader): boolean {
    return this.epochStarts.has(header.baseOffset) || this.epochStarts.has(lastOffsetOf(header) + 1);
  }

  /** Kafka's isBatchLastRecordOfProducer, for a data batch: it holds the producer's last sequence. */
  private isLastOfActiveProducer(header: BatchHeader): boolean {
    if (header.producerId < 0) return false;
    const last = this.parts.producers.lastBatch(header.producerId)?.batch;
    return last !== undefined && last !== null && last.lastOffset === lastOffsetOf(header);
  }

  /**
   * Kafka's isBatchLastRecordOfProducer, for a marker: the producer has no data batch in its
   * current epoch (a marker bumped it), so its markers of that epoch carry its state.
   */
  private isLastMarkerOfProducer(header: BatchHeader): boolean {
    const entry = this.parts.producers.lastBatch(header.producerId);
    return entry !== null && entry.batch === null && entry.epoch === header.producerEpoch;
  }
}

/** Gathers output batches into runs and writes each run in one call. */
class RunWriter {
  private parts: Buffer[] = [];
  private placements: BatchPlacement[] = [];
  private bytes = 0;

  constructor(
    private readonly segment: Segment,
    private readonly indexIntervalBytes: number,
  ) {}

  add(batch: Buffer): void {
    const header = readBatchHeader(batch);
    this.parts.push(batch);
    this.placements.push({
      baseOffset: header.baseOffset,
      lastOffset: lastOffsetOf(header),
      maxTimestamp: header.maxTimestamp,
      sizeBytes: batch.length,
    });
    this.bytes += batch.length;
    if (this.bytes >= WRITE_RUN_BYTES) this.flush();
  }

  flush(): void {
    if (this.bytes === 0) return;
    this.segment.appendRun(Buffer.concat(this.parts, this.bytes), this.placements, this.indexIntervalBytes);
    this.parts = [];
    this.placements = [];
    this.bytes = 0;
  }
}

/** What the range computation reads of a segment. */
function extentOf(segment: Segment): SegmentExtent {
  return {
    baseOffset: segment.baseOffset,
    nextOffset: segment.nextOffset,
    sizeBytes: segment.sizeBytes,
    maxTimestamp: segment.maxTimestamp,
    firstBatchTimestamp: segment.firstBatchTimestamp,
  };
}

/**
 * Consecutive segments merged into one cleaned segment each: within segment.bytes, and with
 * offsets that stay int32 relative to the group's base (the offset index's format).
 */
export function groupsOf(sources: readonly Segment[], segmentBytes: number): Segment[][] {
  const groups: Segment[][] = [];
  let current: Segment[] = [];
  let bytes = 0;
  for (const segment of sources) {
    const base = current[0]?.baseOffset ?? segment.baseOffset;
    const fits = bytes + segment.sizeBytes <= segmentBytes && segment.nextOffset - 1 - base <= 0x7fffffff;
    if (current.length > 0 && !fits) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(segment);
    bytes += segment.sizeBytes;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
