// The file system inside SimDisk (disk.ts): files whose content exists twice, as the page cache
// shows it and as it would survive a power loss, and directories whose entries exist twice the same
// way. Between the two sit the unsynced operations, in the order they were made: an fdatasync moves
// a file's operations up to the moment of the call into its durable content, a directory fsync a
// directory's; a crash keeps a seeded prefix of each list (the first lost write maybe torn) and
// drops the rest. Everything here is synchronous and fault-free: timing and faults are disk.ts's.
import path from 'node:path';
import { DiskError, type DiskEntry, type DiskStat } from '../../src/storage/index.js';

/** A growable byte array (appends to a segment must not copy the whole file each time). */
export class Bytes {
  private buf: Buffer;
  length = 0;

  constructor(initial?: Buffer) {
    this.buf = Buffer.alloc(Math.max(64, initial?.length ?? 0));
    if (initial) {
      initial.copy(this.buf);
      this.length = initial.length;
    }
  }

  /** Writes `data` at `position`, zero-filling a gap beyond the end. */
  write(position: number, data: Uint8Array): void {
    const end = position + data.length;
    this.reserve(end);
    if (position > this.length) this.buf.fill(0, this.length, position);
    this.buf.set(data, position);
    if (end > this.length) this.length = end;
  }

  /** Cuts to `length` bytes, or extends with zeros. */
  truncate(length: number): void {
    this.reserve(length);
    if (length > this.length) this.buf.fill(0, this.length, length);
    this.length = length;
  }

  /** A copy of up to `length` bytes at `position`. */
  read(position: number, length: number): Buffer {
    const from = Math.min(position, this.length);
    return Buffer.from(this.buf.subarray(from, Math.min(this.length, position + length)));
  }

  clone(): Bytes {
    return new Bytes(this.buf.subarray(0, this.length));
  }

  private reserve(bytes: number): void {
    if (bytes <= this.buf.length) return;
    const grown = Buffer.alloc(Math.max(bytes, this.buf.length * 2));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }
}

type FileOp =
  | { readonly seq: number; readonly kind: 'write'; readonly position: number; readonly data: Buffer }
  | { readonly seq: number; readonly kind: 'truncate'; readonly length: number };

function applyFileOp(bytes: Bytes, op: FileOp): void {
  if (op.kind === 'write') bytes.write(op.position, op.data);
  else bytes.truncate(op.length);
}

/** How one file came through a crash. */
export interface FileCrash {
  readonly path: string;
  readonly unsyncedOps: number;
  /** Unsynced operations that survived whole, oldest first. */
  readonly keptOps: number;
  /** The first lost write survived in part: its first `bytes` ('cut'), or those and zeros for the rest ('zeros'). */
  readonly torn: { readonly bytes: number; readonly rest: 'cut' | 'zeros' } | null;
}

export class FileNode {
  readonly kind = 'file';
  cache = new Bytes();
  durable = new Bytes();
  private unsynced: FileOp[] = [];

  constructor(
    readonly birthtimeMs: number,
    public mtimeMs: number,
  ) {}

  get unsyncedOps(): number {
    return this.unsynced.length;
  }

  write(seq: number, position: number, data: Uint8Array, nowMs: number): void {
    const op: FileOp = { seq, kind: 'write', position, data: Buffer.from(data) };
    applyFileOp(this.cache, op);
    this.unsynced.push(op);
    this.mtimeMs = nowMs;
  }

  truncate(seq: number, length: number, nowMs: number): void {
    const op: FileOp = { seq, kind: 'truncate', length };
    applyFileOp(this.cache, op);
    this.unsynced.push(op);
    this.mtimeMs = nowMs;
  }

  /** An fdatasync called when operation `seq` was the newest has completed. */
  syncUpTo(seq: number): void {
    while (this.unsynced[0] !== undefined && this.unsynced[0].seq <= seq)
      applyFileOp(this.durable, this.unsynced.shift() as FileOp);
  }

  /** That fdatasync failed: its writes stay in the page cache but never reach the disk (Linux). */
  loseUpTo(seq: number): void {
    while (this.unsynced[0] !== undefined && this.unsynced[0].seq <= seq) this.unsynced.shift();
  }

  /** Power loss: `keep` unsynced operations survive, then maybe a torn part of the next write. */
  crash(filePath: string, keep: number, tear: { fraction: number; zeros: boolean } | null): FileCrash {
    const unsyncedOps = this.unsynced.length;
    const kept = Math.min(keep, unsyncedOps);
    for (const op of this.unsynced.slice(0, kept)) applyFileOp(this.durable, op);
    const next = this.unsynced[kept];
    let torn: FileCrash['torn'] = null;
    if (tear !== null && next?.kind === 'write' && next.data.length > 1) {
      const bytes = Math.floor(tear.fraction * next.data.length);
      this.durable.write(next.position, next.data.subarray(0, bytes));
      if (tear.zeros) this.durable.write(next.position + bytes, Buffer.alloc(next.data.length - bytes));
      torn = { bytes, rest: tear.zeros ? 'zeros' : 'cut' };
    }
    this.unsynced = [];
    this.cache = this.durable.clone();
    return { path: filePath, unsyncedOps, keptOps: kept, torn };
  }
}

type DirOp =
  | { readonly seq: number; readonly kind: 'set'; readonly name: string; readonly node: Node | null }
  | { readonly seq: number; readonly kind: 'rename'; readonly from: string; readonly to: string };

