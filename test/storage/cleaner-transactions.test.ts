// The cleaner over transactional data (Kafka's rules, src/storage/cleaner/cleaned-transactions.ts):
// aborted batches dropped and never mapped, committed ones compacted, the last stable offset as
// the bound, markers kept while their transaction's batches are met, then given a delete horizon
// and dropped after it, each producer's last batch kept, and the txn index carried across the
// swap, a clean restart and a crash in the middle of the swap.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Attributes,
  type LeaderAppendOptions,
  type LogConfig,
  type PartitionLog,
  buildMarkerBatch,
  makeLogConfig,
  readBatchHeader,
} from '../../src/storage/index.js';
import { SwapStep } from '../../src/storage/cleaner/segment-swap.js';
import { PRODUCER_SNAPSHOT_FILE, SEGMENT_SNAPSHOT_FILE } from '../../src/storage/producer-snapshots.js';
import { clockAt, openLog, segmentFiles, tempDir } from './helpers.js';
import {
  T0,
  type KeyedRecord,
  type ReadRecord,
  keyedBatch,
  passContext,
  readRecords,
  storedBatches,
} from './cleaner-helpers.js';

const DELETE_RETENTION_MS = 5_000;
const COMPACT: Partial<LogConfig> = {
  cleanupPolicy: 'compact',
  segmentBytes: 2048,
  indexIntervalBytes: 128,
  retentionMs: -1,
  minCleanableDirtyRatio: 0,
  deleteRetentionMs: DELETE_RETENTION_MS,
};
const COORDINATOR: LeaderAppendOptions = { origin: 'coordinator' };

const opened: PartitionLog[] = [];
afterEach(async () => {
  for (const log of opened.splice(0)) await log.close().catch(() => undefined);
});

async function compactedLog(dir: string, now: { ms: number }): Promise<PartitionLog> {
  const log = await openLog(dir, COMPACT, { clock: clockAt(() => now.ms) });
  log.setCleanableBound({ cleanableEndOffset: () => log.logEndOffset });
  opened.push(log);
  return log;
}

/** A transactional producer writing to one log: batches in sequence, markers as its coordinator would. */
class TxnProducer {
  private sequence = 0;

  constructor(
    private readonly log: PartitionLog,
    readonly producerId: number,
  ) {}

  send(records: readonly KeyedRecord[]): number {
    const batch = keyedBatch(records, {
      producerId: this.producerId,
      producerEpoch: 0,
      baseSequence: this.sequence,
      transactional: true,
    });
    this.sequence += records.length;
    // As a broker whose coordinator confirmed the partition is in the transaction (KIP-890).
    const verificationGuard = this.log.startTransactionVerification(this.producerId);
    return this.log.appendAsLeader([batch], 0, { startRule: 'verified', verificationGuard }).baseOffset;
  }

  /** Writes the marker (at a bumped `producerEpoch` when the coordinator fenced the producer); returns its offset. */
  end(committed: boolean, producerEpoch = 0): number {
    const marker = buildMarkerBatch({
      producerId: this.producerId,
      producerEpoch,
      committed,
      coordinatorEpoch: 0,
      timestampMs: T0,
    });
    return this.log.appendAsLeader([marker], 0, COORDINATOR).baseOffset;
  }
}

function plain(log: PartitionLog, records: readonly KeyedRecord[]): number {
  return log.appendAsLeader([keyedBatch(records)], 0).baseOffset;
}

/** Writes fresh keys until the active segment has rolled, then lets the high watermark pass it all. */
function rollAndCommit(log: PartitionLog, tag = 'fill'): void {
  const segments = log.segmentCount;
  for (let i = 0; i < 1000 && log.segmentCount === segments; i++) {
    plain(log, [{ key: `${tag}-${log.logEndOffset}`, value: 'f'.repeat(40) }]);
  }
  log.onHighWatermark(log.logEndOffset);
}

/** Key -> value of the data records a reader from the log start gets, fill records left out. */
async function contents(log: PartitionLog): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const r of await dataRecords(log)) if (r.key !== null && !r.key.startsWith('fill')) out[r.key] = r.value;
  return out;
}

