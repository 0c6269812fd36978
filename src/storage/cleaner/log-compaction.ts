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
// Control and transactional batches are kept as they are and their keys are not mapped: a record
// of a transaction that may abort must not supersede a committed one. `batchPolicy` is where
// Kafka's rules go when transactions land (aborted batches dropped, markers removed after the
// delete horizon once their transaction's data is gone), with the last stable offset as the
// cleanable bound.
import path from 'node:path';
import { assert, type Clock, ErrorCode, KafkaError, type Logger } from '../../common/index.js';
import type { Disk } from '../disk.js';
import { unlinkIfExists } from '../file-io.js';
import type { LogConfig } from '../log-config.js';
import type { LogHealth } from '../log-health.js';
import type { LogSegments } from '../log-segments.js';
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
import { type StoredRecord, deleteHorizonOf, readStoredRecords, rewriteBatch } from './batch-records.js';
import { type CleanableRange, type SegmentExtent, cleanableRange } from './cleanable-range.js';
import type { CleanerCheckpoint } from './cleaner-checkpoint.js';
import { type KeyOffsetMap, keyDigest } from './key-offset-map.js';
import { type Codec, Compression, canRecompress } from './record-codecs.js';
import { type SwapStep, swapIn } from './segment-swap.js';
import { batchesOf } from './segment-reader.js';

/** What bounds cleaning from above: the replica's high watermark (the last stable offset once transactions exist). */
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

/** How the cleaner treats a batch by its kind: the one place transactions' rules will go. */
type BatchTreatment = { readonly kind: 'records'; readonly codec: Codec } | { readonly kind: 'keep-as-is' };

