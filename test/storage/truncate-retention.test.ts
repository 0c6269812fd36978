import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/common/errors.js';
import { batch, batchesIn, openLog, readAll, segmentFiles, tempDir } from './helpers.js';

const config = { segmentBytes: 1500, indexIntervalBytes: 200 };

describe('truncateTo', () => {
  it('removes every batch at or after the offset across segments, durably', async () => {
    const dir = tempDir();
    const log = await openLog(dir, config);
    for (let i = 0; i < 40; i++) log.appendAsLeader([batch(`b${i}`, 3, { valueBytes: 50 })], i < 20 ? 1 : 2); // offsets 3i..3i+2
    await log.flush();
    const segmentsBefore = log.segmentCount;
    const all = await readAll(log);
    await log.truncateTo(30); // a batch boundary
    expect(log.logEndOffset).toBe(30);
    expect(log.segmentCount).toBeLessThan(segmentsBefore);
    const kept = await readAll(log);
    expect(batchesIn(kept).at(-1)!.lastOffset).toBe(29);
    expect(Buffer.compare(kept, all.subarray(0, kept.length))).toBe(0);
    expect(log.endOffsetForEpoch(1)).toEqual({ epoch: 1, endOffset: 30 });
    expect(log.lastEpoch).toBe(1);
    await log.truncateTo(25); // inside batch 24..26: the whole batch goes
    expect(log.logEndOffset).toBe(24);
    expect(log.appendAsLeader([batch('new', 2)], 3).baseOffset).toBe(24);
    expect(log.epochEntries()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 24 },
    ]);
    await log.flush();
    // A crash image now recovers to the same log.
    const crash = tempDir();
    fs.cpSync(dir, crash, { recursive: true });
    const reopened = await openLog(crash, config);
    expect(reopened.logEndOffset).toBe(26);
    expect(Buffer.compare(await readAll(reopened), await readAll(log))).toBe(0);
    await reopened.close();
    await log.close();
  });

  it('truncating inside the batch that holds the log start empties the log and restarts it at that batch', async () => {
    const log = await openLog(tempDir(), config);
    for (let i = 0; i < 10; i++) log.appendAsLeader([batch(`b${i}`, 4)], 0); // offsets 4i..4i+3
    await log.deleteRecordsBefore(9); // inside batch 8..11
    await log.truncateTo(10); // that batch goes whole: nothing readable is left
    expect(log.logEndOffset).toBe(8);
    expect(log.logStartOffset).toBe(8);
    expect(log.appendAsLeader([batch('x', 1)], 0).baseOffset).toBe(8);
    await log.close();
  });

  it('truncating at or below the log start empties the log and restarts it there', async () => {
    const log = await openLog(tempDir(), config);
    for (let i = 0; i < 10; i++) log.appendAsLeader([batch(`b${i}`, 2)], 0);
    await log.truncateFullyAndStartAt(100);
    expect(log.logStartOffset).toBe(100);
    expect(log.logEndOffset).toBe(100);
    expect(log.appendAsLeader([batch('x', 1)], 0).baseOffset).toBe(100);
    await log.close();
  });
});

describe('deleteRecordsBefore', () => {
  it('advances the log start durably and deletes whole segments below it', async () => {
    const dir = tempDir();
    const log = await openLog(dir, config);
    for (let i = 0; i < 40; i++) log.appendAsLeader([batch(`b${i}`, 2, { valueBytes: 50 })], 0);
    const segments = log.segmentBaseOffsets;
    expect(segments.length).toBeGreaterThan(3);
    const target = segments[2]! + 1;
    await log.deleteRecordsBefore(target);
    expect(log.logStartOffset).toBe(target);
    expect(log.segmentBaseOffsets[0]).toBe(segments[2]);
    expect(segmentFiles(dir, '.log')[0]).toBe(`${String(segments[2]).padStart(20, '0')}.log`);
    await expect(log.read(target - 1, 100, log.logEndOffset)).rejects.toMatchObject({
      code: ErrorCode.OFFSET_OUT_OF_RANGE,
    });
    const first = await log.read(target, 1, log.logEndOffset);
    expect(batchesIn(Buffer.concat(first.chunks))[0]!.baseOffset).toBe(target - 1); // containing batch
    await expect(log.deleteRecordsBefore(log.logEndOffset + 1)).rejects.toMatchObject({
      code: ErrorCode.OFFSET_OUT_OF_RANGE,
    });
    await log.flush();
    const crash = tempDir();
    fs.cpSync(dir, crash, { recursive: true });
    const reopened = await openLog(crash, config);
    expect(reopened.logStartOffset).toBe(target);
    await reopened.close();
    await log.close();
  });
});

describe('retention', () => {
  it('deletes inactive segments older than retentionMs by their largest timestamp', async () => {
    const dir = tempDir();
    const log = await openLog(dir, { ...config, retentionMs: 10_000 });
    const base = 1_000_000_000;
    for (let i = 0; i < 30; i++)
      log.appendAsLeader([batch(`b${i}`, 1, { valueBytes: 100, timestamp: base + i * 1000 })], 0);
    const segments = log.segmentBaseOffsets;
    expect(segments.length).toBeGreaterThan(3);
    expect(await log.applyRetention(base)).toBe(0);
    const now = base + 20_000; // batch i (offset i) has timestamp base + i s
    const deleted = await log.applyRetention(now);
    expect(deleted).toBeGreaterThan(0);
    const start = log.logStartOffset;
    expect(start).toBe(log.segmentBaseOffsets[0]);
    expect(segments).toContain(start);
    // The newest record of the last deleted segment is past retention; the first kept one is not.
    expect(base + (start - 1) * 1000).toBeLessThan(now - 10_000);
    const firstKeptNewest = base + (log.segmentBaseOffsets[1]! - 1) * 1000;
    expect(firstKeptNewest).toBeGreaterThanOrEqual(now - 10_000);
    // Everything but the active segment, eventually.
    await log.applyRetention(base + 1_000_000);
    expect(log.segmentCount).toBe(1);
    await log.close();
  });

  it('deletes the oldest inactive segments while the log exceeds retentionBytes', async () => {
    const dir = tempDir();
    const log = await openLog(dir, { ...config, retentionBytes: 3000 });
    for (let i = 0; i < 40; i++) log.appendAsLeader([batch(`b${i}`, 1, { valueBytes: 100 })], 0);
    expect(log.sizeBytes).toBeGreaterThan(3000);
    await log.applyRetention(1_700_000_000_000); // the batches' own time: only size applies
    expect(log.sizeBytes).toBeGreaterThanOrEqual(3000);
    expect(log.sizeBytes - fs.statSync(path.join(dir, segmentFiles(dir, '.log')[0]!)).size).toBeLessThan(3000);
    expect(log.logStartOffset).toBe(log.segmentBaseOffsets[0]);
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.log')).length).toBe(log.segmentCount);
    const start = Number(fs.readFileSync(path.join(dir, 'log-start-offset-checkpoint'), 'utf8').split('\n')[1]);
    expect(start).toBe(log.logStartOffset);
    await log.close();
  });
});
