// The storage module's only contact with node:fs for positional I/O, fsync and atomic replaces.
import fs from 'node:fs';
import path from 'node:path';

/** Reads up to `length` bytes at `position`; returns fewer when the file ends first. */
export function readAt(fd: number, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
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
}

/** Writes all of `buf` at `position`, synchronously (into the page cache). */
export function writeFullySync(fd: number, buf: Uint8Array, position: number): void {
  let done = 0;
  // A regular file only writes short on a full disk, where the next call throws ENOSPC: bounded.
  while (done < buf.length) {
    done += fs.writeSync(fd, buf, done, buf.length - done, position + done);
  }
}

export function fdatasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

/** Makes a directory's entries (created, renamed, deleted files) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function fsyncDirSync(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export const TEMP_SUFFIX = '.tmp';

/**
 * Replaces `file` atomically: a crash leaves the old or the new content, never a mix. With
 * `durable` the new content survives power loss once this resolves (write temp, fsync, rename,
 * fsync dir); without it (rebuildable files) the fsyncs are skipped.
 */
export async function replaceFile(file: string, data: Uint8Array | string, durable: boolean): Promise<void> {
  const temp = file + TEMP_SUFFIX;
  const handle = await fs.promises.open(temp, 'w');
  try {
    await handle.writeFile(data);
    if (durable) await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.promises.rename(temp, file);
  if (durable) await fsyncDir(path.dirname(file));
}

/** Reads a whole small file, or null when it does not exist. */
export async function readFileIfExists(file: string): Promise<Buffer | null> {
  try {
    return await fs.promises.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export async function unlinkIfExists(file: string): Promise<void> {
  try {
    await fs.promises.unlink(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

export function unlinkIfExistsSync(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
