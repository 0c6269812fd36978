// Retention stops at the replica's bound (its high watermark, set for the cleaner): LogManager's
// retentionTick passes no high watermark, so without the bound a segment above it — records no
// other replica may have acknowledged — could be deleted.
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { silentLogger } from '../../src/common/log.js';
import { LogManager } from '../../src/storage/index.js';
import { batch, tempDir } from './helpers.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('retention and the replica bound', () => {
  it('retentionTick deletes no segment reaching the bound; all of them once the bound passes them', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const manager = await LogManager.open(dataDir, silentLogger, { segmentBytes: 1024 });
    const log = await manager.getOrCreate('t', 0, { retentionMs: 1 });
    const oldMs = Date.now() - 60_000;
    for (let i = 0; i < 30; i++) log.appendAsLeader([batch(`v${i}`, 1, { valueBytes: 200, timestamp: oldMs })], 0);
    expect(log.segmentCount).toBeGreaterThan(3);
    // The replica's high watermark at 2: only segments ending at or below it may go.
    log.setCleanableBound({ cleanableEndOffset: () => 2 });
    await manager.retentionTick(Date.now());
    expect(log.logStartOffset).toBeLessThanOrEqual(2);
    expect(log.logEndOffset).toBe(30);
    log.setCleanableBound({ cleanableEndOffset: () => 30 });
    expect(await manager.retentionTick(Date.now())).toBeGreaterThan(0);
    expect(log.logStartOffset).toBeGreaterThan(2);
    await manager.closeAll();
  });
});