function batchPolicy(header: BatchHeader): BatchTreatment {
  // Transactions: Kafka drops aborted transactional batches, and markers once past the delete
  // horizon when their transaction's data is gone; until Brook does, both stay untouched and
  // unmapped, and a group holding any is not swapped at all (GroupRewrite.holdsTransactions).
  if (isControlBatch(header.attributes) || isTransactionalBatch(header.attributes)) return { kind: 'keep-as-is' };
  const codec = compressionOf(header.attributes);
  // A codec the cleaner cannot reopen: keep the batch, map none of its keys (never unsafe).
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
    return cleanableRange({
      segments: segments.all.map(extentOf),
      logStartOffset: segments.logStartOffset,
      cleanedUpToOffset: checkpoint.offset,
      cleanableEndOffset: Math.min(this.bound.cleanableEndOffset(), segments.logEndOffset),
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
    let endOffset = range.firstDirtyOffset;
    if (range.dirtyBytes > 0) {
      endOffset = await this.buildMap(range, context);
    } else if (!tombstonesOnly || range.cleanBytes === 0) {
      return null;
    }
    const sources = this.parts.segments.all.slice(0, -1).filter((s) => s.baseOffset < endOffset);
    let groupsSwapped = 0;
    let nextDeleteHorizonMs: number | null = null;
    for (const group of groupsOf(sources, this.parts.config().segmentBytes)) {
      if (context.stopping() || this.parts.health.closing || this.parts.health.closed) break;
      const outcome = await this.cleanGroup(group, endOffset, nowMs, context);
      if (outcome.swapped) groupsSwapped++;
      if (outcome.earliestHorizonMs !== null)
        nextDeleteHorizonMs = Math.min(nextDeleteHorizonMs ?? Infinity, outcome.earliestHorizonMs);
    }
    if (endOffset > this.parts.checkpoint.offset) await this.parts.checkpoint.write(endOffset);
    return { cleanedUpToOffset: endOffset, groupsSwapped, nextDeleteHorizonMs };
  }

  /**
   * Maps keys of the dirty section to their latest offsets, batch by batch, until the section ends
   * or the next batch would overflow the map. Returns one past the last batch mapped.
   */
  private async buildMap(range: CleanableRange, context: PassContext): Promise<number> {
    const { map } = context;
    const { segments, dir } = this.parts;
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
          if (treatment.kind === 'records') {
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
  ): Promise<{ swapped: boolean; earliestHorizonMs: number | null }> {
    const { disk, dir, logger, health } = this.parts;
    const config = this.parts.config();
    const held = group.filter((s) => s.acquire());
    const release = (): void => held.forEach((s) => s.release());
    if (held.length !== group.length) {
      release();
      return { swapped: false, earliestHorizonMs: null };
    }
    const base = (group[0] as Segment).baseOffset;
    let cleaned: Segment | null = null;
    try {
      cleaned = Segment.createCleaned(disk, dir, base, nowMs);
      const writer = new RunWriter(cleaned, config.indexIntervalBytes);
      const rewrite = new GroupRewrite(context, this.parts.producers, endOffset, nowMs, config.deleteRetentionMs, [
        ...this.parts.epochStartOffsets(),
      ]);
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
      // A group holding transactional batches or markers is left as it is until the cleaner follows
      // Kafka's rules for them: its segments' aborted-transaction indexes stay the ones read_committed
      // fetches rely on, and no marker a transaction's offsets wait for is removed.
      if (!rewrite.changed || rewrite.holdsTransactions) {
        await this.discard(cleaned);
        return { swapped: false, earliestHorizonMs: rewrite.earliestHorizonMs };
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
      return { swapped, earliestHorizonMs: rewrite.earliestHorizonMs };
    } catch (err) {
      if (cleaned !== null && !cleaned.indexWritesHeld) await this.discard(cleaned).catch(() => undefined);
      if (err instanceof CleaningStopped) return { swapped: false, earliestHorizonMs: null };
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

/** The decisions of one group's rewrite, batch by batch. */
class GroupRewrite {
  changed = false;
  /** A transactional batch or a marker was seen: the group is not swapped. */
  holdsTransactions = false;
  recordsRemoved = 0;
  earliestHorizonMs: number | null = null;

  constructor(
    private readonly context: PassContext,
    private readonly producers: ProducerStateManager,
    private readonly endOffset: number,
    private readonly nowMs: number,
    private readonly deleteRetentionMs: number,
    epochStartOffsets: readonly number[],
  ) {
    this.epochStarts = new Set(epochStartOffsets);
  }

  private readonly epochStarts: Set<number>;

  /** The batch to write (itself, or rewritten), or null to drop it. */
  batch(batch: Buffer): Buffer | null {
    const header = readBatchHeader(batch);
    const treatment = batchPolicy(header);
    if (isControlBatch(header.attributes) || isTransactionalBatch(header.attributes)) this.holdsTransactions = true;
    if (treatment.kind === 'keep-as-is') return batch;
    const codec = treatment.codec;
    const records = readStoredRecords(batch, codec, RECORDS_BYTES_MAX);
    const horizon = deleteHorizonOf(header);
    const kept = records.filter((r) => this.retains(r, horizon));
    const tombstones = kept.some((r) => r.isTombstone);
    const setHorizon = tombstones && horizon === null ? this.nowMs + this.deleteRetentionMs : null;
    const due = horizon ?? setHorizon;
    if (tombstones && due !== null) this.earliestHorizonMs = Math.min(this.earliestHorizonMs ?? Infinity, due);
    this.recordsRemoved += records.length - kept.length;
    if (kept.length === records.length && setHorizon === null) return batch;
    this.changed = true;
    if (kept.length === 0 && !this.isLastOfActiveProducer(header) && !this.bordersEpoch(header)) return null;
    return rewriteBatch(batch, kept, codec, { setDeleteHorizonMs: setHorizon });
  }

  private retains(record: StoredRecord, horizon: number | null): boolean {
    if (record.key === null) return false; // a compacted log keeps keys' values; a keyless record has none
    if (record.offset < this.endOffset) {
      const latest = this.context.map.get(keyDigest(record.key));
      if (latest > record.offset) return false;
    }
    return !record.isTombstone || horizon === null || this.nowMs < horizon;
  }

  /** The first batch of an epoch, or the one ending where an epoch starts. */
  private bordersEpoch(header: BatchHeader): boolean {
    return this.epochStarts.has(header.baseOffset) || this.epochStarts.has(lastOffsetOf(header) + 1);
  }

  private isLastOfActiveProducer(header: BatchHeader): boolean {
    if (header.producerId < 0) return false;
    const last = this.producers.lastBatch(header.producerId)?.batch;
    return last !== undefined && last !== null && last.lastOffset === lastOffsetOf(header);
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
