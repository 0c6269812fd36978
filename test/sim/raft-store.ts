// The simulated disk under a Raft node: a RaftStore (src/raft/driver-io.ts) whose writes take a
// seeded virtual time and become durable only as they complete, so a crash loses what the driver
// was still waiting for. The model, per node:
// * `stored` is what a process reads back: every completed write, in order (what LevelDB's files
//   hold). The driver's in-memory log mirrors it; the checker reads the node's log from it.
// * `durable` is what survives a crash. A synced write makes itself and every write before it
//   durable when it completes. An unsynced one (a commit-index update, a compaction) completes
//   without becoming durable: it waits for the next synced write.
// * crash(): of the writes not yet durable (completed unsynced ones, and the one in flight), a
//   seeded prefix survives, oldest first, as a process crash keeps the page cache and a power loss
//   does not; a LevelDB batch is atomic, so a write survives whole or not at all. The dead
//   process's pending writes never complete; the next process reads what survived.
// Planted bugs (test side only): `forgetVote` hands back the hard state without its vote on
// restart; `ackBeforePersist` completes each write at once and makes it durable only later, as a
// disk whose cache acknowledges before the data is on the medium.
import { assert } from '../../src/common/assert.js';
import type { LoadedRaftState, RaftStore, RaftWrite } from '../../src/raft/driver-io.js';
import type { Entry, HardState, Prng, Snapshot } from '../../src/raft/index.js';
import { EMPTY_HARD_STATE } from '../../src/raft/index.js';
import type { VirtualTime } from './raft-clock.js';

/** A node's log as written: what the checker inspects. */
export interface StoredLog {
  readonly hardState: HardState;
  /** The first entry held (the snapshot's index + 1 once compacted). */
  readonly firstIndex: number;
  lastIndex(): number;
  /** The term at `index`, from an entry or the snapshot; undefined if not held. */
  term(index: number): number | undefined;
  /** Entries in [lo, hi) (both within [firstIndex, lastIndex + 1]). */
  slice(lo: number, hi: number): readonly Entry[];
}

type DiskOp =
  | { readonly kind: 'write'; readonly write: RaftWrite }
  | { readonly kind: 'compact'; readonly snapshot: Snapshot; readonly compactIndex: number };

/** The content of a Raft store, changed as RaftDiskStorage changes LevelDB. */
class DiskImage implements StoredLog {
  hardState: HardState = EMPTY_HARD_STATE;
  snapshot: Snapshot | undefined = undefined;
  firstIndex = 1;
  /** entries[i] is the entry at firstIndex + i. */
  entries: Entry[] = [];

  clone(): DiskImage {
    const out = new DiskImage();
    out.hardState = this.hardState;
    out.snapshot = this.snapshot;
    out.firstIndex = this.firstIndex;
    out.entries = this.entries.slice();
    return out;
  }

  lastIndex(): number {
    return this.firstIndex + this.entries.length - 1;
  }

  term(index: number): number | undefined {
    if (index >= this.firstIndex) return this.entries[index - this.firstIndex]?.term;
    const snap = this.snapshot?.metadata;
    return snap !== undefined && snap.index === index ? snap.term : undefined;
  }

  slice(lo: number, hi: number): readonly Entry[] {
    return this.entries.slice(lo - this.firstIndex, hi - this.firstIndex);
  }

  apply(op: DiskOp): void {
    if (op.kind === 'compact') {
      this.snapshot = op.snapshot;
      const upTo = Math.min(op.compactIndex, this.lastIndex());
      if (upTo >= this.firstIndex) {
        this.entries.splice(0, upTo - this.firstIndex + 1);
        this.firstIndex = upTo + 1;
      }
      return;
    }
    const w = op.write;
    if (w.snapshot !== undefined) {
      this.snapshot = w.snapshot;
      this.entries = [];
      this.firstIndex = w.snapshot.metadata.index + 1;
    }
    const head = w.entries[0];
    if (head !== undefined) {
      assert(head.index <= this.lastIndex() + 1, `raft append at ${head.index} leaves a gap after ${this.lastIndex()}`);
      assert(head.index >= this.firstIndex, `raft append at ${head.index} below the first entry ${this.firstIndex}`);
      this.entries.length = head.index - this.firstIndex;
      for (const e of w.entries) this.entries.push(e);
    }
    if (w.hardState !== undefined) this.hardState = w.hardState;
  }

  /** What RaftDiskStorage.load returns for this content (entries at or below the snapshot are
   * dropped), with its checks. */
  load(): LoadedRaftState {
    const snapIndex = this.snapshot?.metadata.index ?? 0;
    if (this.firstIndex <= snapIndex) {
      this.entries.splice(0, Math.min(this.entries.length, snapIndex - this.firstIndex + 1));
      this.firstIndex = snapIndex + 1;
    }
    assert(
      this.hardState.commit <= Math.max(this.lastIndex(), snapIndex),
      `stored commit ${this.hardState.commit} beyond the stored log`,
    );
    return { hardState: this.hardState, snapshot: this.snapshot, entries: this.entries.slice() };
  }
}

