// SimDisk keeps the Disk contract's durability rules and nothing more: what an fdatasync or a
// directory fsync covered survives a crash, the rest may not; failed fsyncs lose data for good;
// faults and full disks answer with the errno; a crashed process sees nothing settle.
import { describe, expect, it } from 'vitest';
import { type Disk, errorCode, replaceFile } from '../../src/storage/index.js';
import { SimDisk, type SimDiskOptions } from './disk.js';
import { VirtualLoop } from './virtual-loop.js';

function setup(options: Partial<SimDiskOptions> = {}): { loop: VirtualLoop; sim: SimDisk; disk: Disk } {
  const loop = new VirtualLoop();
  const sim = new SimDisk({ seed: 1, scheduler: loop, keepUnsyncedProbability: 0, tearProbability: 0, ...options });
  return { loop, sim, disk: sim.boot() };
}

async function codeOf(loop: VirtualLoop, promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await loop.settle(promise);
    return undefined;
  } catch (err) {
    return errorCode(err);
  }
}

describe('SimDisk', () => {
  it('keeps what fdatasync covered and loses the rest at a crash', async () => {
    const { loop, sim, disk } = setup();
    await loop.settle(disk.mkdir('/d', true));
    await loop.settle(disk.fsyncDir('/'));
    const fd = disk.openSync('/d/f', 'w+');
    await loop.settle(disk.fsyncDir('/d'));
    disk.writeSync(fd, Buffer.from('hello '), 0);
    await loop.settle(disk.fdatasync(fd));
    disk.writeSync(fd, Buffer.from('world'), 6);
    expect(sim.peekFile('/d/f')?.toString()).toBe('hello world');
    const report = sim.crash();
    expect(report.files).toEqual([{ path: '/d/f', unsyncedOps: 1, keptOps: 0, torn: null }]);
    expect(sim.peekFile('/d/f')?.toString()).toBe('hello ');
    expect(() => disk.writeSync(fd, Buffer.from('x'), 0)).toThrow(/ECRASHED/);
  });

  it('makes directory entries durable only at a directory fsync', async () => {
    const { loop, sim, disk } = setup();
    const fd = disk.openSync('/a', 'w+');
    disk.writeSync(fd, Buffer.from('data'), 0);
    await loop.settle(disk.fdatasync(fd));
    disk.closeSync(fd);
    sim.crash();
    expect(sim.peekFile('/a')).toBeNull();

    const next = sim.boot();
    await loop.settle(next.writeFile('/b', 'kept', true));
    await loop.settle(next.fsyncDir('/'));
    await loop.settle(next.unlink('/b'));
    sim.crash();
    expect(sim.peekFile('/b')?.toString()).toBe('kept');
  });

  it('replaces a file atomically: a crash leaves the old or the new content', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const { loop, sim, disk } = setup({ seed, keepUnsyncedProbability: 0.5, tearProbability: 0.5 });
      await loop.settle(replaceFile(disk, '/f', 'old', true));
      const replacing = replaceFile(disk, '/f', 'new', true);
      await loop.runUntil(loop.nowMs + (seed % 8));
      void replacing.catch(() => undefined);
      sim.crash();
      expect(['old', 'new']).toContain(sim.peekFile('/f')?.toString());
    }
  });

  it('tears the first lost write: a prefix survives, the rest cut or zeroed', async () => {
    const seen = new Set<string>();
    for (let seed = 1; seed <= 30; seed++) {
      const { loop, sim, disk } = setup({ seed, tearProbability: 1 });
      const fd = disk.openSync('/f', 'w+');
      await loop.settle(disk.fsyncDir('/'));
      disk.writeSync(fd, Buffer.from('0123456789'), 0);
      const { files } = sim.crash();
      const torn = files[0]?.torn;
      expect(torn).not.toBeNull();
      const content = sim.peekFile('/f') as Buffer;
      const bytes = torn?.bytes ?? 0;
      expect(content.subarray(0, bytes).toString()).toBe('0123456789'.slice(0, bytes));
      if (torn?.rest === 'zeros') expect(content.subarray(bytes)).toEqual(Buffer.alloc(10 - bytes));
      else expect(content.length).toBe(bytes);
      seen.add(torn?.rest ?? 'none');
    }
    expect(seen).toEqual(new Set(['cut', 'zeros']));
  });

  it('loses the writes of a failed fdatasync even when a later one succeeds', async () => {
    const { loop, sim, disk } = setup();
    const fd = disk.openSync('/f', 'w+');
    await loop.settle(disk.fsyncDir('/'));
    disk.writeSync(fd, Buffer.from('lost'), 0);
    sim.failNext('sync', 'EIO');
    expect(await codeOf(loop, disk.fdatasync(fd))).toBe('EIO');
    await loop.settle(disk.fdatasync(fd));
    expect(sim.peekFile('/f')?.toString()).toBe('lost'); // still in the page cache
    sim.crash();
    expect(sim.peekFile('/f')?.length).toBe(0);
  });

  it('answers a full disk with ENOSPC after writing what fits, and injected faults with their errno', async () => {
    const { loop, sim, disk } = setup({ capacityBytes: 8 });
    const fd = disk.openSync('/f', 'w+');
    disk.writeSync(fd, Buffer.from('12345'), 0);
    expect(() => disk.writeSync(fd, Buffer.from('6789'), 5)).toThrow(/ENOSPC/);
    expect(sim.peekFile('/f')?.toString()).toBe('12345678');
    sim.setCapacity(undefined);
    sim.failNext('read', 'EIO');
    expect(await codeOf(loop, disk.read(fd, 4, 0))).toBe('EIO');
    expect((await loop.settle(disk.read(fd, 4, 0))).toString()).toBe('1234');
  });

  it('never settles a call in flight when the process crashes', async () => {
    const { loop, sim, disk } = setup();
    const fd = disk.openSync('/f', 'w+');
    disk.writeSync(fd, Buffer.from('x'), 0);
    let settled = false;
    disk.fdatasync(fd).then(
      () => (settled = true),
      () => (settled = true),
    );
    sim.crash();
    await loop.runUntil(1000);
    expect(settled).toBe(false);
    expect(sim.stats.fdatasyncs).toBe(0);
  });

  it('replays a seed exactly', async () => {
    const run = async (seed: number): Promise<string> => {
      const { loop, sim, disk } = setup({ seed, keepUnsyncedProbability: 0.5, tearProbability: 0.5 });
      const fd = disk.openSync('/f', 'w+');
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        disk.writeSync(fd, Buffer.alloc(100, i), i * 100);
        if (i % 3 === 0) void disk.fdatasync(fd).then(() => times.push(loop.nowMs));
      }
      await loop.runUntil(3);
      return JSON.stringify({ times, report: sim.crash(), content: sim.peekFile('/f')?.toString('hex') });
    };
    expect(await run(7)).toBe(await run(7));
    expect(await run(7)).not.toBe(await run(8));
  });
});