/** The records of the log's data batches (markers left out), in offset order. */
async function dataRecords(log: PartitionLog): Promise<ReadRecord[]> {
  const markers = new Set<number>();
  for (const batch of await storedBatches(log)) {
    const header = readBatchHeader(batch);
    if ((header.attributes & Attributes.control) !== 0) markers.add(header.baseOffset);
  }
  return (await readRecords(log)).filter((r) => !markers.has(r.offset));
}

async function batchAt(log: PartitionLog, offset: number): Promise<Buffer | undefined> {
  for (const batch of await storedBatches(log)) if (readBatchHeader(batch).baseOffset === offset) return batch;
  return undefined;
}

function attributesOf(batch: Buffer | undefined): number {
  if (batch === undefined) throw new Error('no batch at that offset');
  return readBatchHeader(batch).attributes;
}

async function isMarkerAt(log: PartitionLog, offset: number): Promise<boolean> {
  const batch = await batchAt(log, offset);
  return batch !== undefined && (attributesOf(batch) & Attributes.control) !== 0;
}

/** Cleaning passes far enough apart that every delete horizon one of them gives has passed by the next. */
async function cleanPastHorizons(log: PartitionLog, now: { ms: number }, passes = 4): Promise<void> {
  for (let i = 0; i < passes; i++) {
    await log.clean(passContext(), i > 0);
    now.ms += DELETE_RETENTION_MS + 1;
  }
}

/**
 * Closes the log and opens it again with its producer state and aborted-transaction indexes
 * replayed from the batches alone (as a follower that copied the cleaned log builds them).
 */
async function reopenFromBatches(log: PartitionLog, dir: string, now: { ms: number }): Promise<PartitionLog> {
  await log.close();
  opened.splice(opened.indexOf(log), 1);
  for (const name of [PRODUCER_SNAPSHOT_FILE, SEGMENT_SNAPSHOT_FILE, ...segmentFiles(dir, '.txnindex')])
    fs.rmSync(path.join(dir, name), { force: true });
  return compactedLog(dir, now);
}