function applyDirOp(entries: Map<string, Node>, op: DirOp): void {
  if (op.kind === 'set') {
    if (op.node === null) entries.delete(op.name);
    else entries.set(op.name, op.node);
    return;
  }
  const node = entries.get(op.from);
  if (node === undefined) return; // its creation did not survive: neither does the rename
  entries.delete(op.from);
  entries.set(op.to, node);
}

export class DirNode {
  readonly kind = 'directory';
  live = new Map<string, Node>();
  durable = new Map<string, Node>();
  private unsynced: DirOp[] = [];

  constructor(
    readonly birthtimeMs: number,
    public mtimeMs: number,
  ) {}

  get unsyncedOps(): number {
    return this.unsynced.length;
  }

  set(seq: number, name: string, node: Node | null): void {
    const op: DirOp = { seq, kind: 'set', name, node };
    applyDirOp(this.live, op);
    this.unsynced.push(op);
  }

  rename(seq: number, from: string, to: string): void {
    const op: DirOp = { seq, kind: 'rename', from, to };
    applyDirOp(this.live, op);
    this.unsynced.push(op);
  }

  syncUpTo(seq: number): void {
    while (this.unsynced[0] !== undefined && this.unsynced[0].seq <= seq)
      applyDirOp(this.durable, this.unsynced.shift() as DirOp);
  }

  /** Power loss: the first `keep` unsynced entry changes survive (a journal commits in order). */
  crash(keep: number): number {
    const lost = Math.max(0, this.unsynced.length - keep);
    for (const op of this.unsynced.slice(0, keep)) applyDirOp(this.durable, op);
    this.unsynced = [];
    this.live = new Map(this.durable);
    return lost;
  }
}

export type Node = FileNode | DirNode;

export function statOf(node: Node): DiskStat {
  return {
    kind: node.kind,
    sizeBytes: node.kind === 'file' ? node.cache.length : 0,
    birthtimeMs: node.birthtimeMs,
    mtimeMs: node.mtimeMs,
  };
}

/** Directory entries, sorted by name so that a seed replays the same order. */
export function entriesOf(dir: DirNode): DiskEntry[] {
  return [...dir.live.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, node]) => ({ name, kind: node.kind }));
}

/** Splits an absolute path into its parent and its last component. */
export function splitPath(p: string, syscall: string): { parent: string; name: string } {
  const normal = path.posix.normalize(p);
  if (!path.posix.isAbsolute(normal)) throw new DiskError('EINVAL', syscall, p);
  const name = path.posix.basename(normal);
  if (name === '') throw new DiskError('EINVAL', syscall, p); // the root itself
  return { parent: path.posix.dirname(normal), name };
}

export class FileTree {
  readonly root = new DirNode(0, 0);

  /** The node at `p` as the page cache sees it, or null; ENOTDIR when a parent is a file. */
  lookup(p: string, syscall: string): Node | null {
    const normal = path.posix.normalize(p);
    if (!path.posix.isAbsolute(normal)) throw new DiskError('EINVAL', syscall, p);
    let node: Node = this.root;
    for (const part of normal.split('/').filter((s) => s.length > 0)) {
      if (node.kind !== 'directory') throw new DiskError('ENOTDIR', syscall, p);
      const child = node.live.get(part);
      if (child === undefined) return null;
      node = child;
    }
    return node;
  }

  /** The directory that holds (or would hold) `p`, and the entry's name. */
  parentOf(p: string, syscall: string): { dir: DirNode; name: string } {
    const { parent, name } = splitPath(p, syscall);
    const dir = this.lookup(parent, syscall);
    if (dir === null) throw new DiskError('ENOENT', syscall, p);
    if (dir.kind !== 'directory') throw new DiskError('ENOTDIR', syscall, p);
    return { dir, name };
  }

  /** Files reachable from the root as the page cache sees it, with their paths, in name order. */
  *files(from: DirNode = this.root, at = '/'): Generator<{ path: string; node: FileNode }> {
    for (const { name } of entriesOf(from)) {
      const node = from.live.get(name) as Node;
      const p = path.posix.join(at, name);
      if (node.kind === 'file') yield { path: p, node };
      else yield* this.files(node, p);
    }
  }

  /** Bytes held by files reachable from the root plus `open` ones (unlinked but still open). */
  usedBytes(open: Iterable<FileNode>): number {
    const seen = new Set<FileNode>();
    for (const { node } of this.files()) seen.add(node);
    for (const node of open) seen.add(node);
    let total = 0;
    for (const node of seen) total += node.cache.length;
    return total;
  }

  /**
   * Power loss. `keepOf(n)` says how many of n unsynced operations survive, `tear()` whether (and
   * how) the first lost write survives torn. Directories first, in name order from the root (they
   * decide which files still exist), then the files they hold.
   */
  crash(
    keepOf: (unsyncedOps: number) => number,
    tear: () => { fraction: number; zeros: boolean } | null,
  ): { files: FileCrash[]; lostEntries: number } {
    let lostEntries = 0;
    const crashDir = (dir: DirNode): void => {
      lostEntries += dir.crash(keepOf(dir.unsyncedOps));
      for (const { name } of entriesOf(dir)) {
        const child = dir.live.get(name) as Node;
        if (child.kind === 'directory') crashDir(child);
      }
    };
    crashDir(this.root);
    const files: FileCrash[] = [];
    for (const { path: p, node } of [...this.files()]) {
      const unsynced = node.unsyncedOps;
      const report = node.crash(p, keepOf(unsynced), unsynced > 0 ? tear() : null);
      if (report.unsyncedOps > 0) files.push(report);
    }
    return { files, lostEntries };
  }
}
