// The node's cleaner over a LogManager (src/storage/cleaner/log-cleaner.ts): dirtiest log first,
// min.cleanable.dirty.ratio honoured, tombstone-only passes once a delete horizon passes, stats,
// the I/O throttle, and a clean stop.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import type { Clock } from '../../src/common/clock.js';
import { type CleanerSettings, LogManager, type PartitionLog } from '../../src/storage/index.js';
import { Throttle } from '../../src/storage/cleaner/throttle.js';
import { VirtualLoop } from '../sim/virtual-loop.js';
import { T0, keyedBatch, readRecords } from './cleaner-helpers.js';
import { tempDir } from './helpers.js';

const SETTINGS: CleanerSettings = {
  enabled: false, // the tests call runOnce themselves
  ioMaxBytesPerSecond: Number.MAX_VALUE,
  dedupeBufferBytes: 1024 * 1024,
  backoffMs: 100,
};

function clockAt(now: { ms: number }): Clock {
  return {
    now: () => now.ms,
    schedule: (_delayMs, task) => {
      const timer = setTimeout(task, 0);
      return { cancel: () => clearTimeout(timer) };
    },
    every: () => ({ cancel: () => undefined }),
    soon: (task) => {
      const timer = setImmediate(task);
      return { cancel: () => clearImmediate(timer) };
    },
  };
}

function fill(log: PartitionLog, keys: number, rounds: number, prefix = 'k'): void {
  for (let round = 0; round < rounds; round++)
    for (let k = 0; k < keys; k++)
      log.appendAsLeader([keyedBatch([{ key: `${prefix}${k}`, value: `v${round}-${k}`.padEnd(60, '.') }])], 0);
}

async function openManager(now: { ms: number }, settings: Partial<CleanerSettings> = {}) {
  const manager = await LogManager.open(
    tempDir(),
    silentLogger,
    { segmentBytes: 2048, indexIntervalBytes: 128, retentionMs: -1 },
    { clock: clockAt(now), cleaner: { ...SETTINGS, ...settings } },
  );
  const compacted = async (topic: string, ratio: number): Promise<PartitionLog> => {
    const log = await manager.getOrCreate(topic, 0, { cleanupPolicy: 'compact', minCleanableDirtyRatio: ratio });
    log.setCleanableBound({ cleanableEndOffset: () => log.logEndOffset });
    return log;
  };
  return { manager, cleaner: manager.cleaner!, compacted };
}

describe('the log cleaner', () => {
  it('cleans the dirtiest log first and leaves logs below their min.cleanable.dirty.ratio alone', async () => {
    const now = { ms: T0 };
    const { manager, cleaner, compacted } = await openManager(now);
    const dirty = await compacted('dirty', 0.5);
    const lessDirty = await compacted('less', 0.1);
    const strict = await compacted('strict', 0.99);
    for (const log of [dirty, lessDirty, strict]) fill(log, 40, 2);
    // Never cleaned, all three are wholly dirty (ratio 1): each is due once.
    for (let i = 0; i < 3; i++) expect(await cleaner.runOnce()).toBe(true);
    expect(await cleaner.runOnce()).toBe(false);
    const cleaned = (log: PartitionLog): number => log.cleanedUpToOffset;
    const marks = [dirty, lessDirty, strict].map(cleaned);
    fill(dirty, 5, 40);
    fill(lessDirty, 5, 6);
    fill(strict, 5, 6);
    const ratios = [dirty, lessDirty, strict].map((log) => log.cleanableRange(now.ms)!.dirtyRatio);
    expect(ratios[0]).toBeGreaterThan(ratios[1]!);
    expect(ratios[1]).toBeGreaterThan(0.1);
    expect(ratios[2]).toBeLessThan(0.99);
    expect(await cleaner.runOnce()).toBe(true);
    expect([dirty, lessDirty, strict].map(cleaned).map((c, i) => c > marks[i]!)).toEqual([true, false, false]);
    expect(cleaner.dirtyRatios.get('dirty-0')).toBe(0);
    expect(await cleaner.runOnce()).toBe(true);
    expect([dirty, lessDirty, strict].map(cleaned).map((c, i) => c > marks[i]!)).toEqual([true, true, false]);
    expect(await cleaner.runOnce()).toBe(false);
    expect(cleaner.dirtyRatios.get('strict-0')).toBe(ratios[2]);
    expect(cleaner.stats.bytesRead).toBeGreaterThan(0);
    expect(cleaner.stats.bytesWritten).toBeGreaterThan(0);
    expect(cleaner.stats.lastRunMs).toBe(now.ms);
    await manager.closeAll();
  });

  it('runs a pass for tombstones once their delete horizon has passed, with nothing dirty', async () => {
    const now = { ms: T0 };
    const { manager, cleaner, compacted } = await openManager(now);
    const log = await compacted('t', 0.5);
    await manager.getOrCreate('t', 0, {
      cleanupPolicy: 'compact',
      minCleanableDirtyRatio: 0.5,
      deleteRetentionMs: 1000,
    });
    fill(log, 5, 3);
    log.appendAsLeader([keyedBatch([{ key: 'k1', value: null }])], 0);
    fill(log, 20, 2, 'x');
    while (await cleaner.runOnce());
    expect((await readRecords(log)).some((r) => r.key === 'k1' && r.value === null)).toBe(true);
    expect(await cleaner.runOnce()).toBe(false);
    now.ms += 1000;
    expect(await cleaner.runOnce()).toBe(true);
    expect((await readRecords(log)).some((r) => r.key === 'k1')).toBe(false);
    await manager.closeAll();
  });

  it('runs in the background from open and stops at closeAll', async () => {
    const manager = await LogManager.open(
      tempDir(),
      silentLogger,
      { segmentBytes: 2048, retentionMs: -1 },
      { cleaner: { ...SETTINGS, enabled: true, backoffMs: 20 } },
    );
    const log = await manager.getOrCreate('bg', 0, { cleanupPolicy: 'compact', minCleanableDirtyRatio: 0.2 });
    log.setCleanableBound({ cleanableEndOffset: () => log.logEndOffset });
    fill(log, 5, 30);
    // Waits for the event (bounded), not for a time.
    for (let i = 0; i < 500 && manager.cleaner!.stats.passes === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(manager.cleaner!.stats.passes).toBeGreaterThan(0);
    expect(log.cleanedUpToOffset).toBeGreaterThan(0);
    await manager.closeAll();
  });
});

describe('the cleaner throttle', () => {
  it('holds the byte rate to log.cleaner.io.max.bytes.per.second', async () => {
    const loop = new VirtualLoop();
    const throttle = new Throttle(loop.clock(), 100_000);
    const run = async (): Promise<void> => {
      for (let i = 0; i < 100; i++) await throttle.acquire(10_000); // 1 MB
    };
    await loop.settle(run());
    // 1 MB at 100 kB/s takes about 10 s of (virtual) time.
    expect(loop.nowMs).toBeGreaterThanOrEqual(9_800);
    expect(loop.nowMs).toBeLessThan(11_000);
  });
});