describe('the cleaner with transactions', () => {
  it('drops aborted batches unmapped, compacts committed ones and keeps their headers', async () => {
    const now = { ms: T0 + 60_000 };
    const log = await compactedLog(tempDir(), now);
    const committer = new TxnProducer(log, 1);
    const aborter = new TxnProducer(log, 2);
    plain(log, [
      { key: 'k0', value: 'base' },
      { key: 'k1', value: 'base' },
      { key: 'k2', value: 'base' },
      { key: 'k3', value: 'base' },
    ]);
    const committedAt = committer.send([
      { key: 'k0', value: 'committed' },
      { key: 'k1', value: 'committed' },
    ]);
    const commitAt = committer.end(true);
    aborter.send([
      { key: 'k0', value: 'aborted' },
      { key: 'k2', value: 'aborted' },
    ]);
    aborter.send([{ key: 'k9', value: 'aborted' }]);
    const abortAt = aborter.end(false);
    committer.send([{ key: 'k3', value: 'committed-later' }]);
    committer.end(true);
    rollAndCommit(log);
    const entriesBefore = log.abortedTransactions(log.logStartOffset, log.logEndOffset);
    expect(entriesBefore.map((e) => [e.producerId, e.lastOffset])).toEqual([[2, abortAt]]);

    expect(await log.clean(passContext())).not.toBeNull();

    // The latest committed value of each key; no aborted record, and the aborted k0 and k2 did not
    // supersede anything (their keys were not mapped).
    const kept = (await dataRecords(log)).filter((r) => !r.key!.startsWith('fill')).map((r) => `${r.key}=${r.value}`);
    expect(kept).toEqual(['k2=base', 'k0=committed', 'k1=committed', 'k3=committed-later']);
    const committed = await batchAt(log, committedAt);
    expect(readBatchHeader(committed!).producerId).toBe(1);
    expect(attributesOf(committed) & Attributes.transactional).not.toBe(0);
    // Both markers stay this pass (their transactions' batches were met), and so does the abort's
    // index entry; the aborter's last batch stays as an empty batch (its producer state).
    expect(attributesOf(await batchAt(log, commitAt)) & Attributes.control).not.toBe(0);
    expect(attributesOf(await batchAt(log, abortAt)) & Attributes.control).not.toBe(0);
    expect(log.abortedTransactions(log.logStartOffset, log.logEndOffset)).toEqual(entriesBefore);
    const aborterBatches = (await storedBatches(log))
      .map((batch) => readBatchHeader(batch))
      .filter((h) => h.producerId === 2 && (h.attributes & Attributes.control) === 0);
    expect(aborterBatches.map((h) => h.recordsCount)).toEqual([0]);
  });

  it('cleans nothing at or past the last stable offset: an open transaction holds the bound', async () => {
    const now = { ms: T0 + 60_000 };
    const log = await compactedLog(tempDir(), now);
    const producer = new TxnProducer(log, 3);
    plain(log, [{ key: 'k', value: 'v1' }]);
    rollAndCommit(log, 'fill-a');
    const openAt = producer.send([{ key: 'k', value: 'v2-open' }]);
    rollAndCommit(log, 'fill-b');
    rollAndCommit(log, 'fill-c');
    expect(log.firstUnstableOffset).toBe(openAt);
    expect(log.cleanableRange(now.ms)!.firstUncleanableOffset).toBeLessThanOrEqual(openAt);

    for (let i = 0; i < 5; i++) await log.clean(passContext());
    // Had the open record been mapped, v1 would be gone, and the abort below would lose k.
    expect((await dataRecords(log)).filter((r) => r.key === 'k').map((r) => r.value)).toEqual(['v1', 'v2-open']);

    producer.end(false);
    rollAndCommit(log, 'fill-d');
    for (let i = 0; i < 5; i++) await log.clean(passContext());
    expect((await dataRecords(log)).filter((r) => r.key === 'k').map((r) => r.value)).toEqual(['v1']);
  });

  it('keeps a marker one pass after its batches go, then drops it after a delete horizon', async () => {
    const now = { ms: T0 + 60_000 };
    const log = await compactedLog(tempDir(), now);
    const producer = new TxnProducer(log, 4);
    plain(log, [{ key: 'p', value: 'first' }]); // the epoch's first batch, which stays in any case
    producer.send([{ key: 'a', value: 'aborted' }]);
    const abortAt = producer.end(false);
    producer.send([{ key: 'c', value: 'committed' }]);
    const commitAt = producer.end(true);
    plain(log, [{ key: 'c', value: 'newer' }]); // supersedes the committed record
    const lastData = producer.send([{ key: 'z', value: 'last' }]);
    const lastCommitAt = producer.end(true);
    rollAndCommit(log);
    const isMarker = async (offset: number): Promise<boolean> => {
      const batch = await batchAt(log, offset);
      return batch !== undefined && (attributesOf(batch) & Attributes.control) !== 0;
    };
    const horizonOf = async (offset: number): Promise<number | null> => {
      const batch = await batchAt(log, offset);
      return (attributesOf(batch) & Attributes.deleteHorizon) !== 0 ? readBatchHeader(batch!).baseTimestamp : null;
    };

    await log.clean(passContext());
    expect(await contents(log)).toEqual({ p: 'first', c: 'newer', z: 'last' });
    // Pass 1 dropped both transactions' batches: their markers stay, without a horizon yet.
    expect([await isMarker(abortAt), await isMarker(commitAt)]).toEqual([true, true]);
    expect([await horizonOf(abortAt), await horizonOf(commitAt)]).toEqual([null, null]);

    now.ms += 1000;
    const second = await log.clean(passContext(), true);
    expect(second?.nextDeleteHorizonMs).toBe(now.ms + DELETE_RETENTION_MS);
    // Pass 2 found them alone: each now carries its horizon; the abort's index entry is gone.
    expect([await horizonOf(abortAt), await horizonOf(commitAt)]).toEqual([
      now.ms + DELETE_RETENTION_MS,
      now.ms + DELETE_RETENTION_MS,
    ]);
    expect(log.abortedTransactions(log.logStartOffset, log.logEndOffset)).toEqual([]);

    now.ms += DELETE_RETENTION_MS - 1;
    await log.clean(passContext(), true);
    expect([await isMarker(abortAt), await isMarker(commitAt)]).toEqual([true, true]);

    now.ms += 1;
    await log.clean(passContext(), true);
    expect([await isMarker(abortAt), await isMarker(commitAt)]).toEqual([false, false]);
    // The last transaction's data is there (the producer's last batch), so its marker stays.
    expect(await isMarker(lastCommitAt)).toBe(true);
    expect((await batchAt(log, lastData)) !== undefined).toBe(true);
  });

  it("keeps each producer's last batch, so its state comes back from the log after cleaning", async () => {
    const now = { ms: T0 + 60_000 };
    const dir = tempDir();
    const log = await compactedLog(dir, now);
    const producer = new TxnProducer(log, 5);
    producer.send([{ key: 'x', value: 'aborted-1' }]);
    const lastAt = producer.send([
      { key: 'x', value: 'aborted-2' },
      { key: 'y', value: 'aborted-3' },
    ]);
    producer.end(false);
    rollAndCommit(log);
    for (let i = 0; i < 3; i++) {
      await log.clean(passContext(), true);
      now.ms += DELETE_RETENTION_MS + 1;
    }
    expect(await contents(log)).toEqual({});
    const last = await batchAt(log, lastAt);
    expect(last).toBeDefined();
    const header = readBatchHeader(last!);
    expect([header.producerId, header.recordsCount, header.baseSequence, header.lastOffsetDelta]).toEqual([5, 0, 1, 1]);

    // Without snapshots the state is replayed from the log: the producer's last sequence is there.
    await log.close();
    opened.splice(opened.indexOf(log), 1);
    for (const name of [PRODUCER_SNAPSHOT_FILE, SEGMENT_SNAPSHOT_FILE])
      fs.rmSync(path.join(dir, name), { force: true });
    const reopened = await compactedLog(dir, now);
    expect(reopened.producerLastBatch(5)?.batch).toMatchObject({ lastSeq: 2, lastOffset: lastAt + 1 });
  });

  it("keeps a marker whose transaction's batches lie in an earlier segment group", async () => {
    // The pass keeps one record of transactions across its groups: were it per group, the commit
    // marker would look alone in its group and go, and a replay of the log would join the
    // committed transaction to the producer's next one, an abort, hiding committed data.
    const now = { ms: T0 + 60_000 };
    const dir = tempDir();
    const log = await compactedLog(dir, now);
    const producer = new TxnProducer(log, 6);
    plain(log, [{ key: 'p', value: 'first' }]);
    const committedAt = producer.send([{ key: 'c', value: 'committed' }]);
    rollAndCommit(log, 'fill-a');
    const commitAt = producer.end(true);
    producer.send([{ key: 'a', value: 'aborted' }]);
    producer.end(false);
    rollAndCommit(log, 'fill-b');
    // The batch and its marker in different segments, each a group of its own (segment.bytes).
    expect(log.segmentBaseOffsets.filter((base) => base > committedAt && base <= commitAt)).toHaveLength(1);

    await cleanPastHorizons(log, now);
    expect(await contents(log)).toEqual({ p: 'first', c: 'committed' });
    expect(await isMarkerAt(log, commitAt)).toBe(true);

    const reopened = await reopenFromBatches(log, dir, now);
    expect(reopened.abortedTransactions(committedAt, committedAt + 1)).toEqual([]);
    reopened.onHighWatermark(reopened.logEndOffset);
    expect(reopened.firstUnstableOffset).toBeNull();
  });

  it("keeps a producer's last marker when it alone holds the producer's epoch", async () => {
    // The coordinator fenced the producer: its abort marker carries the bumped epoch and is the
    // producer's last word here (Kafka's isBatchLastRecordOfProducer). Its batch goes; the marker
    // stays, so the producer's bumped epoch comes back from a replay of the log.
    const now = { ms: T0 + 60_000 };
    const dir = tempDir();
    const log = await compactedLog(dir, now);
    const producer = new TxnProducer(log, 7);
    plain(log, [{ key: 'p', value: 'first' }]);
    producer.send([{ key: 'x', value: 'fenced' }]);
    const abortAt = producer.end(false, 1);
    rollAndCommit(log);

    await cleanPastHorizons(log, now);
    expect(await contents(log)).toEqual({ p: 'first' });
    expect(await isMarkerAt(log, abortAt)).toBe(true);

    const reopened = await reopenFromBatches(log, dir, now);
    expect(reopened.producerLastBatch(7)).toEqual({ epoch: 1, batch: null });
  });

  it('rewrites the txn index into the cleaned segment and keeps it across a clean restart', async () => {
    const now = { ms: T0 + 60_000 };
    const dir = tempDir();
    const log = await compactedLog(dir, now);
    const { abortAt, lastAbortedAt } = writeAbortAcrossSegments(log);
    const segmentsBefore = log.segmentCount;
    const expected = log.abortedTransactions(log.logStartOffset, log.logEndOffset);
    expect(expected.map((e) => e.lastOffset)).toEqual([abortAt]);
    // The abort marker is not in the first segment: only a rewritten index names it in the cleaned one.
    expect(log.segmentBaseOffsets[1]).toBeLessThanOrEqual(abortAt);

    await log.clean(passContext());
    expect(log.segmentCount).toBeLessThan(segmentsBefore);
    expect(log.abortedTransactions(log.logStartOffset, log.logEndOffset)).toEqual(expected);
    // A read_committed fetch at the aborter's last (now empty) batch is told of its transaction.
    expect(log.abortedTransactions(lastAbortedAt, lastAbortedAt + 1)).toEqual(expected);

    await log.close();
    opened.splice(opened.indexOf(log), 1);
    const reopened = await compactedLog(dir, now);
    expect(reopened.abortedTransactions(reopened.logStartOffset, reopened.logEndOffset)).toEqual(expected);
  });

  it('a swap completed by recovery leaves no old txn index behind and rebuilds the one it needs', async () => {
    const now = { ms: T0 + 60_000 };
    const dir = tempDir();
    const log = await compactedLog(dir, now);
    const { abortAt, lastAbortedAt } = writeAbortAcrossSegments(log);
    await log.flush();
    const crash = new Error('crash after the rename to .swap');
    const context = passContext(1024 * 1024, {
      afterSwapStep: (step) => (step === SwapStep.renamedToSwap ? Promise.reject(crash) : Promise.resolve()),
    });
    await expect(log.clean(context)).rejects.toThrow();
    opened.splice(opened.indexOf(log), 1);
    await log.close().catch(() => undefined);
    const oldTxnIndexes = segmentFiles(dir, '.txnindex');
    expect(oldTxnIndexes.length).toBeGreaterThan(1);

    const reopened = await compactedLog(dir, now);
    const bases = reopened.segmentBaseOffsets;
    // Every txn index on disk belongs to a segment of the recovered log (none is left to be read
    // later for a segment that reuses an old base).
    for (const name of segmentFiles(dir, '.txnindex')) expect(bases).toContain(Number(name.split('.')[0]));
    // The aborted transaction whose (empty) batch remains is still named for read_committed fetches.
    expect(
      reopened.abortedTransactions(reopened.logStartOffset, reopened.logEndOffset).map((e) => e.lastOffset),
    ).toEqual([abortAt]);
    expect(await contents(reopened)).toEqual({ k: 'committed' });
    expect(lastAbortedAt).toBeLessThan(abortAt);
  });
});

/**
 * An aborted transaction whose batches lie in the first segment and whose marker lies in a later
 * one, all cleanable; the aborter's last batch is one of them (it stays, empty).
 */
function writeAbortAcrossSegments(log: PartitionLog): { abortAt: number; lastAbortedAt: number } {
  const aborter = new TxnProducer(log, 8);
  const committer = new TxnProducer(log, 9);
  committer.send([{ key: 'k', value: 'committed' }]);
  committer.end(true);
  aborter.send([{ key: 'k', value: 'aborted' }]);
  let lastAbortedAt = -1;
  const firstSegments = log.segmentCount;
  for (let i = 0; i < 1000 && log.segmentCount === firstSegments; i++) {
    lastAbortedAt = aborter.send([{ key: `a${i}`, value: 'aborted'.repeat(6) }]);
  }
  const abortAt = aborter.end(false);
  rollAndCommit(log);
  // One group for the whole cleanable part: the marker's segment is rewritten with the batches'.
  log.updateConfig(makeLogConfig({ ...COMPACT, segmentBytes: 1024 * 1024 }));
  return { abortAt, lastAbortedAt };
}
