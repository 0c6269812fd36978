import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OffsetIndex } from '../../src/storage/offset-index.js';
import { TimeIndex } from '../../src/storage/time-index.js';
import { PartitionLog } from '../../src/storage/index.js';
import { batch, captureLogger, openLog, readAll, segmentFiles, smallConfig, tempDir } from './helpers.js';

describe('sparse indexes', () => {
  it('offset index finds the last entry at or below a target', () => {
    const index = new OffsetIndex(100);
    index.append(110, 4096);
    index.append(130, 8200);
    index.append(131, 9000);
    expect(index.lookup(99)).toEqual({ offset: 100, position: 0 });
    expect(index.lookup(100)).toEqual({ offset: 100, position: 0 });
    expect(index.lookup(120)).toEqual({ offset: 110, position: 4096 });
    expect(index.lookup(130)).toEqual({ offset: 130, position: 8200 });
    expect(index.lookup(10_000)).toEqual({ offset: 131, position: 9000 });
    index.truncateToOffset(130);
    expect(index.last()).toEqual({ offset: 110, position: 4096 });
    const parsed = OffsetIndex.parse(100, index.serialize(), 10_000);
    expect(parsed).toBeInstanceOf(OffsetIndex);
    expect((parsed as OffsetIndex).lookup(125)).toEqual({ offset: 110, position: 4096 });
  });

  it('offset index parsing reports damage', () => {
    const index = new OffsetIndex(0);
    index.append(5, 100);
    index.append(9, 200);
    const bytes = index.serialize();
    expect(OffsetIndex.parse(0, bytes.subarray(0, 12), 1000)).toMatch(/multiple/);
    expect(OffsetIndex.parse(0, Buffer.concat([bytes.subarray(8), bytes.subarray(0, 8)]), 1000)).toMatch(/increase/);
    expect(OffsetIndex.parse(0, bytes, 150)).toMatch(/beyond the log/);
  });

  it('time index answers where a scan for a timestamp may start', () => {
    const index = new TimeIndex(0);
    index.maybeAppend(1000, 3);
    index.maybeAppend(900, 5); // not newer: ignored
    index.maybeAppend(2000, 8);
    expect(index.entries).toBe(2);
    expect(index.lookupBelow(500)).toBe(0);
    expect(index.lookupBelow(1000)).toBe(0);
    expect(index.lookupBelow(1001)).toBe(3);
    expect(index.lookupBelow(5000)).toBe(8);
    expect(TimeIndex.parse(0, index.serialize(), 8)).toMatch(/beyond the log end/);
    expect(TimeIndex.parse(0, index.serialize(), 9)).toBeInstanceOf(TimeIndex);
  });

  it('the log keeps about one entry per indexIntervalBytes', async () => {
    const dir = tempDir();
    const log = await openLog(dir, { segmentBytes: 64 * 1024, indexIntervalBytes: 1000 });
    for (let i = 0; i < 100; i++) log.appendAsLeader([batch(`b${i}`, 1, { valueBytes: 130 })], 0);
    await log.close();
    const logBytes = fs.statSync(path.join(dir, '00000000000000000000.log')).size;
    const entries = fs.statSync(path.join(dir, '00000000000000000000.index')).size / 8;
    expect(entries).toBeGreaterThan(logBytes / 1000 / 2);
    expect(entries).toBeLessThanOrEqual(logBytes / 1000 + 1);
  });
});

describe('index rebuild', () => {
  async function prepared(): Promise<{ dir: string; all: Buffer; names: string[] }> {
    const dir = tempDir();
    const log = await openLog(dir, { segmentBytes: 4096, indexIntervalBytes: 300 });
    for (let i = 0; i < 60; i++)
      log.appendAsLeader([batch(`b${i}`, 2, { valueBytes: 60, timestamp: 1_000_000 + i * 10 })], 0);
    const all = await readAll(log);
    await log.close();
    const names = segmentFiles(dir, '.index');
    expect(names.length).toBeGreaterThan(3);
    return { dir, all, names };
  }

  const damages: [string, (file: string) => void][] = [
    ['missing', (file) => fs.unlinkSync(file)],
    ['size not a multiple of the entry', (file) => fs.appendFileSync(file, Buffer.from([1, 2, 3]))],
    [
      'entries not increasing',
      (file) => {
        const b = fs.readFileSync(file);
        fs.writeFileSync(file, Buffer.concat([b.subarray(8, 16), b.subarray(0, 8), b.subarray(16)]));
      },
    ],
    [
      'last entry beyond the log',
      (file) => {
        const b = fs.readFileSync(file);
        b.writeInt32BE(0x7ffffff0, b.length - 4);
        fs.writeFileSync(file, b);
      },
    ],
    [
      'last entry naming the wrong batch',
      (file) => {
        const b = fs.readFileSync(file);
        b.writeInt32BE(b.readInt32BE(b.length - 8) - 1, b.length - 8);
        fs.writeFileSync(file, b);
      },
    ],
  ];

  for (const [name, damage] of damages) {
    it(`detects an offset index that is ${name} and rebuilds it`, async () => {
      const { dir, all, names } = await prepared();
      const victim = path.join(dir, names[1]!);
      const original = fs.readFileSync(victim);
      damage(victim);
      const { logger, lines } = captureLogger();
      const log = await PartitionLog.open(dir, smallConfig({ segmentBytes: 4096, indexIntervalBytes: 300 }), logger);
      expect(
        lines.some(
          (l) => l.msg === 'rebuilding segment index by a full scan' && l.segment === Number(names[1]!.slice(0, 20)),
        ),
      ).toBe(true);
      expect(Buffer.compare(await readAll(log), all)).toBe(0);
      expect(Buffer.compare(fs.readFileSync(victim), original)).toBe(0); // rewritten identically
      await log.close();
    });
  }

  it('detects a damaged time index and rebuilds it', async () => {
    const { dir, all, names } = await prepared();
    const victim = path.join(dir, names[0]!.replace('.index', '.timeindex'));
    const original = fs.readFileSync(victim);
    expect(original.length).toBeGreaterThan(12);
    fs.writeFileSync(
      victim,
      Buffer.concat([original.subarray(12, 24), original.subarray(0, 12), original.subarray(24)]),
    );
    const log = await openLog(dir, { segmentBytes: 4096, indexIntervalBytes: 300 });
    expect(Buffer.compare(await readAll(log), all)).toBe(0);
    expect(Buffer.compare(fs.readFileSync(victim), original)).toBe(0);
    await log.close();
  });
});
