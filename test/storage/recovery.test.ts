import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { batch, batchesIn, openLog, readAll, segmentFiles, tempDir, flipByte } from './helpers.js';
import type { PartitionLog } from '../../src/storage/index.js';

/** A crash image: the files as they are now (page cache included), without a clean close. */
function crashCopy(from: string): string {
  const to = tempDir();
  fs.cpSync(from, to, { recursive: true });
  return to;
}

function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function fillLog(dir: string, batches: number): Promise<PartitionLog> {
  const log = await openLog(dir, { segmentBytes: 8192, indexIntervalBytes: 200 });
  for (let i = 0; i < batches; i++)
    log.appendAsLeader([batch(`b${i}`, 1 + (i % 3), { valueBytes: 20 + (i % 7) * 30 })], 1);
  await log.flush();
  return log;
}

describe('recovery', () => {
  it('after cutting the active segment at random byte positions keeps exactly the whole batches before the cut', async () => {
    const source = tempDir();
    const original = await fillLog(source, 70);
    const expectedAll = await readAll(original);
    const logs = segmentFiles(source, '.log');
    expect(logs.length).toBeGreaterThan(2);
    const activeName = logs[logs.length - 1]!;
    const activeBytes = fs.readFileSync(path.join(source, activeName));
    const activeBase = Number(activeName.slice(0, 20));
    const boundaries = batchesIn(activeBytes);
    const before = expectedAll.length - activeBytes.length;
    const random = seededRandom(20240611);
    const cuts = [
      0,
      1,
      60,
      61,
      activeBytes.length - 1,
      ...Array.from({ length: 40 }, () => Math.floor(random() * activeBytes.length)),
    ];
    for (const cut of cuts) {
      const dir = crashCopy(source);
      fs.truncateSync(path.join(dir, activeName), cut);
      const log = await openLog(dir, { segmentBytes: 8192, indexIntervalBytes: 200 });
      let kept = 0;
      let expectedEnd = activeBase;
      for (const b of boundaries) {
        if (kept + b.sizeBytes > cut) break;
        kept += b.sizeBytes;
        expectedEnd = b.lastOffset + 1;
      }
      expect(log.logEndOffset, `cut at ${cut}`).toBe(expectedEnd);
      expect(log.durableEndOffset).toBe(expectedEnd);
      const got = await readAll(log);
      expect(got.length).toBe(before + kept);
      expect(Buffer.compare(got, expectedAll.subarray(0, before + kept)), `cut at ${cut}`).toBe(0);
      const next = log.appendAsLeader([batch('after', 2)], 1);
      expect(next.baseOffset).toBe(expectedEnd);
      await log.close();
      const reopened = await openLog(dir, { segmentBytes: 8192, indexIntervalBytes: 200 });
      expect(reopened.logEndOffset).toBe(expectedEnd + 2);
      await reopened.close();
    }
    await original.close();
  });

  it('truncates a batch whose bytes were corrupted (CRC) and everything after it', async () => {
    const source = tempDir();
    const original = await fillLog(source, 30);
    const logs = segmentFiles(source, '.log');
    const activeName = logs[logs.length - 1]!;
    const activeBase = Number(activeName.slice(0, 20));
    const activeBytes = fs.readFileSync(path.join(source, activeName));
    const boundaries = batchesIn(activeBytes);
    expect(boundaries.length).toBeGreaterThan(3);
    for (const victim of [boundaries.length - 1, 1]) {
      const dir = crashCopy(source);
      const file = path.join(dir, activeName);
      const bytes = fs.readFileSync(file);
      let position = 0;
      for (let i = 0; i < victim; i++) position += boundaries[i]!.sizeBytes;
      flipByte(bytes, position + boundaries[victim]!.sizeBytes - 3, 0x5a); // inside the records, covered by the CRC
      fs.writeFileSync(file, bytes);
      const log = await openLog(dir, { segmentBytes: 8192, indexIntervalBytes: 200 });
      expect(log.logEndOffset).toBe(victim === 0 ? activeBase : boundaries[victim - 1]!.lastOffset + 1);
      expect(fs.statSync(file).size).toBe(position);
      await log.close();
    }
    await original.close();
  });

  it('deletes the segments that follow a torn rolled segment', async () => {
    const dir = tempDir();
    const log = await openLog(dir, { segmentBytes: 2048, indexIntervalBytes: 200 });
    for (let i = 0; i < 12; i++) log.appendAsLeader([batch(`b${i}`, 1, { valueBytes: 300 })], 1);
    // No flush: the rolled segments have no index files yet, as after a crash right after a roll.
    const crash = crashCopy(dir);
    const logs = segmentFiles(crash, '.log');
    expect(logs.length).toBeGreaterThanOrEqual(3);
    expect(segmentFiles(crash, '.index')).toEqual([]);
    const second = logs[1]!;
    const size = fs.statSync(path.join(crash, second)).size;
    fs.truncateSync(path.join(crash, second), size - 10);
    const recovered = await openLog(crash, { segmentBytes: 2048, indexIntervalBytes: 200 });
    expect(recovered.segmentCount).toBe(2);
    const secondBatches = batchesIn(fs.readFileSync(path.join(crash, second)));
    expect(recovered.logEndOffset).toBe(secondBatches[secondBatches.length - 1]!.lastOffset + 1);
    expect(segmentFiles(crash, '.log')).toEqual(logs.slice(0, 2));
    await recovered.close();
    await log.close();
  });

  it('ends the log at a hole: a rolled segment that lost its tail deletes the segments after it', async () => {
    const dir = tempDir();
    const log = await openLog(dir, { segmentBytes: 2048, indexIntervalBytes: 200 });
    for (let i = 0; i < 12; i++) log.appendAsLeader([batch(`b${i}`, 1, { valueBytes: 300 })], 1);
    const crash = crashCopy(dir);
    const logs = segmentFiles(crash, '.log');
    expect(logs.length).toBeGreaterThanOrEqual(3);
    // The crash kept the second segment's first batches only, cut cleanly at a batch boundary
    // (nothing torn to find), but the later segments' directory entries survived.
    const second = path.join(crash, logs[1]!);
    const kept = batchesIn(fs.readFileSync(second))[0]!;
    fs.truncateSync(second, kept.sizeBytes);
    const recovered = await openLog(crash, { segmentBytes: 2048, indexIntervalBytes: 200 });
    expect(recovered.logEndOffset).toBe(kept.lastOffset + 1);
    expect(segmentFiles(crash, '.log')).toEqual(logs.slice(0, 2));
    expect(recovered.appendAsLeader([batch('next', 1)], 1).baseOffset).toBe(kept.lastOffset + 1);
    await recovered.close();
    await log.close();
  });

  it('writes a clean-shutdown marker on close, and still validates the last batch on a clean open', async () => {
    const dir = tempDir();
    const log = await fillLog(dir, 30);
    const end = log.logEndOffset;
    await log.close();
    expect(fs.existsSync(path.join(dir, '.clean-shutdown'))).toBe(true);
    expect(segmentFiles(dir, '.index').length).toBe(segmentFiles(dir, '.log').length);
    const clean = await openLog(dir, { segmentBytes: 8192, indexIntervalBytes: 200 });
    expect(clean.logEndOffset).toBe(end);
    expect(fs.existsSync(path.join(dir, '.clean-shutdown'))).toBe(false);
    const logs = segmentFiles(dir, '.log');
    const activeName = logs[logs.length - 1]!;
    expect(fs.existsSync(path.join(dir, activeName.replace('.log', '.index')))).toBe(false); // active: no index file
    await clean.close();
    // Damage the last batch after a clean close: the marker must not make us trust it.
    const file = path.join(dir, activeName);
    const bytes = fs.readFileSync(file);
    flipByte(bytes, bytes.length - 2, 0x11);
    fs.writeFileSync(file, bytes);
    const checked = await openLog(dir, { segmentBytes: 8192, indexIntervalBytes: 200 });
    const boundaries = batchesIn(bytes);
    expect(checked.logEndOffset).toBe(
      end - (boundaries[boundaries.length - 1]!.lastOffset - boundaries[boundaries.length - 1]!.baseOffset + 1),
    );
    await checked.close();
  });
});
