// Where the last cleaning of a log stopped (Kafka's cleaner-offset-checkpoint, here one file per
// partition directory): below it the log is clean, from it on dirty. Written after the swaps it
// describes, not fsynced: a lost or older checkpoint only makes the next pass treat clean
// segments as dirty again (more work, the same result), and a damaged one counts as none.
import path from 'node:path';
import type { Disk } from '../disk.js';
import type { SerialWrites } from '../file-io.js';

export const CLEANER_CHECKPOINT_FILE = 'cleaner-offset-checkpoint';

export class CleanerCheckpoint {
  private constructor(
    private readonly dir: string,
    private readonly writes: SerialWrites,
    private value: number,
  ) {}

  static async load(disk: Disk, dir: string, writes: SerialWrites): Promise<CleanerCheckpoint> {
    const text = (await disk.readFile(path.join(dir, CLEANER_CHECKPOINT_FILE)))?.toString('utf8');
    const lines = text?.split('\n') ?? [];
    const offset = Number(lines[1]);
    const valid = lines[0] === '0' && Number.isSafeInteger(offset) && offset >= 0;
    return new CleanerCheckpoint(dir, writes, valid ? offset : 0);
  }

  /** The first dirty offset as last recorded (0: never cleaned). */
  get offset(): number {
    return this.value;
  }

  write(offset: number): Promise<void> {
    this.value = offset;
    return this.writes.replace(path.join(this.dir, CLEANER_CHECKPOINT_FILE), () => `0\n${this.value}\n`, false);
  }

  /** The log was cut back below the checkpoint or emptied: what follows `offset` is dirty again. */
  lowerTo(offset: number): void {
    if (offset >= this.value) return;
    this.write(offset).catch(() => undefined); // rebuildable; the next pass writes it again
  }
}
