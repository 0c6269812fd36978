// Small-file protocols built on the Disk: atomic replaces and removals that tolerate absence.
import path from 'node:path';
import { type Disk, errorCode } from './disk.js';

export const TEMP_SUFFIX = '.tmp';

/**
 * Replaces `file` atomically: a crash leaves the old or the new content, never a mix. With
 * `durable` the new content survives power loss once this resolves (write temp, fsync, rename,
 * fsync dir); without it (rebuildable files) the fsyncs are skipped. Log recovery removes a
 * leftover temp file.
 */
export async function replaceFile(
  disk: Disk,
  file: string,
  data: Uint8Array | string,
  durable: boolean,
): Promise<void> {
  const temp = file + TEMP_SUFFIX;
  await disk.writeFile(temp, data, durable);
  await disk.rename(temp, file);
  if (durable) await disk.fsyncDir(path.dirname(file));
}

export async function unlinkIfExists(disk: Disk, file: string): Promise<void> {
  try {
    await disk.unlink(file);
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err;
  }
}

export function unlinkIfExistsSync(disk: Disk, file: string): void {
  try {
    disk.unlinkSync(file);
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err;
  }
}

/**
 * Replaces of a log's small files in call order, so that an older checkpoint or snapshot never
 * lands after a newer one. Each write takes its content when it runs (the value current then).
 */
export class SerialWrites {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly disk: Disk) {}

  replace(file: string, content: () => string, durable: boolean): Promise<void> {
    const write = this.chain.then(() => replaceFile(this.disk, file, content(), durable));
    this.chain = write.catch(() => undefined);
    return write;
  }

  /** Resolves once every write queued so far has finished (failed ones included). */
  idle(): Promise<void> {
    return this.chain;
  }
}
