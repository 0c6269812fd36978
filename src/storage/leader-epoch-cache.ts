// Leader-epoch checkpoint (docs/architecture.md): "epoch e starts at offset s" entries, newest last, kept in
// `leader-epoch-checkpoint` and replaced atomically and durably. Semantics follow Kafka's
// LeaderEpochFileCache (assign, endOffsetFor, truncateFromEnd/Start).
import { assert } from '../common/index.js';
import type { Disk } from './disk.js';
import { replaceFile } from './file-io.js';

export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: number;
}

export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

const FORMAT_VERSION = 0;
/** Entries kept: one per leader change; beyond this the oldest are dropped (they only serve very old fetchers). */
const ENTRIES_MAX = 10_000;

export class LeaderEpochCache {
  private entries: EpochEntry[] = [];
  /** The in-memory entries differ from the file. */
  dirty = false;
  private writeChain: Promise<void> = Promise.resolve();

  private constructor(
    private readonly disk: Disk,
    private readonly file: string,
  ) {}

  /** Loads the checkpoint; a damaged file yields an empty cache and the reason (the caller rebuilds). */
  static async load(disk: Disk, file: string): Promise<{ cache: LeaderEpochCache; damage: string | null }> {
    const cache = new LeaderEpochCache(disk, file);
    const bytes = await disk.readFile(file);
    if (bytes === null) return { cache, damage: null };
    try {
      cache.entries = parseCheckpoint(bytes.toString('utf8'), file);
      return { cache, damage: null };
    } catch (err) {
      cache.dirty = true;
      return { cache, damage: (err as Error).message };
    }
  }

  get all(): readonly EpochEntry[] {
    return this.entries;
  }

  get lastEpoch(): number {
    return this.entries[this.entries.length - 1]?.epoch ?? UNDEFINED_EPOCH;
  }

  /**
   * Records that `epoch` starts at `startOffset`. A later start for the newest epoch is ignored (an
   * epoch starts once); entries with an epoch or start offset at or above the new one conflict and
   * are removed, as Kafka does. Returns whether anything changed.
   */
  assign(epoch: number, startOffset: number): boolean {
    assert(epoch >= 0 && startOffset >= 0, `bad epoch entry ${epoch}@${startOffset}`);
    const last = this.entries[this.entries.length - 1];
    if (last && last.epoch === epoch && last.startOffset <= startOffset) return false;
    this.entries = this.entries.filter((e) => e.epoch < epoch && e.startOffset < startOffset);
    this.entries.push({ epoch, startOffset });
    if (this.entries.length > ENTRIES_MAX) this.entries.shift();
    this.dirty = true;
    return true;
  }

  /**
   * OffsetForLeaderEpoch: the largest epoch <= `requestedEpoch` and the offset where the next epoch
   * starts (the log end for the newest epoch). Unknown: (-1, -1).
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): { epoch: number; endOffset: number } {
    const last = this.entries[this.entries.length - 1];
    if (!last || requestedEpoch === UNDEFINED_EPOCH)
      return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (requestedEpoch === last.epoch) return { epoch: last.epoch, endOffset: logEndOffset };
    const higherIndex = this.entries.findIndex((e) => e.epoch > requestedEpoch);
    if (higherIndex < 0) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    const higher = this.entries[higherIndex] as EpochEntry;
    const floor = higherIndex > 0 ? (this.entries[higherIndex - 1] as EpochEntry) : null;
    return { epoch: floor ? floor.epoch : requestedEpoch, endOffset: higher.startOffset };
  }

  /** After the log is truncated to `endOffset`: epochs that start at or after it are gone. */
  truncateFromEnd(endOffset: number): void {
    const kept = this.entries.filter((e) => e.startOffset < endOffset);
    if (kept.length !== this.entries.length) {
      this.entries = kept;
      this.dirty = true;
    }
  }

  /** Drops entries above `endOffset` only (recovery keeps a marker at exactly the log end). */
  dropBeyond(endOffset: number): void {
    const kept = this.entries.filter((e) => e.startOffset <= endOffset);
    if (kept.length !== this.entries.length) {
      this.entries = kept;
      this.dirty = true;
    }
  }

  /** After the log start moved to `startOffset`: the epoch covering it now starts there. */
  truncateFromStart(startOffset: number): void {
    let floor = -1;
    for (let i = 0; i < this.entries.length; i++)
      if ((this.entries[i] as EpochEntry).startOffset <= startOffset) floor = i;
    if (floor < 0) return;
    const entry = this.entries[floor] as EpochEntry;
    if (floor === 0 && entry.startOffset === startOffset) return;
    this.entries = [{ epoch: entry.epoch, startOffset }, ...this.entries.slice(floor + 1)];
    this.dirty = true;
  }

  clear(): void {
    if (this.entries.length > 0) this.dirty = true;
    this.entries = [];
  }

  /** Writes the current entries durably; concurrent calls are serialized (last one wins). */
  persist(): Promise<void> {
    const next = this.writeChain.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      try {
        await replaceFile(this.disk, this.file, formatCheckpoint(this.entries), true);
      } catch (err) {
        this.dirty = true;
        throw err;
      }
    });
    this.writeChain = next.catch(() => undefined);
    return next;
  }
}

function formatCheckpoint(entries: readonly EpochEntry[]): string {
  return `${FORMAT_VERSION}\n${entries.length}\n${entries.map((e) => `${e.epoch} ${e.startOffset}\n`).join('')}`;
}

function parseCheckpoint(text: string, file: string): EpochEntry[] {
  const lines = text.split('\n').filter((l) => l.length > 0);
  const fail = (why: string): never => {
    throw new Error(`leader-epoch checkpoint ${file} is damaged: ${why}`);
  };
  if (lines[0] !== String(FORMAT_VERSION)) fail(`version line ${JSON.stringify(lines[0])}`);
  const count = Number(lines[1]);
  if (!Number.isSafeInteger(count) || count < 0 || count !== lines.length - 2) fail(`count ${lines[1]}`);
  const entries: EpochEntry[] = [];
  for (const line of lines.slice(2)) {
    const [epochText, offsetText] = line.split(' ');
    const epoch = Number(epochText);
    const startOffset = Number(offsetText);
    if (!Number.isSafeInteger(epoch) || !Number.isSafeInteger(startOffset) || epoch < 0 || startOffset < 0)
      fail(`line ${line}`);
    const last = entries[entries.length - 1];
    if (last && (epoch <= last.epoch || startOffset < last.startOffset)) fail('entries do not increase');
    entries.push({ epoch, startOffset });
  }
  return entries;
}
