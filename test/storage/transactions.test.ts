// Transactions in one partition log: transactional batches open a transaction of their producer,
// a marker ends it, the first unstable offset follows (and the high watermark releases ended
// ones), aborts enter the segment's txn index with the stable offset at the time, and all of it
// comes back after a clean restart (snapshot), a crash (log replay), a lost or damaged .txnindex,
// a truncation, and on a follower that only copies the leader's batches.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/common/errors.js';
import { type AbortedTxn, buildMarkerBatch, type LeaderAppendOptions, PartitionLog } from '../../src/storage/index.js';
import { ProducerStateManager } from '../../src/storage/producer-state.js';
import { readBatchHeader } from '../../src/storage/record-batch.js';
import { batch, captureLogger, openLog, readAll, segmentFiles, smallConfig, tempDir } from './helpers.js';

const COORDINATOR: LeaderAppendOptions = { origin: 'coordinator' };

/** A transactional batch of `count` records of producer `pid`. */
function txn(pid: number, seq: number, count = 1, epoch = 0, valueBytes = 0): Buffer {
  return batch(`p${pid}-s${seq}`, count, {
    producerId: pid,
    producerEpoch: epoch,
    baseSequence: seq,
    transactional: true,
    valueBytes,
  });
}

function marker(pid: number, committed: boolean, epoch = 0, coordinatorEpoch = 0): Buffer {
  return buildMarkerBatch({ producerId: pid, producerEpoch: epoch, committed, coordinatorEpoch, timestampMs: 1 });
}

function abortsOf(log: PartitionLog): AbortedTxn[] {
  return log.abortedTransactions(log.logStartOffset, log.logEndOffset);
}

