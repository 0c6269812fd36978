import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/common/errors.js';
import { batch, openLog, readAll, tempDir } from './helpers.js';

describe('leader-epoch checkpoint', () => {
  it('answers OffsetForLeaderEpoch and survives a restart', async () => {
    const dir = tempDir();
    const log = await openLog(dir);
    expect(log.endOffsetForEpoch(0)).toEqual({ epoch: -1, endOffset: -1 });
    await log.assignEpochStart(1, 0);
    log.appendAsLeader([batch('a', 5)], 1); // 0..4
    await log.assignEpochStart(3, 5);
    log.appendAsLeader([batch('b', 5)], 3); // 5..9
    log.appendAsLeader([batch('c', 2)], 4); // 10..11: epoch 4 starts implicitly at 10
    expect(log.lastEpoch).toBe(4);
    expect(log.endOffsetForEpoch(1)).toEqual({ epoch: 1, endOffset: 5 });
    expect(log.endOffsetForEpoch(2)).toEqual({ epoch: 1, endOffset: 5 });
    expect(log.endOffsetForEpoch(3)).toEqual({ epoch: 3, endOffset: 10 });
    expect(log.endOffsetForEpoch(4)).toEqual({ epoch: 4, endOffset: 12 });
    expect(log.endOffsetForEpoch(0)).toEqual({ epoch: 0, endOffset: 0 });
    expect(log.endOffsetForEpoch(9)).toEqual({ epoch: -1, endOffset: -1 });
    expect(() => log.appendAsLeader([batch('old', 1)], 3)).toThrow(
      expect.objectContaining({ code: ErrorCode.FENCED_LEADER_EPOCH }),
    );
    await log.flush(); // the implicit epoch-4 entry becomes durable with the data
    const text = fs.readFileSync(path.join(dir, 'leader-epoch-checkpoint'), 'utf8');
    expect(text).toBe('0\n3\n1 0\n3 5\n4 10\n');
    // Crash image: the checkpoint and the log come back together.
    const crash = tempDir();
    fs.cpSync(dir, crash, { recursive: true });
    const reopened = await openLog(crash);
    expect(reopened.epochEntries()).toEqual(log.epochEntries());
    expect(reopened.endOffsetForEpoch(3)).toEqual({ epoch: 3, endOffset: 10 });
    await reopened.close();
    // Truncation drops the epochs that start at or after the new end.
    await log.truncateTo(7);
    expect(log.logEndOffset).toBe(5);
    expect(log.epochEntries()).toEqual([{ epoch: 1, startOffset: 0 }]);
    expect(fs.readFileSync(path.join(dir, 'leader-epoch-checkpoint'), 'utf8')).toBe('0\n1\n1 0\n');
    await log.close();
  });

  it('re-derives entries from batch epochs when the checkpoint missed them (crash) or is damaged', async () => {
    const dir = tempDir();
    const log = await openLog(dir);
    log.appendAsLeader([batch('a', 2)], 2);
    log.appendAsLeader([batch('b', 2)], 5);
    await log.flush();
    fs.writeFileSync(path.join(dir, 'leader-epoch-checkpoint'), '0\n1\n2 0\n'); // the 5@2 entry was lost
    const crash = tempDir();
    fs.cpSync(dir, crash, { recursive: true });
    const reopened = await openLog(crash);
    expect(reopened.epochEntries()).toEqual([
      { epoch: 2, startOffset: 0 },
      { epoch: 5, startOffset: 2 },
    ]);
    await reopened.close();
    fs.writeFileSync(path.join(crash, 'leader-epoch-checkpoint'), 'garbage');
    const rebuilt = await openLog(crash);
    expect(rebuilt.epochEntries()).toEqual([
      { epoch: 2, startOffset: 0 },
      { epoch: 5, startOffset: 2 },
    ]);
    await rebuilt.close();
    await log.close();
  });
});

