// A disk that fails: an fsync that reports EIO is surfaced to every caller waiting on it (nothing is
// acknowledged that the disk did not confirm) and the log refuses further writes; a full disk
// (ENOSPC) fails the append with a typed error, leaves no partial batch, and the log goes on once
// there is room; a read that fails is a typed storage error.
import { describe, expect, it } from 'vitest';
import { ErrorCode, KafkaError } from '../../src/common/errors.js';
import { silentLogger } from '../../src/common/log.js';
import { type Disk, PartitionLog, errorCode, makeLogConfig } from '../../src/storage/index.js';
import { SimDisk } from '../sim/disk.js';
import { VirtualLoop } from '../sim/virtual-loop.js';
import { batch } from './helpers.js';

const DIR = '/data/p-0';

async function setup(seed = 1): Promise<{ loop: VirtualLoop; sim: SimDisk; disk: Disk; log: PartitionLog }> {
  const loop = new VirtualLoop();
  const sim = new SimDisk({ seed, scheduler: loop, keepUnsyncedProbability: 0, tearProbability: 0 });
  const disk = sim.boot();
  await loop.settle(disk.mkdir(DIR, true));
  await loop.settle(disk.fsyncDir('/data'));
  await loop.settle(disk.fsyncDir('/'));
  const log = await loop.settle(
    PartitionLog.open(DIR, makeLogConfig({ segmentBytes: 2048 }), silentLogger, { disk, clock: loop.clock() }),
  );
  return { loop, sim, disk, log };
}

/** The error `promise` rejects with once the loop has run it (or null when it resolves). */
async function rejection(loop: VirtualLoop, promise: Promise<unknown>): Promise<unknown> {
  try {
    await loop.settle(promise);
    return null;
  } catch (err) {
    return err;
  }
}

function storageError(err: unknown, cause: string): void {
  expect(err).toBeInstanceOf(KafkaError);
  expect((err as KafkaError).code).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
  expect(errorCode((err as KafkaError).cause)).toBe(cause);
}

describe('disk faults', () => {
  it('tells every flush caller of an fdatasync EIO, acknowledges nothing, and refuses further writes', async () => {
    const { loop, sim, log } = await setup();
    log.appendAsLeader([batch('a', 2)], 0);
    await loop.settle(log.flush());
    expect(log.durableEndOffset).toBe(2);

    log.appendAsLeader([batch('b', 3)], 0);
    sim.failNext('sync', 'EIO', '.log');
    const first = rejection(loop, log.flush());
    log.appendAsLeader([batch('c', 1)], 0); // arrives while the failing fsync runs: waits for the next round
    const second = log.flush().then(
      () => null,
      (err: unknown) => err,
    );
    storageError(await first, 'EIO');
    storageError(await loop.settle(second), 'EIO');
    expect(log.durableEndOffset).toBe(2);
    expect(() => log.appendAsLeader([batch('d', 1)], 0)).toThrow(KafkaError);
    expect(await rejection(loop, log.flush())).toBeInstanceOf(KafkaError);

    // The disk dropped the failed writes: after a crash only what was acknowledged is certain.
    sim.crash();
    const reopened = await loop.settle(
      PartitionLog.open(DIR, makeLogConfig({ segmentBytes: 2048 }), silentLogger, { disk: sim.boot() }),
    );
    expect(reopened.logEndOffset).toBe(2);
  });

  it('fails the flush when the directory fsync of a roll reports EIO', async () => {
    const { loop, sim, log } = await setup();
    log.appendAsLeader([batch('a', 4, { valueBytes: 400 })], 0);
    log.appendAsLeader([batch('b', 4, { valueBytes: 400 })], 0); // rolls: a new directory entry to sync
    expect(log.segmentCount).toBe(2);
    // The segments' fsyncs succeed; the directory's fails: the flush must still fail.
    sim.failNext('sync', 'EIO', /p-0$/);
    const err = await rejection(loop, log.flush());
    storageError(err, 'EIO');
    expect(log.durableEndOffset).toBe(0);
  });

  it('fails an append on a full disk with a typed ENOSPC error, no partial batch left, and goes on after', async () => {
    const { loop, sim, log } = await setup();
    log.appendAsLeader([batch('a', 2, { valueBytes: 100 })], 0);
    await loop.settle(log.flush());
    const sizeBefore = log.sizeBytes;
    sim.setCapacity(sizeBefore + 150); // room for part of the next batch only
    let thrown: unknown = null;
    try {
      log.appendAsLeader([batch('b', 2, { valueBytes: 100 })], 0);
    } catch (err) {
      thrown = err;
    }
    storageError(thrown, 'ENOSPC');
    expect(log.logEndOffset).toBe(2);
    expect(log.sizeBytes).toBe(sizeBefore);
    const file = `${DIR}/${'0'.repeat(20)}.log`;
    expect(sim.peekFile(file)?.length).toBe(sizeBefore); // the partial write was cut off

    sim.setCapacity(undefined);
    const next = log.appendAsLeader([batch('c', 3)], 0);
    expect(next.baseOffset).toBe(2);
    await loop.settle(log.flush());
    expect(log.durableEndOffset).toBe(5);
    await loop.settle(log.close());
  });

  it('answers a read that fails with EIO with a typed storage error, and the next read works', async () => {
    const { loop, sim, log } = await setup();
    log.appendAsLeader([batch('a', 2)], 0);
    await loop.settle(log.flush());
    sim.failNext('read', 'EIO');
    storageError(await rejection(loop, log.read(0, 1 << 20, 2)), 'EIO');
    const { bytes } = await loop.settle(log.read(0, 1 << 20, 2));
    expect(bytes).toBeGreaterThan(0);
  });
});
