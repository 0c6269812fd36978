import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import { LogManager, buildRecordBatch } from '../../src/storage/index.js';
import { batch, openLog, tempDir } from './helpers.js';

describe('offsets by timestamp', () => {
  it('finds the first record at or after a time, exactly for uncompressed batches', async () => {
    const log = await openLog(tempDir(), { segmentBytes: 1200, indexIntervalBytes: 100 });
    // Batch i holds offsets 3i..3i+2 with timestamps 10_000 + 100*i + {0, 10, 20}.
    for (let i = 0; i < 40; i++) {
      const records = [0, 10, 20].map((d) => ({
        key: null,
        value: Buffer.from(`v${i}-${d}`),
        timestamp: 10_000 + 100 * i + d,
      }));
      log.appendAsLeader([buildRecordBatch(records)], 0);
    }
    expect(log.segmentCount).toBeGreaterThan(3);
    expect(await log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: 10_000 });
    expect(await log.offsetForTimestamp(10_000 + 100 * 17 + 5)).toEqual({
      offset: 17 * 3 + 1,
      timestamp: 10_000 + 100 * 17 + 10,
    });
    expect(await log.offsetForTimestamp(10_000 + 100 * 25 + 20)).toEqual({
      offset: 25 * 3 + 2,
      timestamp: 10_000 + 100 * 25 + 20,
    });
    expect(await log.offsetForTimestamp(10_000 + 100 * 39 + 21)).toBeNull();
    expect(await log.maxTimestampOffset()).toEqual({ offset: 119, timestamp: 10_000 + 100 * 39 + 20 });
    await log.deleteRecordsBefore(10);
    expect(await log.offsetForTimestamp(0)).toEqual({ offset: 10, timestamp: 10_000 + 300 + 10 });
    await log.close();
  });

  it('max timestamp offset picks the largest timestamp even when it is not the last record', async () => {
    const log = await openLog(tempDir());
    log.appendAsLeader([batch('a', 1, { timestamp: 500 })], 0);
    log.appendAsLeader(
      [
        buildRecordBatch([
          { key: null, value: null, timestamp: 100 },
          { key: null, value: null, timestamp: 9000 },
          { key: null, value: null, timestamp: 200 },
        ]),
      ],
      0,
    );
    log.appendAsLeader([batch('c', 1, { timestamp: 600 })], 0);
    expect(await log.maxTimestampOffset()).toEqual({ offset: 2, timestamp: 9000 });
    await log.close();
  });
});

describe('LogManager', () => {
  it('creates, discovers after restart, deletes partitions and runs retention', async () => {
    const dataDir = tempDir();
    const manager = await LogManager.open(dataDir, silentLogger, { segmentBytes: 2048 });
    const a0 = await manager.getOrCreate('orders-eu', 0);
    const a1 = await manager.getOrCreate('orders-eu', 1, { retentionBytes: 2500 });
    expect(await manager.getOrCreate('orders-eu', 0)).toBe(a0);
    a0.appendAsLeader([batch('x', 3)], 0);
    for (let i = 0; i < 30; i++) a1.appendAsLeader([batch(`y${i}`, 1, { valueBytes: 200, timestamp: Date.now() })], 0);
    expect(fs.existsSync(path.join(dataDir, 'topics', 'orders-eu-1', '00000000000000000000.log'))).toBe(true);
    expect(await manager.retentionTick(Date.now())).toBeGreaterThan(0);
    expect(a1.logStartOffset).toBeGreaterThan(0);
    await manager.closeAll();

    const again = await LogManager.open(dataDir, silentLogger);
    expect(again.list().sort((x, y) => x.partition - y.partition)).toEqual([
      { topic: 'orders-eu', partition: 0 },
      { topic: 'orders-eu', partition: 1 },
    ]);
    expect(again.get('orders-eu', 0)?.logEndOffset).toBe(3);
    expect(again.get('orders-eu', 1)?.logEndOffset).toBe(30);
    await again.deletePartition('orders-eu', 0);
    expect(again.get('orders-eu', 0)).toBeUndefined();
    expect(fs.existsSync(path.join(dataDir, 'topics', 'orders-eu-0'))).toBe(false);
    await again.closeAll();
    expect(fs.readdirSync(path.join(dataDir, 'topics'))).toEqual(['orders-eu-1']);
  });
});