describe('producer state with transactions', () => {
  it('opens a transaction at its first batch and ends it with a marker; the HW releases it', async () => {
    const log = await openLog(tempDir());
    log.appendAsLeader([batch('plain', 2)], 0); // 0..1
    expect(log.firstUnstableOffset).toBeNull();
    log.appendAsLeader([txn(7, 0, 2)], 0); // 2..3 opens producer 7's transaction
    log.appendAsLeader([txn(7, 2, 1)], 0); // 4
    expect(log.ongoingTransaction(7)).toEqual({ firstOffset: 2, producerEpoch: 0 });
    expect(log.firstUnstableOffset).toBe(2);
    const end = log.appendAsLeader([marker(7, true)], 0, COORDINATOR); // 5
    expect(end.baseOffset).toBe(5);
    expect(log.ongoingTransaction(7)).toBeNull();
    // Ended, but its marker is not below the high watermark yet: still unstable.
    expect(log.firstUnstableOffset).toBe(2);
    log.onHighWatermark(5);
    expect(log.firstUnstableOffset).toBe(2);
    log.onHighWatermark(6);
    expect(log.firstUnstableOffset).toBeNull();
    expect(abortsOf(log)).toEqual([]); // a commit enters no index
    await log.close();
  });

  it('enters an abort in the txn index with the stable offset when its marker was appended', async () => {
    const log = await openLog(tempDir());
    log.appendAsLeader([txn(1, 0)], 0); // 0: producer 1 opens
    log.appendAsLeader([txn(2, 0)], 0); // 1: producer 2 opens
    log.appendAsLeader([txn(1, 1)], 0); // 2
    log.appendAsLeader([marker(1, false)], 0, COORDINATOR); // 3: aborts 1; producer 2's is still open from 1
    log.appendAsLeader([marker(2, false)], 0, COORDINATOR); // 4: aborts 2; nothing open: stable past it
    expect(abortsOf(log)).toEqual([
      { producerId: 1, firstOffset: 0, lastOffset: 3, lastStableOffset: 1 },
      { producerId: 2, firstOffset: 1, lastOffset: 4, lastStableOffset: 5 },
    ]);
    // A fetch of [2, 3) overlaps both; the first entry's stable offset 1 does not cover the bound 3.
    expect(log.abortedTransactions(2, 3).map((t) => t.producerId)).toEqual([1, 2]);
    expect(log.abortedTransactions(4, 5)).toEqual([
      { producerId: 2, firstOffset: 1, lastOffset: 4, lastStableOffset: 5 },
    ]);
    await log.close();
  });

  it('checks epochs, coordinator epochs and transactional state as Kafka does', async () => {
    const log = await openLog(tempDir());
    log.appendAsLeader([txn(9, 0, 1, 2)], 0); // epoch 2, open
    const code = (f: () => unknown) => {
      try {
        f();
        return ErrorCode.NONE;
      } catch (err) {
        return (err as { code: number }).code;
      }
    };
    // A non-transactional batch of a producer inside its open transaction.
    expect(
      code(() => log.appendAsLeader([batch('idem', 1, { producerId: 9, producerEpoch: 2, baseSequence: 1 })], 0)),
    ).toBe(ErrorCode.INVALID_TXN_STATE);
    // A zombie's batch and a zombie's marker (older producer epoch).
    expect(code(() => log.appendAsLeader([txn(9, 1, 1, 1)], 0))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(code(() => log.appendAsLeader([marker(9, true, 1)], 0, COORDINATOR))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    // The marker of coordinator epoch 5 ends it; one from coordinator epoch 4 afterwards is fenced.
    log.appendAsLeader([marker(9, false, 2, 5)], 0, COORDINATOR);
    expect(code(() => log.appendAsLeader([marker(9, false, 2, 4)], 0, COORDINATOR))).toBe(
      ErrorCode.TRANSACTION_COORDINATOR_FENCED,
    );
    // A retried marker of the same coordinator epoch ends nothing and is accepted.
    expect(code(() => log.appendAsLeader([marker(9, false, 2, 5)], 0, COORDINATOR))).toBe(ErrorCode.NONE);
    expect(abortsOf(log)).toHaveLength(1);
    // A marker with a bumped epoch (the coordinator fencing on timeout) moves the producer's epoch.
    log.appendAsLeader([txn(9, 1, 1, 2)], 0, {
      startRule: 'verified',
      verificationGuard: log.startTransactionVerification(9),
    });
    log.appendAsLeader([marker(9, false, 3, 5)], 0, COORDINATOR);
    expect(code(() => log.appendAsLeader([txn(9, 2, 1, 2)], 0))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(log.describeProducers()).toEqual([
      {
        producerId: 9,
        producerEpoch: 3,
        lastSequence: -1,
        lastTimestamp: expect.any(Number) as number,
        coordinatorEpoch: 5,
        currentTxnStartOffset: -1,
      },
    ]);
    await log.close();
  });

  it("'sequence' rule without a coordinator: after a marker in the same epoch a transaction opens only at sequence 0", async () => {
    const log = await openLog(tempDir());
    log.appendAsLeader([txn(3, 0, 2)], 0); // unknown producer: opens at any sequence
    log.appendAsLeader([marker(3, true)], 0, COORDINATOR);
    // A late batch of the ended transaction's epoch (sequence 2 follows 1) must not open a new one.
    expect(() => log.appendAsLeader([txn(3, 2)], 0)).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_TXN_STATE }),
    );
    expect(log.ongoingTransaction(3)).toBeNull();
    // A new epoch starts at 0 and may open one.
    log.appendAsLeader([txn(3, 0, 1, 1)], 0);
    expect(log.ongoingTransaction(3)).toEqual({ firstOffset: 3, producerEpoch: 1 });
    await log.close();
  });

  it("'verified' rule (KIP-890): only with the guard taken before the coordinator answered, and no marker since", async () => {
    const log = await openLog(tempDir());
    const verified = (guard: ReturnType<PartitionLog['startTransactionVerification']> | null): LeaderAppendOptions => ({
      startRule: 'verified',
      verificationGuard: guard,
    });
    expect(() => log.appendAsLeader([txn(4, 0)], 0, verified(null))).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_TXN_STATE }),
    );
    expect(log.transactionStartsHere(4, 0)).toBe(true);
    const guard = log.startTransactionVerification(4);
    expect(log.startTransactionVerification(4)).toBe(guard); // concurrent asks share one
    log.appendAsLeader([txn(4, 0)], 0, verified(guard));
    expect(log.transactionStartsHere(4, 0)).toBe(false);
    log.appendAsLeader([txn(4, 1)], 0, verified(null)); // inside the open transaction: no guard needed
    // A verification that began before the marker is void after it: a late request cannot reopen.
    const stale = log.startTransactionVerification(4);
    log.appendAsLeader([marker(4, true)], 0, COORDINATOR);
    expect(() => log.appendAsLeader([txn(4, 2)], 0, verified(stale))).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_TXN_STATE }),
    );
    log.appendAsLeader([txn(4, 2)], 0, verified(log.startTransactionVerification(4)));
    expect(log.ongoingTransaction(4)?.firstOffset).toBe(3);
    // Also when the marker ends nothing here (the transaction never wrote to this partition yet).
    const unknown = log.startTransactionVerification(40);
    log.appendAsLeader([marker(40, false)], 0, COORDINATOR);
    expect(() => log.appendAsLeader([txn(40, 0)], 0, verified(unknown))).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_TXN_STATE }),
    );
    await log.close();
  });

  it('snapshots open and unstable transactions; reads the snapshots of before transactions', () => {
    const state = new ProducerStateManager();
    const header = (b: Buffer, offset: number) => ({ ...readBatchHeader(b), baseOffset: offset });
    state.applyStored(header(txn(1, 0), 0), null, 0);
    state.applyStored(header(txn(2, 0), 1), null, 1);
    state.applyStored(header(marker(1, true), 2), { committed: true, coordinatorEpoch: 3 }, 2);
    expect(state.firstUnstableOffset).toBe(0);
    const copy = new ProducerStateManager();
    expect(copy.restore(state.serialize(3))).toBe(3);
    expect(copy.firstUnstableOffset).toBe(0);
    expect(copy.ongoingTransaction(2)).toEqual({ firstOffset: 1, producerEpoch: 0 });
    expect(copy.describe().find((p) => p.producerId === 1)?.coordinatorEpoch).toBe(3);
    copy.onHighWatermark(3);
    expect(copy.firstUnstableOffset).toBe(1);
    // Version 1 (idempotent producers only) still loads.
    const v1 = JSON.stringify({ version: 1, offset: 5, producers: [[8, 0, 10, [[0, 4, 0, 4]]]] });
    expect(copy.restore(v1)).toBe(5);
    expect(copy.lastBatch(8)).toEqual({ epoch: 0, batch: { firstSeq: 0, lastSeq: 4, firstOffset: 0, lastOffset: 4 } });
    expect(copy.firstUnstableOffset).toBeNull();
    expect(copy.restore(JSON.stringify({ version: 2, offset: 5, producers: [[8, 0, 10, []]], ended: [] }))).toBeNull();
  });

  it('forgets producers with nothing left after the log start, and their open transactions (truncateHead)', async () => {
    const log = await openLog(tempDir());
    log.appendAsLeader([txn(1, 0)], 0); // 0: producer 1 opens, its marker is lost with it below
    log.appendAsLeader([txn(2, 0)], 0); // 1: producer 2 opens
    log.appendAsLeader([txn(2, 1)], 0); // 2
    expect(log.firstUnstableOffset).toBe(0);
    await log.deleteRecordsBefore(2);
    // Producer 1 has nothing at or after 2: gone; producer 2 keeps its transaction.
    expect(log.ongoingTransaction(1)).toBeNull();
    expect(log.ongoingTransaction(2)).toEqual({ firstOffset: 1, producerEpoch: 0 });
    expect(log.firstUnstableOffset).toBe(1);
    await log.close();
  });

  it('never forgets a producer with an open transaction to make room', () => {
    const state = new ProducerStateManager(2);
    const at = (b: Buffer, offset: number) => ({ ...readBatchHeader(b), baseOffset: offset });
    state.applyStored(at(txn(1, 0), 0), null, 0);
    state.applyStored(at(batch('a', 1, { producerId: 2, producerEpoch: 0, baseSequence: 0 }), 1), null, 1);
    state.applyStored(at(batch('b', 1, { producerId: 3, producerEpoch: 0, baseSequence: 0 }), 2), null, 2);
    expect(state.size).toBe(2);
    expect(state.ongoingTransaction(1)).toEqual({ firstOffset: 0, producerEpoch: 0 });
    expect(state.lastBatch(2)).toBeNull(); // the stalest without a transaction went
  });
});

