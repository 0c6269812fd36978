// The Raft node's disk: hard state, log entries and the latest snapshot in LevelDB under
// <data-dir>/raft. Each Ready is written as ONE atomic batch (snapshot, entries, the deletion of a
// conflicting suffix, hard state), with `sync: true` whenever the Ready says it must be durable
// before its messages leave (docs/architecture.md, Raft). The in-memory MemoryStorage
// the core reads from is a mirror of what this file has written.
import { ClassicLevel } from 'classic-level';
import { assert } from '../common/index.js';
import type { LoadedRaftState, RaftStore, RaftWrite } from './driver-io.js';
import { EMPTY_HARD_STATE, type Entry, EntryType, type HardState, type Snapshot } from './types.js';

const HARD_STATE_KEY = 'hardstate';
const SNAPSHOT_KEY = 'snapshot';
const ENTRY_PREFIX = 'entry:';
const INDEX_DIGITS = 20;

function entryKey(index: number): string {
  return ENTRY_PREFIX + String(index).padStart(INDEX_DIGITS, '0');
}

// ---------------------------------------------------------------- encodings

/** 8-byte term, 1-byte type, then the data. The index is in the key. */
function encodeEntry(e: Entry): Uint8Array {
  const out = new Uint8Array(9 + e.data.byteLength);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(e.term));
  out[8] = e.type === EntryType.confChange ? 1 : 0;
  out.set(e.data, 9);
  return out;
}

