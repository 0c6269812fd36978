// The core's read-only view of what is durable, and MemoryStorage, the in-memory implementation
// the simulation uses as a node's "disk" and the driver can use as the cache in front of LevelDB.
//
// The core never writes through this interface: the driver persists each Ready and then mirrors
// the same writes into its Storage (`append`, `setHardState`, `applySnapshot`) before `advance`.
import { assert } from '../common/index.js';
import {
  type ConfState,
  EMPTY_HARD_STATE,
  EMPTY_SNAPSHOT,
  type Entry,
  entrySizeBytes,
  type HardState,
  type Snapshot,
} from './types.js';

export interface InitialState {
  readonly hardState: HardState;
  /** The configuration as of the storage's snapshot (firstIndex() - 1); later committed
   * configuration entries are replayed by the core on start. */
  readonly confState: ConfState;
}

export interface Storage {
  initialState(): InitialState;
  /** Entries [lo, hi), at least one if lo < hi, stopping before `maxBytes` is exceeded.
   * Precondition: firstIndex() <= lo <= hi <= lastIndex() + 1. */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** The term of entry `index` for index in [firstIndex() - 1, lastIndex()], else undefined
   * (compacted away or not yet written). */
  term(index: number): number | undefined;
  /** The first index still held as an entry; everything before is in the snapshot. */
  firstIndex(): number;
  lastIndex(): number;
  /** The latest snapshot; metadata.index is 0 if none was taken. */
  snapshot(): Snapshot;
}

/** Takes entries from the front while they fit in maxBytes; always at least one. */
export function limitSize(entries: Entry[], maxBytes: number): Entry[] {
  if (entries.length === 0) return entries;
  let size = entrySizeBytes(entries[0] as Entry);
  let n = 1;
  for (; n < entries.length; n++) {
    size += entrySizeBytes(entries[n] as Entry);
    if (size > maxBytes) break;
  }
  return n === entries.length ? entries : entries.slice(0, n);
}

export class MemoryStorage implements Storage {
  private hardState: HardState = EMPTY_HARD_STATE;
  private snap: Snapshot = EMPTY_SNAPSHOT;
  /** ents[0] is a placeholder at the snapshot index carrying the snapshot term. */
  private ents: Entry[] = [{ term: 0, index: 0, type: 'normal', data: new Uint8Array(0) }];

  initialState(): InitialState {
    return { hardState: this.hardState, confState: this.snap.metadata.confState };
  }

  hardStateNow(): HardState {
    return this.hardState;
  }

  private get offset(): number {
    return (this.ents[0] as Entry).index;
  }

  firstIndex(): number {
    return this.offset + 1;
  }

  lastIndex(): number {
    return this.offset + this.ents.length - 1;
  }

  term(index: number): number | undefined {
    if (index < this.offset || index > this.lastIndex()) return undefined;
    return (this.ents[index - this.offset] as Entry).term;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    assert(lo >= this.firstIndex(), `entries(${lo}) below firstIndex ${this.firstIndex()}`);
    assert(lo <= hi && hi <= this.lastIndex() + 1, `entries [${lo}, ${hi}) beyond ${this.lastIndex()}`);
    if (lo === hi) return [];
    return limitSize(this.ents.slice(lo - this.offset, hi - this.offset), maxBytes);
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  setHardState(hardState: HardState): void {
    this.hardState = hardState;
  }

  /** Writes entries, discarding any held entry at or after the first new index (Raft's
   * "delete the conflicting entry and all that follow it"). */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0] as Entry;
    const lastNew = first.index + entries.length - 1;
    if (lastNew < this.firstIndex()) return; // wholly covered by the snapshot
    const skip = Math.max(0, this.firstIndex() - first.index);
    const fresh = skip > 0 ? entries.slice(skip) : entries;
    const at = (fresh[0] as Entry).index - this.offset;
    assert(at <= this.ents.length, `append at ${(fresh[0] as Entry).index} leaves a gap after ${this.lastIndex()}`);
    this.ents.length = at;
    for (const e of fresh) this.ents.push(e);
  }

  /** Replaces the whole log with a snapshot received from the leader. */
  applySnapshot(snapshot: Snapshot): void {
    const { index, term } = snapshot.metadata;
    assert(index >= this.snap.metadata.index, `snapshot ${index} older than held ${this.snap.metadata.index}`);
    this.snap = snapshot;
    this.ents = [{ term, index, type: 'normal', data: new Uint8Array(0) }];
  }

  /** Records a snapshot the application took of its own state at `index` (<= applied). */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    assert(index > this.snap.metadata.index, `snapshot at ${index} not newer than ${this.snap.metadata.index}`);
    assert(index <= this.lastIndex(), `snapshot at ${index} beyond last index ${this.lastIndex()}`);
    const term = this.term(index);
    assert(term !== undefined, `snapshot at ${index}: entry already compacted`);
    this.snap = { metadata: { index, term, confState }, data };
    return this.snap;
  }

  /** Drops entries up to and including `compactIndex`; a snapshot must already cover them. */
  compact(compactIndex: number): void {
    if (compactIndex <= this.offset) return;
    assert(compactIndex <= this.lastIndex(), `compact ${compactIndex} beyond last index ${this.lastIndex()}`);
    assert(
      compactIndex <= this.snap.metadata.index,
      `compact ${compactIndex} beyond snapshot ${this.snap.metadata.index}`,
    );
    const head = this.ents[compactIndex - this.offset] as Entry;
    const rest = this.ents.slice(compactIndex - this.offset + 1);
    this.ents = [{ term: head.term, index: head.index, type: 'normal', data: new Uint8Array(0) }, ...rest];
  }
}