describe('transactions across restarts, crashes and truncation', () => {
  /** Two segments: producer 5 opens in the first and aborts in the second; producer 6 stays open. */
  async function writeLog(dir: string): Promise<PartitionLog> {
    const log = await openLog(dir, { segmentBytes: 1024 });
    log.appendAsLeader([txn(5, 0, 1, 0, 400)], 0); // 0
    log.appendAsLeader([txn(6, 0, 1, 0, 400)], 0); // 1
    log.appendAsLeader([txn(5, 1, 1, 0, 400)], 0); // 2: rolls here
    log.appendAsLeader([marker(5, false)], 0, COORDINATOR); // 3
    log.appendAsLeader([batch('after', 1)], 0); // 4
    expect(log.segmentCount).toBe(2);
    return log;
  }

  const expectedAbort = { producerId: 5, firstOffset: 0, lastOffset: 3, lastStableOffset: 1 };

  it('a clean restart restores them from the snapshot and the .txnindex files', async () => {
    const dir = tempDir();
    const log = await writeLog(dir);
    expect(abortsOf(log)).toEqual([expectedAbort]);
    await log.close();
    expect(segmentFiles(dir, '.txnindex')).toHaveLength(2);
    const reopened = await openLog(dir, { segmentBytes: 1024 });
    expect(abortsOf(reopened)).toEqual([expectedAbort]);
    expect(reopened.ongoingTransaction(6)).toEqual({ firstOffset: 1, producerEpoch: 0 });
    expect(reopened.firstUnstableOffset).toBe(0); // 5's marker is not known below a high watermark yet
    reopened.onHighWatermark(reopened.logEndOffset);
    expect(reopened.firstUnstableOffset).toBe(1);
    await reopened.close();
  });

  for (const snapshot of ['kept', 'lost']) {
    it(`a crash rebuilds them by replaying the log (producer snapshot of the roll ${snapshot})`, async () => {
      const dir = tempDir();
      const log = await writeLog(dir);
      await log.flush();
      const crash = tempDir();
      fs.cpSync(dir, crash, { recursive: true });
      await log.close();
      expect(fs.existsSync(path.join(crash, '.clean-shutdown'))).toBe(false);
      if (snapshot === 'lost') {
        fs.rmSync(path.join(crash, 'producer-state.snapshot'));
        fs.rmSync(path.join(crash, 'producer-state.segment.snapshot'));
      }
      const reopened = await openLog(crash, { segmentBytes: 1024 });
      expect(abortsOf(reopened)).toEqual([expectedAbort]);
      expect(reopened.ongoingTransaction(6)).toEqual({ firstOffset: 1, producerEpoch: 0 });
      expect(reopened.ongoingTransaction(5)).toBeNull();
      await reopened.close();
      expect(segmentFiles(crash, '.txnindex')).toHaveLength(2);
    });
  }

  it('a crash after a clean restart replays from where the active segment starts, not the log start', async () => {
    const dir = tempDir();
    await (await writeLog(dir)).close(); // the newest snapshot is now at the log end (5)
    const reopened = await openLog(dir, { segmentBytes: 1024 });
    reopened.appendAsLeader([txn(7, 0)], 0); // 5
    reopened.appendAsLeader([marker(7, false)], 0, COORDINATOR); // 6: an abort in the active segment
    await reopened.flush();
    const crash = tempDir();
    fs.cpSync(dir, crash, { recursive: true });
    await reopened.close();
    const { logger, lines } = captureLogger();
    const recovered = await PartitionLog.open(crash, smallConfig({ segmentBytes: 1024 }), logger);
    const opened = lines.find((l) => l['msg'] === 'partition log opened');
    expect(opened?.['cleanShutdown']).toBe(false);
    expect(opened?.['producerReplayFrom']).toBe(2); // the active segment's base, from its snapshot
    expect(abortsOf(recovered)).toEqual([
      expectedAbort,
      { producerId: 7, firstOffset: 5, lastOffset: 6, lastStableOffset: 1 },
    ]);
    await recovered.close();
  });

  it('rebuilds a missing or damaged .txnindex of an inactive segment, with a warning', async () => {
    const dir = tempDir();
    const log = await writeLog(dir);
    log.appendAsLeader([batch('pad', 1, { valueBytes: 900 })], 0); // 5: rolls: the second segment goes inactive
    await log.close();
    const files = segmentFiles(dir, '.txnindex');
    expect(files).toHaveLength(3);
    const withAbort = path.join(dir, files[1] as string);
    expect(fs.statSync(withAbort).size).toBe(34);
    for (const damage of [() => fs.rmSync(withAbort), () => fs.writeFileSync(withAbort, Buffer.alloc(20, 7))]) {
      damage();
      const { logger, lines } = captureLogger();
      const reopened = await PartitionLog.open(dir, smallConfig({ segmentBytes: 1024 }), logger);
      expect(abortsOf(reopened)).toEqual([expectedAbort]);
      expect(lines.some((l) => l['msg'] === 'rebuilding segment txn index from the log')).toBe(true);
      await reopened.close();
      expect(fs.readFileSync(withAbort).length).toBe(34);
    }
  });

  it('a truncation drops the aborts and transactions it cuts, and reopens what the cut un-ends', async () => {
    const dir = tempDir();
    const log = await writeLog(dir);
    await log.truncateTo(3); // the marker goes
    expect(abortsOf(log)).toEqual([]);
    expect(log.ongoingTransaction(5)).toEqual({ firstOffset: 0, producerEpoch: 0 });
    await log.truncateTo(1); // producer 6's only batch goes
    expect(log.ongoingTransaction(6)).toBeNull();
    expect(log.firstUnstableOffset).toBe(0);
    await log.close();
  });

  it('a follower copying the leader builds the same index and state', async () => {
    const leader = await writeLog(tempDir());
    const follower = await openLog(tempDir(), { segmentBytes: 1024 });
    const bytes = await readAll(leader);
    const batches: Buffer[] = [];
    for (let at = 0; at < bytes.length;) {
      const size = bytes.readInt32BE(at + 8) + 12;
      batches.push(Buffer.from(bytes.subarray(at, at + size)));
      at += size;
    }
    for (const b of batches) follower.appendAsFollower([b]);
    expect(abortsOf(follower)).toEqual(abortsOf(leader));
    expect(follower.ongoingTransaction(6)).toEqual(leader.ongoingTransaction(6));
    expect(follower.firstUnstableOffset).toBe(leader.firstUnstableOffset);
    await leader.close();
    await follower.close();
  });

  it('retention deletes a segment with its .txnindex', async () => {
    const dir = tempDir();
    const log = await writeLog(dir);
    await log.close();
    const reopened = await openLog(dir, { segmentBytes: 1024, retentionBytes: 1 });
    await reopened.applyRetention(Date.now());
    expect(segmentFiles(dir, '.log')).toHaveLength(1);
    expect(segmentFiles(dir, '.txnindex')).toHaveLength(0); // the active one keeps its index in memory
    await reopened.close();
  });
});