function decodeEntry(index: number, bytes: Uint8Array): Entry {
  assert(bytes.byteLength >= 9, `raft entry ${index} is truncated (${bytes.byteLength} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const term = Number(view.getBigUint64(0));
  const typeByte = bytes[8];
  assert(typeByte === 0 || typeByte === 1, `raft entry ${index} has unknown type ${typeByte}`);
  return { term, index, type: typeByte === 1 ? EntryType.confChange : EntryType.normal, data: bytes.slice(9) };
}

function encodeHardState(hs: HardState): Uint8Array {
  const out = new Uint8Array(24);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(hs.term));
  view.setBigUint64(8, BigInt(hs.vote));
  view.setBigUint64(16, BigInt(hs.commit));
  return out;
}

function decodeHardState(bytes: Uint8Array): HardState {
  assert(bytes.byteLength === 24, `raft hard state has ${bytes.byteLength} bytes, expected 24`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    term: Number(view.getBigUint64(0)),
    vote: Number(view.getBigUint64(8)),
    commit: Number(view.getBigUint64(16)),
  };
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** 4-byte length of the JSON metadata, the metadata, then the state machine's bytes. */
function encodeSnapshot(s: Snapshot): Uint8Array {
  const meta = textEncoder.encode(JSON.stringify(s.metadata));
  const out = new Uint8Array(4 + meta.byteLength + s.data.byteLength);
  new DataView(out.buffer).setUint32(0, meta.byteLength);
  out.set(meta, 4);
  out.set(s.data, 4 + meta.byteLength);
  return out;
}

function decodeSnapshot(bytes: Uint8Array): Snapshot {
  assert(bytes.byteLength >= 4, 'raft snapshot is truncated');
  const metaLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  assert(4 + metaLength <= bytes.byteLength, 'raft snapshot metadata is truncated');
  const metadata = JSON.parse(textDecoder.decode(bytes.subarray(4, 4 + metaLength))) as Snapshot['metadata'];
  return { metadata, data: bytes.slice(4 + metaLength) };
}

// ---------------------------------------------------------------- the store

/** The production RaftStore: LevelDB, one atomic batch per write. */
export class RaftDiskStorage implements RaftStore {
  /** Index range of the entries on disk; empty when first > last. Kept so that deleting a suffix
   * or a compacted prefix is a bounded list of point deletes inside the same atomic batch. */
  private diskFirstIndex = 1;
  private diskLastIndex = 0;
  private closed = false;

  private constructor(private readonly db: ClassicLevel<string, Uint8Array>) {}

  static async open(dir: string): Promise<RaftDiskStorage> {
    const db = new ClassicLevel<string, Uint8Array>(dir, { valueEncoding: 'view' });
    await db.open();
    return new RaftDiskStorage(db);
  }

  /** Reads everything back. Entries at or below the snapshot (the trailing entries kept after a
   * compaction) are dropped from disk: the state machine restarts from the snapshot anyway. */
  async load(): Promise<LoadedRaftState> {
    const hsBytes = await this.db.get(HARD_STATE_KEY);
    const snapBytes = await this.db.get(SNAPSHOT_KEY);
    const hardState = hsBytes === undefined ? EMPTY_HARD_STATE : decodeHardState(hsBytes);
    const snapshot = snapBytes === undefined ? undefined : decodeSnapshot(snapBytes);
    const snapIndex = snapshot?.metadata.index ?? 0;

    const entries: Entry[] = [];
    const stale: string[] = [];
    let first = 0;
    let last = 0;
    for await (const [key, value] of this.db.iterator({ gte: ENTRY_PREFIX, lt: ENTRY_PREFIX.slice(0, -1) + ';' })) {
      const index = Number(key.slice(ENTRY_PREFIX.length));
      assert(Number.isSafeInteger(index) && index > 0, `bad raft entry key ${key}`);
      if (first === 0) first = index;
      assert(last === 0 || index === last + 1, `raft log has a gap between ${last} and ${index}`);
      last = index;
      if (index <= snapIndex) stale.push(key);
      else entries.push(decodeEntry(index, value));
    }
    const firstKept = entries[0];
    assert(
      firstKept === undefined || firstKept.index === snapIndex + 1,
      `raft log starts at ${firstKept?.index}, after snapshot ${snapIndex}`,
    );
    if (stale.length > 0)
      await this.db.batch(
        stale.map((key) => ({ type: 'del' as const, key })),
        { sync: false },
      );
    this.diskFirstIndex = firstKept?.index ?? snapIndex + 1;
    this.diskLastIndex = firstKept === undefined ? snapIndex : last;
    assert(
      hardState.commit <= Math.max(this.diskLastIndex, snapIndex),
      `stored commit ${hardState.commit} beyond the stored log`,
    );
    return { hardState, snapshot, entries };
  }

  /** Persists one Ready's writes atomically: a received snapshot replaces the whole log; new
   * entries replace every stored entry at or after the first of them. */
  async write(w: RaftWrite): Promise<void> {
    assert(!this.closed, 'write to a closed raft store');
    if (w.snapshot === undefined && w.entries.length === 0 && w.hardState === undefined) return;
    const batch = this.db.batch();
    let first = this.diskFirstIndex;
    let last = this.diskLastIndex;
    if (w.snapshot !== undefined) {
      batch.put(SNAPSHOT_KEY, encodeSnapshot(w.snapshot));
      for (let i = first; i <= last; i++) batch.del(entryKey(i));
      first = w.snapshot.metadata.index + 1;
      last = w.snapshot.metadata.index;
    }
    const head = w.entries[0];
    if (head !== undefined) {
      const tail = w.entries[w.entries.length - 1] as Entry;
      assert(head.index <= last + 1, `raft append at ${head.index} leaves a gap after ${last}`);
      assert(head.index >= first, `raft append at ${head.index} below the first stored entry ${first}`);
      for (const e of w.entries) batch.put(entryKey(e.index), encodeEntry(e));
      // The conflicting suffix goes in the same batch: a crash can never leave a stale tail.
      for (let i = tail.index + 1; i <= last; i++) batch.del(entryKey(i));
      last = tail.index;
    }
    if (w.hardState !== undefined) batch.put(HARD_STATE_KEY, encodeHardState(w.hardState));
    await batch.write({ sync: w.sync });
    this.diskFirstIndex = first;
    this.diskLastIndex = last;
  }

  /** Stores a snapshot the node took of its own state and deletes the entries up to
   * `compactIndex` (<= the snapshot index), in one batch: the log never has a hole that no
   * snapshot covers. Not fsynced: losing it on a crash only loses the compaction. */
  async saveSnapshotAndCompact(snapshot: Snapshot, compactIndex: number): Promise<void> {
    assert(!this.closed, 'write to a closed raft store');
    assert(
      compactIndex <= snapshot.metadata.index,
      `compaction ${compactIndex} beyond snapshot ${snapshot.metadata.index}`,
    );
    const batch = this.db.batch();
    batch.put(SNAPSHOT_KEY, encodeSnapshot(snapshot));
    const upTo = Math.min(compactIndex, this.diskLastIndex);
    for (let i = this.diskFirstIndex; i <= upTo; i++) batch.del(entryKey(i));
    await batch.write({ sync: false });
    this.diskFirstIndex = Math.max(this.diskFirstIndex, upTo + 1);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.close();
  }
}
