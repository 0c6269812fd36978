// The sealed epoch of one partition replica, durable in a small file beside its log: once a replica
// answered Seal(e) (or followed or led epoch e), it refuses every older epoch, across restarts too.
// Written by atomic replace (temporary file, fsync, rename, fsync of the directory) before the
// answer that depends on it leaves, on the log's own disk (log recovery removes a leftover
// temporary file).
import path from 'node:path';
import { assert } from '../common/index.js';
import { type Disk, replaceFile } from '../storage/index.js';
import { NO_EPOCH } from './protocol/index.js';

export const SEALED_EPOCH_FILE = 'replication-sealed-epoch';
const FORMAT_VERSION = '0';

export class SealedEpochFile {
  private valueDurable: number;
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    private readonly disk: Disk,
    private readonly file: string,
    value: number,
  ) {
    this.valueDurable = value;
  }

  /**
   * Reads the sealed epoch kept in `dir` on `disk` (NO_EPOCH when never sealed). A damaged file is
   * an error: refusing to start beats forgetting a seal.
   */
  static async open(disk: Disk, dir: string): Promise<SealedEpochFile> {
    const file = path.join(dir, SEALED_EPOCH_FILE);
    const text = (await disk.readFile(file))?.toString('utf8') ?? null;
    if (text === null) return new SealedEpochFile(disk, file, NO_EPOCH);
    const [version, epochText] = text.split('\n');
    const epoch = Number(epochText);
    if (version !== FORMAT_VERSION || !Number.isSafeInteger(epoch) || epoch < NO_EPOCH) {
      throw new Error(`sealed epoch file ${file} is damaged: ${JSON.stringify(text.slice(0, 40))}`);
    }
    return new SealedEpochFile(disk, file, epoch);
  }

  /** The epoch durably recorded. */
  get value(): number {
    return this.valueDurable;
  }

  /** Records `epoch` durably if it is above the recorded one; resolves once it is on disk. */
  persist(epoch: number): Promise<void> {
    const run = this.chain.then(async () => {
      if (epoch <= this.valueDurable) return;
      await replaceFile(this.disk, this.file, `${FORMAT_VERSION}\n${epoch}\n`, true);
      assert(epoch > this.valueDurable, 'the sealed epoch never decreases');
      this.valueDurable = epoch;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }
}
