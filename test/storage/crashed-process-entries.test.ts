// What a crashed process created stays only in the page cache until someone fsyncs the directory
// that holds it. The next process finds the entries and uses them as if durable; a power loss
// later takes them away, with everything that process made durable inside them. LogManager.open and
// PartitionLog.open therefore make the directories they find durable before relying on them.
// (Found by the replication simulation: a node whose process died while creating its partition
// directory, restarted, acknowledged writes, then lost its power and the whole partition.)
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import { type Disk, LogManager, PartitionLog, makeLogConfig } from '../../src/storage/index.js';
import { SimDisk } from '../sim/disk.js';
import { VirtualLoop } from '../sim/virtual-loop.js';
import { batch } from './helpers.js';

async function provisioned(): Promise<{ loop: VirtualLoop; sim: SimDisk; disk: Disk }> {
  const loop = new VirtualLoop();
  const sim = new SimDisk({ seed: 7, scheduler: loop, keepUnsyncedProbability: 0, tearProbability: 0 });
  const disk = sim.boot();
  await loop.settle(disk.mkdir('/data', true));
  await loop.settle(disk.fsyncDir('/'));
  return { loop, sim, disk };
}

describe('entries a crashed process left in the page cache', () => {
  it('LogManager.open makes the partition directories it finds durable', async () => {
    const { loop, sim, disk } = await provisioned();
    // The first process created the directories, then died before any directory fsync.
    await loop.settle(disk.mkdir('/data/topics/t-0', true));
    sim.kill();
    const second = sim.boot();
    const logs = await loop.settle(LogManager.open('/data', silentLogger, {}, { disk: second, clock: loop.clock() }));
    const log = logs.get('t', 0) as PartitionLog;
    log.appendAsLeader([batch('acknowledged', 3)], 0);
    await loop.settle(log.flush());
    sim.crash();
    const third = sim.boot();
    const after = await loop.settle(LogManager.open('/data', silentLogger, {}, { disk: third, clock: loop.clock() }));
    expect(after.get('t', 0)?.logEndOffset).toBe(3);
  });

  it('PartitionLog.open makes the files it finds in its directory durable (a segment, a checkpoint)', async () => {
    const { loop, sim, disk } = await provisioned();
    await loop.settle(disk.mkdir('/data/p-0', false));
    await loop.settle(disk.fsyncDir('/data'));
    // The first process created its first segment file and its checkpoints (epoch 0 starts at 0),
    // then died before fsyncing the directory.
    disk.closeSync(disk.openSync('/data/p-0/00000000000000000000.log', 'w+'));
    await loop.settle(disk.writeFile('/data/p-0/log-start-offset-checkpoint', '0\n0\n', true));
    await loop.settle(disk.writeFile('/data/p-0/leader-epoch-checkpoint', '0\n1\n0 0\n', true));
    sim.kill();
    const second = sim.boot();
    const log = await loop.settle(
      PartitionLog.open('/data/p-0', makeLogConfig({}), silentLogger, { disk: second, clock: loop.clock() }),
    );
    log.appendAsLeader([batch('acknowledged', 2)], 0);
    await loop.settle(log.flush());
    sim.crash();
    const third = sim.boot();
    const after = await loop.settle(
      PartitionLog.open('/data/p-0', makeLogConfig({}), silentLogger, { disk: third, clock: loop.clock() }),
    );
    expect(after.logEndOffset).toBe(2);
  });
});
