// The real disk: node:fs. The only file in storage (and replication's sealed-epoch file) that
// imports it; everything else takes a `Disk` (disk.ts).
import fs from 'node:fs';
import { assert } from '../common/index.js';
import type { Disk, DiskEntry, DiskStat } from './disk.js';
import { dropCachedRange, pageCacheControlUnavailable } from './page-cache.js';

function kindOf(entry: fs.Dirent | fs.Stats): DiskStat['kind'] {
  if (entry.isFile()) return 'file';
  if (entry.isDirectory()) return 'directory';
  return 'other';
}

function statOf(stat: fs.Stats): DiskStat {
  return { kind: kindOf(stat), sizeBytes: stat.size, birthtimeMs: stat.birthtimeMs, mtimeMs: stat.mtimeMs };
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export const nodeDisk: Disk = {
  openSync: (file, mode) => fs.openSync(file, mode),
  closeSync: (fd) => fs.closeSync(fd),
  fstatSync: (fd) => statOf(fs.fstatSync(fd)),

  writeSync(fd, data, position) {
    let done = 0;
    // A regular file only writes short on a full disk, where the next call throws ENOSPC: bounded.
    while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done, position + done);
  },

  read(fd, length, position, into) {
    assert(into === undefined || into.length === length, `read of ${length} bytes into ${into?.length}`);
    const buf = into ?? Buffer.allocUnsafe(length);
    return new Promise((resolve, reject) => {
      let done = 0;
      const step = (): void => {
        fs.read(fd, buf, done, length - done, position + done, (err, bytesRead) => {
          if (err) return reject(err);
          done += bytesRead;
          if (bytesRead === 0 || done === length) return resolve(done === length ? buf : buf.subarray(0, done));
          step();
        });
      };
      if (length === 0) resolve(buf);
      else step();
    });
  },

  fdatasync: (fd) => new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve()))),
  truncateSync: (fd, length) => fs.ftruncateSync(fd, length),

  async readFile(file) {
    try {
      return await fs.promises.readFile(file);
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  },

  async writeFile(file, data, sync) {
    const handle = await fs.promises.open(file, 'w');
    try {
      await handle.writeFile(data);
      if (sync) await handle.sync();
    } finally {
      await handle.close();
    }
  },

  rename: (from, to) => fs.promises.rename(from, to),
  unlink: (file) => fs.promises.unlink(file),
  unlinkSync: (file) => fs.unlinkSync(file),
  mkdir: async (dir, recursive) => {
    await fs.promises.mkdir(dir, { recursive });
  },
  removeTree: (dir) => fs.promises.rm(dir, { recursive: true, force: true }),

  async readdir(dir) {
    const entries = await fs.promises.readdir(dir, { withFileTypes: true });
    return entries.map((entry): DiskEntry => ({ name: entry.name, kind: kindOf(entry) }));
  },

  async stat(file) {
    try {
      return statOf(await fs.promises.stat(file));
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  },

  fsyncDir: syncDir,

  pageCache: { unavailable: pageCacheControlUnavailable, dropCachedRange },
};
