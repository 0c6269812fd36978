// After an fdatasync fails, the bytes it covered may never reach the disk although the page cache
// still shows them, and a later fdatasync succeeds without writing them (Linux marks the pages
// clean: "fsyncgate"). The next process on the same machine would read them, take them for the
// log, sync them "successfully" at open and count them durable; a power loss later takes them.
// So the log cuts its segment back to what the last successful fdatasync covered. (Found by the
// replication simulation: a leader whose fsync failed restarted, answered a seal with those
// offsets, was chosen, lost power and led without a committed write.)
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import { PartitionLog, makeLogConfig } from '../../src/storage/index.js';
import { SimDisk } from '../sim/disk.js';
import { VirtualLoop } from '../sim/virtual-loop.js';
import { batch } from './helpers.js';

describe('a failed fdatasync', () => {
  it('leaves nothing it covered for a restarted process to read as the log', async () => {
    const loop = new VirtualLoop();
    const sim = new SimDisk({ seed: 3, scheduler: loop, keepUnsyncedProbability: 0, tearProbability: 0 });
    const disk = sim.boot();
    await loop.settle(disk.mkdir('/data/p-0', true));
    await loop.settle(disk.fsyncDir('/data'));
    await loop.settle(disk.fsyncDir('/'));
    const open = (d = disk): Promise<PartitionLog> =>
      loop.settle(PartitionLog.open('/data/p-0', makeLogConfig({}), silentLogger, { disk: d, clock: loop.clock() }));
    const log = await open();
    log.appendAsLeader([batch('durable', 2)], 0);
    await loop.settle(log.flush());
    log.appendAsLeader([batch('lost by the disk', 3)], 0);
    sim.failNext('sync', 'EIO', '.log');
    await expect(loop.settle(log.flush())).rejects.toThrow(/EIO/);
    expect(log.failed).toBe(true);
    sim.kill(); // the node stops; the machine keeps its page cache
    const next = await open(sim.boot());
    expect(next.logEndOffset).toBe(2);
    sim.crash();
    expect((await open(sim.boot())).logEndOffset).toBe(2);
  });

  it('cuts only what this process wrote: what it found at open is kept even when its first fdatasync fails', async () => {
    const loop = new VirtualLoop();
    const sim = new SimDisk({ seed: 4, scheduler: loop, keepUnsyncedProbability: 0, tearProbability: 0 });
    const disk = sim.boot();
    await loop.settle(disk.mkdir('/data/p-0', true));
    await loop.settle(disk.fsyncDir('/data'));
    await loop.settle(disk.fsyncDir('/'));
    const open = (d: typeof disk): Promise<PartitionLog> =>
      loop.settle(PartitionLog.open('/data/p-0', makeLogConfig({}), silentLogger, { disk: d, clock: loop.clock() }));
    const log = await open(disk);
    log.appendAsLeader([batch('durable', 2)], 0);
    await loop.settle(log.flush());
    sim.kill();
    // Recovery scans the active segment and syncs it once at open; that fdatasync fails.
    sim.failNext('sync', 'EIO', '.log');
    await expect(open(sim.boot())).rejects.toThrow(/EIO/);
    sim.kill();
    expect((await open(sim.boot())).logEndOffset).toBe(2);
  });
});