interface PendingOp {
  readonly op: DiskOp;
  readonly sync: boolean;
}

export interface RaftDiskOptions {
  readonly nodeId: number;
  readonly time: VirtualTime;
  readonly rng: Prng;
  /** A write completes within [0, this] ms (synced) or [0, this / 4] (unsynced). */
  readonly latencyMaxMs: number;
  readonly forgetVote?: boolean;
  readonly ackBeforePersist?: boolean;
  /** Told of every write as it completes (the simulation aims crashes with it). */
  readonly onWritten?: (w: RaftWrite) => void;
  /** Told of every write as it is issued (the checker's log-matching record). */
  readonly onIssued?: (w: RaftWrite) => void;
}

export class SimRaftDisk {
  private image = new DiskImage();
  private readonly durable = new DiskImage();
  /** Issued, not yet durable, oldest first: completed unsynced writes, then the one in flight. */
  private notDurable: PendingOp[] = [];
  /** The process that may use the disk; a crash makes every older one's calls hang. */
  private generation = 0;
  /** No write completes before the previous one (LevelDB applies batches in order). */
  private lastCompletionMs = 0;

  constructor(private readonly opts: RaftDiskOptions) {}

  /** Every completed write: what the node's process reads and mirrors. */
  get stored(): StoredLog {
    return this.image;
  }

  /** A RaftStore for a new process of the node. */
  open(): RaftStore {
    const generation = ++this.generation;
    const alive = (): boolean => generation === this.generation;
    const hang = new Promise<void>(() => undefined);
    return {
      load: () => {
        assert(alive(), 'load from a dead process');
        const loaded = this.image.load();
        this.durable.load();
        const hardState = this.opts.forgetVote === true ? { ...loaded.hardState, vote: 0 } : loaded.hardState;
        return Promise.resolve({ ...loaded, hardState });
      },
      write: (w) => (alive() ? this.issue({ kind: 'write', write: w }, w.sync) : hang),
      saveSnapshotAndCompact: (snapshot, compactIndex) => {
        assert(compactIndex <= snapshot.metadata.index, `compaction ${compactIndex} beyond ${snapshot.metadata.index}`);
        return alive() ? this.issue({ kind: 'compact', snapshot, compactIndex }, false) : hang;
      },
      close: () => Promise.resolve(),
    };
  }

  /** The process exits cleanly (after RaftDriver.close): the machine keeps every completed write
   * (the page cache reaches the disk). */
  shutdown(): void {
    this.generation++;
    for (const p of this.notDurable) this.durable.apply(p.op);
    this.notDurable = [];
    this.image = this.durable.clone();
  }

  /** The process dies: a seeded prefix of what was not durable survives, the rest is lost. */
  crash(): void {
    this.generation++;
    const keep = this.opts.rng.nextInt(0, this.notDurable.length + 1);
    for (const p of this.notDurable.slice(0, keep)) this.durable.apply(p.op);
    this.notDurable = [];
    this.image = this.durable.clone();
  }

  private issue(op: DiskOp, sync: boolean): Promise<void> {
    if (op.kind === 'write') {
      const w = op.write;
      if (w.snapshot === undefined && w.entries.length === 0 && w.hardState === undefined) {
        this.opts.time.promiseSettled();
        return Promise.resolve();
      }
      this.opts.onIssued?.(w);
    }
    const pending: PendingOp = { op, sync };
    this.notDurable.push(pending);
    const generation = this.generation;
    if (this.opts.ackBeforePersist === true) {
      // The bug: the write is reported complete now; it reaches the medium tens of ms later.
      this.opts.time.promiseSettled();
      const at = Math.max(this.lastCompletionMs, this.opts.time.nowMs + 1 + this.opts.rng.nextInt(0, 40));
      this.lastCompletionMs = at;
      this.complete(op);
      this.opts.time.queue.push(at, () => {
        if (generation !== this.generation) return;
        this.opts.time.touch(this.opts.nodeId);
        this.makeDurable(pending);
      });
      return Promise.resolve();
    }
    const maxMs = sync ? this.opts.latencyMaxMs : Math.floor(this.opts.latencyMaxMs / 4);
    const at = Math.max(this.lastCompletionMs, this.opts.time.nowMs + this.opts.rng.nextInt(0, maxMs + 1));
    this.lastCompletionMs = at;
    return new Promise((resolve) => {
      this.opts.time.queue.push(at, () => {
        if (generation !== this.generation) return; // the process died first: it never hears back
        this.opts.time.touch(this.opts.nodeId);
        this.complete(op);
        if (sync) this.makeDurable(pending);
        resolve();
      });
    });
  }

  private complete(op: DiskOp): void {
    this.image.apply(op);
    if (op.kind === 'write') this.opts.onWritten?.(op.write);
  }

  /** `upTo` and every write before it are on the medium. */
  private makeDurable(upTo: PendingOp): void {
    const n = this.notDurable.indexOf(upTo) + 1;
    assert(n > 0, 'a write made durable twice');
    for (const p of this.notDurable.slice(0, n)) this.durable.apply(p.op);
    this.notDurable = this.notDurable.slice(n);
  }
}
