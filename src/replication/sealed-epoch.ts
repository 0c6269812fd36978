// The sealed epoch of one partition replica, durable in a small file beside its log: once a replica
// answered Seal(e) (or followed or led epoch e), it refuses every older epoch, across restarts too.
// Written by atomic replace (temporary file, fsync, rename, fsync of the directory) before the
// answer that depends on it leaves.
import fs from 'node:fs';
import path from 'node:path';
import { assert } from '../common/index.js';
import { NO_EPOCH } from './protocol/index.js';

export const SEALED_EPOCH_FILE = 'replication-sealed-epoch';
/** Ends like storage's temporary files, so log recovery removes a leftover one. */
const TEMP_SUFFIX = '.tmp';
const FORMAT_VERSION = '0';

export class SealedEpochFile {
  private valueDurable: number;
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    value: number,
  ) {
    this.valueDurable = value;
  }

  /** Reads the sealed epoch kept in `dir` (NO_EPOCH when never sealed). A damaged file is an error: refusing to start beats forgetting a seal. */
  static async open(dir: string): Promise<SealedEpochFile> {
    const file = path.join(dir, SEALED_EPOCH_FILE);
    let text: string | null = null;
    try {
      text = await fs.promises.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text === null) return new SealedEpochFile(file, NO_EPOCH);
    const [version, epochText] = text.split('\n');
    const epoch = Number(epochText);
    if (version !== FORMAT_VERSION || !Number.isSafeInteger(epoch) || epoch < NO_EPOCH) {
      throw new Error(`sealed epoch file ${file} is damaged: ${JSON.stringify(text.slice(0, 40))}`);
    }
    return new SealedEpochFile(file, epoch);
  }

  /** The epoch durably recorded. */
  get value(): number {
    return this.valueDurable;
  }

  /** Records `epoch` durably if it is above the recorded one; resolves once it is on disk. */
  persist(epoch: number): Promise<void> {
    const run = this.chain.then(async () => {
      if (epoch <= this.valueDurable) return;
      const temp = this.file + TEMP_SUFFIX;
      const handle = await fs.promises.open(temp, 'w');
      try {
        await handle.writeFile(`${FORMAT_VERSION}\n${epoch}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.promises.rename(temp, this.file);
      const dir = await fs.promises.open(path.dirname(this.file), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
      assert(epoch > this.valueDurable, 'the sealed epoch never decreases');
      this.valueDurable = epoch;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }
}