describe('idempotent producer state', () => {
  const pid = 1000;
  const idem = (tag: string, count: number, epoch: number, seq: number) =>
    batch(tag, count, { producerId: pid, producerEpoch: epoch, baseSequence: seq });

  it('returns the original offsets for a duplicate and stores it once', async () => {
    const log = await openLog(tempDir());
    const first = log.appendAsLeader([idem('a', 3, 0, 0)], 0);
    log.appendAsLeader([batch('other', 2)], 0);
    const second = log.appendAsLeader([idem('b', 2, 0, 3)], 0);
    const end = log.logEndOffset;
    const retry = log.appendAsLeader([idem('a', 3, 0, 0)], 0);
    expect(retry).toEqual({
      baseOffset: first.baseOffset,
      lastOffset: first.lastOffset,
      logAppendTime: -1,
      duplicate: true,
    });
    expect(log.appendAsLeader([idem('b', 2, 0, 3)], 0)).toMatchObject({
      baseOffset: second.baseOffset,
      duplicate: true,
    });
    expect(log.logEndOffset).toBe(end);
    await log.close();
  });

  it('refuses a sequence gap with 45, an old epoch with 47, and a new epoch not starting at 0 with 45', async () => {
    const log = await openLog(tempDir());
    log.appendAsLeader([idem('a', 3, 2, 0)], 0); // seq 0..2
    expect(() => log.appendAsLeader([idem('gap', 1, 2, 4)], 0)).toThrow(
      expect.objectContaining({ code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER }),
    );
    expect(() => log.appendAsLeader([idem('old', 1, 1, 3)], 0)).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_PRODUCER_EPOCH }),
    );
    expect(() => log.appendAsLeader([idem('bump', 1, 3, 5)], 0)).toThrow(
      expect.objectContaining({ code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER }),
    );
    expect(log.logEndOffset).toBe(3);
    expect(log.appendAsLeader([idem('next', 1, 2, 3)], 0).baseOffset).toBe(3);
    expect(log.appendAsLeader([idem('bumped', 2, 3, 0)], 0).baseOffset).toBe(4);
    // The old epoch's batches are forgotten once the epoch is bumped.
    expect(() => log.appendAsLeader([idem('next', 1, 2, 3)], 0)).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_PRODUCER_EPOCH }),
    );
    // Unknown producer at any sequence is accepted (KIP-360 behaviour).
    expect(
      log.appendAsLeader([batch('u', 1, { producerId: 77, producerEpoch: 0, baseSequence: 40 })], 0).duplicate,
    ).toBe(false);
    await log.close();
  });

  it('wraps sequences at Int32.MAX to 0', async () => {
    const log = await openLog(tempDir());
    log.appendAsLeader([idem('a', 2, 0, 0x7ffffffe)], 0); // 2147483646..2147483647
    expect(log.appendAsLeader([idem('b', 1, 0, 0)], 0).duplicate).toBe(false);
    await log.close();
  });

  it('only the last five batches are remembered as duplicates', async () => {
    const log = await openLog(tempDir());
    for (let i = 0; i < 6; i++) log.appendAsLeader([idem(`b${i}`, 1, 0, i)], 0);
    expect(log.appendAsLeader([idem('b1', 1, 0, 1)], 0).duplicate).toBe(true);
    expect(() => log.appendAsLeader([idem('b0', 1, 0, 0)], 0)).toThrow(
      expect.objectContaining({ code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER }),
    );
    await log.close();
  });

  for (const mode of ['clean restart', 'crash'] as const) {
    it(`is rebuilt after a ${mode}, across segment rolls`, async () => {
      const dir = tempDir();
      const log = await openLog(dir, { segmentBytes: 1024 });
      const originals: { baseOffset: number }[] = [];
      for (let i = 0; i < 30; i++) originals.push(log.appendAsLeader([idem(`b${i}`, 2, 0, i * 2)], 0));
      await log.flush();
      let reopenedDir = dir;
      if (mode === 'clean restart') {
        await log.close();
      } else {
        reopenedDir = tempDir();
        fs.cpSync(dir, reopenedDir, { recursive: true });
        for (const file of ['producer-state.snapshot', 'producer-state.segment.snapshot']) {
          fs.rmSync(path.join(reopenedDir, file), { force: true });
        }
      }
      const reopened = await openLog(reopenedDir, { segmentBytes: 1024 });
      expect(reopened.segmentCount).toBeGreaterThan(2);
      const retry = reopened.appendAsLeader([idem('b29', 2, 0, 58)], 0);
      expect(retry).toMatchObject({ duplicate: true, baseOffset: originals[29]!.baseOffset });
      expect(() => reopened.appendAsLeader([idem('gap', 1, 0, 61)], 0)).toThrow(expect.objectContaining({ code: 45 }));
      expect(reopened.appendAsLeader([idem('b30', 1, 0, 60)], 0).baseOffset).toBe(60);
      await reopened.close();
      if (mode === 'crash') await log.close();
    });
  }

  it('is rebuilt from the batch holding the log start when there is no snapshot', async () => {
    const dir = tempDir();
    const log = await openLog(dir);
    log.appendAsLeader([idem('a', 4, 0, 0)], 0); // offsets 0..3
    await log.deleteRecordsBefore(2); // the log starts inside that batch
    await log.flush();
    const crash = tempDir();
    fs.cpSync(dir, crash, { recursive: true });
    for (const file of ['producer-state.snapshot', 'producer-state.segment.snapshot']) {
      fs.rmSync(path.join(crash, file), { force: true });
    }
    const reopened = await openLog(crash);
    expect(reopened.producerLastBatch(pid)?.batch).toEqual({ firstSeq: 0, lastSeq: 3, firstOffset: 0, lastOffset: 3 });
    expect(reopened.appendAsLeader([idem('a', 4, 0, 0)], 0)).toMatchObject({ duplicate: true, baseOffset: 0 });
    await reopened.close();
    await log.close();
  });

  it('is rebuilt after a truncation so a truncated batch is no longer a duplicate', async () => {
    const log = await openLog(tempDir(), { segmentBytes: 1024 });
    for (let i = 0; i < 20; i++) log.appendAsLeader([idem(`b${i}`, 1, 0, i)], 0);
    await log.truncateTo(18);
    expect(log.producerLastBatch(pid)?.batch).toMatchObject({ lastSeq: 17, lastOffset: 17 });
    expect(log.appendAsLeader([idem('b18', 1, 0, 18)], 0)).toMatchObject({ duplicate: false, baseOffset: 18 });
    expect(log.appendAsLeader([idem('b17', 1, 0, 17)], 0)).toMatchObject({ duplicate: true, baseOffset: 17 });
    expect((await readAll(log)).length).toBeGreaterThan(0);
    await log.close();
  });
});
