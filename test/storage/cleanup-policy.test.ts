// cleanup.policy as Kafka applies it: `delete` deletes old segments and never compacts, `compact`
// compacts and never deletes by age, `compact,delete` does both — the cleaner keeps each key's
// latest record, and retention still removes segments past retention.ms.
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import type { Clock } from '../../src/common/clock.js';
import { silentLogger } from '../../src/common/log.js';
import { type CleanupPolicy, LogManager, type PartitionLog } from '../../src/storage/index.js';
import { T0, keyedBatch, readRecords } from './cleaner-helpers.js';
import { tempDir } from './helpers.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const HOUR_MS = 60 * 60 * 1000;

function fixedClock(now: { ms: number }): Clock {
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

/** Writes `rounds` values of each of `keys` keys, the first half of the rounds an hour older. */
function fill(log: PartitionLog, keys: number, rounds: number): void {
  for (let round = 0; round < rounds; round++) {
    const timestamp = round < rounds / 2 ? T0 - 2 * HOUR_MS : T0;
    for (let k = 0; k < keys; k++) {
      log.appendAsLeader([keyedBatch([{ key: `k${k}`, value: `v${round}-${k}`.padEnd(60, '.') }], { timestamp })], 0);
    }
  }
}

describe('cleanup.policy', () => {
  it('delete retains by age only, compact compacts only, compact,delete does both', async () => {
    const now = { ms: T0 };
    const dataDir = tempDir();
    dirs.push(dataDir);
    const manager = await LogManager.open(
      dataDir,
      silentLogger,
      { segmentBytes: 2048, indexIntervalBytes: 128 },
      {
        clock: fixedClock(now),
        cleaner: { enabled: false, ioMaxBytesPerSecond: Number.MAX_VALUE, dedupeBufferBytes: 1 << 20, backoffMs: 100 },
      },
    );
    const logs = new Map<CleanupPolicy, PartitionLog>();
    for (const policy of ['delete', 'compact', 'compact,delete'] as const) {
      const log = await manager.getOrCreate(policy.replace(',', '-'), 0, {
        cleanupPolicy: policy,
        retentionMs: HOUR_MS,
        minCleanableDirtyRatio: 0.1,
      });
      log.setCleanableBound({ cleanableEndOffset: () => log.logEndOffset });
      fill(log, 20, 8);
      logs.set(policy, log);
    }
    // Retention: the older half is two hours old, past retention.ms of an hour.
    await manager.retentionTick(now.ms);
    expect(logs.get('delete')!.logStartOffset).toBeGreaterThan(0);
    expect(logs.get('compact')!.logStartOffset).toBe(0);
    expect(logs.get('compact,delete')!.logStartOffset).toBeGreaterThan(0);

    // Compaction: the cleaner takes the compacted logs, never the delete one.
    while (await manager.cleaner!.runOnce());
    expect(logs.get('delete')!.cleanedUpToOffset).toBe(0);
    expect(logs.get('compact')!.cleanedUpToOffset).toBeGreaterThan(0);
    expect(logs.get('compact,delete')!.cleanedUpToOffset).toBeGreaterThan(0);
    // What is left to read: every record of the delete log from its new start, and in the
    // compacted ones no key twice below what the cleaner reached (the active segment stays dirty).
    const records = async (policy: CleanupPolicy) => await readRecords(logs.get(policy)!);
    expect((await records('delete')).length).toBe(160 - logs.get('delete')!.logStartOffset);
    for (const policy of ['compact', 'compact,delete'] as const) {
      const cleanedTo = logs.get(policy)!.cleanedUpToOffset;
      const keys = (await records(policy)).filter((r) => r.offset < cleanedTo).map((r) => r.key);
      expect(new Set(keys).size, policy).toBe(keys.length);
      expect((await records(policy)).length, policy).toBeLessThan(160 - logs.get(policy)!.logStartOffset);
    }
    for (const log of logs.values()) expect(log.logEndOffset).toBe(160);
    await manager.closeAll();
  });
});
