// SimDisk: a seeded in-memory disk for the deterministic simulations, behind storage's `Disk`
// interface (src/storage/disk.ts), so the real PartitionLog, LogManager and the replication shell's
// sealed-epoch file run on it unchanged.
//
//   const disk = new SimDisk({ seed, scheduler: { schedule: (delayMs, task) => queue.push(now + delayMs, task) } });
//   const view = disk.boot();              // the Disk one process of the node uses
//   await LogManager.open('/data', logger, {}, { disk: view, clock });
//   disk.crash();                          // power loss: what was not fsynced is gone (or torn)
//   const next = disk.boot();              // the restarted process; recovery runs on `next`
//
// What is durable when (the model; src/storage/disk.ts states the same contract):
// * Each file has page-cache content (what reads see) and durable content (what survives a crash).
//   `writeSync` and `truncateSync` change the page cache at once and queue as unsynced operations;
//   an `fdatasync` moves the file's operations made before the call into its durable content when
//   it completes. A failed fdatasync (EIO) drops those operations: they stay visible in the page
//   cache but never become durable, even if a later fdatasync succeeds (as Linux does).
// * Each directory has live entries and durable entries. Creating a file (openSync 'w+', writeFile),
//   mkdir, rename, unlink and removeTree change the live entries at once (sync calls) or when the
//   call completes (async calls), and become durable at the completion of an `fsyncDir` of that
//   directory started after them. Renames stay within one directory (EXDEV otherwise).
// * crash(): for every directory and then every file still reachable, a seeded number of its
//   unsynced operations survives, oldest first (none with probability 1 - keepUnsyncedProbability);
//   with tearProbability the first lost write survives torn: a seeded prefix of its bytes, and
//   with even odds the rest of its range as zeros (the size reached the disk, the data did not).
//   Everything else unsynced is lost, and every view from boot() dies.
// * kill(): the process dies, the machine does not: views die, the page cache (unsynced data
//   included) stays for the next boot().
//
// Timing: every async call completes through `scheduler.schedule(delayMs, task)`, the delay drawn
// from the PRNG within `latencyMs` (integers), so the simulation's virtual time decides when an
// fsync finishes and can crash before it does. Its effect happens at completion, not at the call.
// Sync calls (openSync, writeSync, truncateSync, unlinkSync, closeSync, fstatSync) act at once.
//
// A dead view: async calls made on it, and those in flight when it died, never settle (a dead
// process sees nothing); sync calls throw DiskError 'ECRASHED'. Descriptors belong to their view.
//
// Faults, drawn from the same PRNG at the call (reported at completion for async calls):
// * `faults` rates in [0, 1] per call: readEio (read, readFile), writeEio (writeSync, writeFile),
//   syncEio (fdatasync, fsyncDir, writeFile with sync), writeEnospc (writeSync, writeFile). A
//   failed writeSync may have written a seeded prefix first (as the Disk contract allows).
//   `setFaults()` changes them at run time (e.g. a fault-free phase for liveness).
// * `failNext(kind, code, where?)`: the next call of that kind (on a path containing `where`, or
//   matching it when a RegExp; a descriptor's path is the one it was opened with) fails with
//   `code`; one-shot, queued in order.
// * `capacityBytes`: a full disk. A write that would grow the files beyond it writes what fits
//   and throws ENOSPC. `setCapacity()` changes it.
//
// Inspection without a process (checkers, tests): peekFile, peekDir, durableFile, stats.
import path from 'node:path';
import { type Prng, createPrng } from '../../src/raft/prng.js';
import { type Disk, type DiskEntry, type DiskStat, DiskError, type OpenMode } from '../../src/storage/index.js';
import { DirNode, type FileCrash, FileNode, FileTree, type Node, entriesOf, statOf } from './disk-fs.js';

export interface DiskScheduler {
  /** Runs `task` once, `delayMs` of virtual time from now (0: later, never synchronously). */
  schedule(delayMs: number, task: () => void): unknown;
}

export type LatencyKind = 'read' | 'sync' | 'meta';

export interface FaultRates {
  readonly readEio: number;
  readonly writeEio: number;
  readonly syncEio: number;
  readonly writeEnospc: number;
}

export type FaultKind = 'read' | 'write' | 'sync';

export interface SimDiskOptions {
  readonly seed: number;
  readonly scheduler: DiskScheduler;
  /** Time stamped on files (birth and modification); default 0. */
  readonly clock?: { now(): number };
  /** [min, max] ms per kind of async call: read (read, readFile), sync (fdatasync, fsyncDir), meta (the rest). */
  readonly latencyMs?: Partial<Record<LatencyKind, readonly [number, number]>>;
  readonly faults?: Partial<FaultRates>;
  readonly capacityBytes?: number;
  /** Probability that a file or directory keeps any of its unsynced operations at a crash (default 0.5). */
  readonly keepUnsyncedProbability?: number;
  /** Probability that the first lost write of a file survives torn (default 0.5). */
  readonly tearProbability?: number;
}

export interface CrashReport {
  /** Files that had unsynced operations, and what of them survived. */
  readonly files: readonly FileCrash[];
  /** Directory entry changes lost. */
  readonly lostEntries: number;
}

export interface SimDiskStats {
  fdatasyncs: number;
  dirSyncs: number;
  faults: number;
  crashes: number;
}

const DEFAULT_LATENCY_MS: Record<LatencyKind, readonly [number, number]> = {
  read: [0, 1],
  sync: [1, 5],
  meta: [0, 1],
};
const NO_FAULTS: FaultRates = { readEio: 0, writeEio: 0, syncEio: 0, writeEnospc: 0 };

interface OpenFile {
  readonly node: FileNode;
  readonly writable: boolean;
  readonly path: string;
}

interface PlannedFault {
  readonly kind: FaultKind;
  readonly code: string;
  readonly where: string | RegExp | undefined;
}

function matches(where: string | RegExp | undefined, file: string): boolean {
  if (where === undefined) return true;
  return typeof where === 'string' ? file.includes(where) : where.test(file);
}

export class SimDisk {
  readonly stats: SimDiskStats = { fdatasyncs: 0, dirSyncs: 0, faults: 0, crashes: 0 };
  private readonly tree = new FileTree();
  private readonly prng: Prng;
  private readonly latency: Record<LatencyKind, readonly [number, number]>;
  private faults: FaultRates;
  private capacityBytes: number | undefined;
  private readonly planned: PlannedFault[] = [];
  private views: SimDiskView[] = [];
  private seq = 0;
  private nextFd = 3;

  constructor(private readonly options: SimDiskOptions) {
    this.prng = createPrng(options.seed);
    this.latency = { ...DEFAULT_LATENCY_MS, ...options.latencyMs };
    this.faults = { ...NO_FAULTS, ...options.faults };
    this.capacityBytes = options.capacityBytes;
  }

  /** The disk as a newly started process sees it. Views from earlier boots die (their process is gone). */
  boot(): Disk {
    this.killViews();
    const view = new SimDiskView(this);
    this.views.push(view);
    return view;
  }

  /** Power loss (see the header): unsynced operations are lost, kept or torn by the seed; views die. */
  crash(): CrashReport {
    this.killViews();
    this.stats.crashes++;
    const keepProbability = this.options.keepUnsyncedProbability ?? 0.5;
    const tearProbability = this.options.tearProbability ?? 0.5;
    return this.tree.crash(
      (n) => (n > 0 && this.prng.next() < keepProbability ? this.prng.nextInt(0, n + 1) : 0),
      () => (this.prng.next() < tearProbability ? { fraction: this.prng.next(), zeros: this.prng.next() < 0.5 } : null),
    );
  }

  /** The process dies, the machine does not: views die, the page cache stays. */
  kill(): void {
    this.killViews();
  }

  setFaults(rates: Partial<FaultRates>): void {
    this.faults = { ...NO_FAULTS, ...rates };
  }

  /** The next call of `kind` (on a path containing or matching `where`, if given) fails with `code`. */
  failNext(kind: FaultKind, code: 'EIO' | 'ENOSPC', where?: string | RegExp): void {
    this.planned.push({ kind, code, where });
  }

  setCapacity(bytes: number | undefined): void {
    this.capacityBytes = bytes;
  }

  /** A file's content as the page cache shows it, or null. */
  peekFile(file: string): Buffer | null {
    const node = this.tree.lookup(file, 'peek');
    return node?.kind === 'file' ? node.cache.read(0, node.cache.length) : null;
  }

  /** A file's durable content (what a crash now would keep at least), or null. */
  durableFile(file: string): Buffer | null {
    const node = this.tree.lookup(file, 'peek');
    return node?.kind === 'file' ? node.durable.read(0, node.durable.length) : null;
  }

  /** A directory's live entry names, sorted, or null. */
  peekDir(dir: string): string[] | null {
    const node = this.tree.lookup(dir, 'peek');
    return node?.kind === 'directory' ? entriesOf(node).map((e) => e.name) : null;
  }

  // ---------------------------------------------------------------- for the views

  /** @internal */
  get fileTree(): FileTree {
    return this.tree;
  }

  /** @internal */
  nextSeq(): number {
    return ++this.seq;
  }

  /** @internal */
  allocateFd(): number {
    return this.nextFd++;
  }

  /** @internal */
  now(): number {
    return this.options.clock?.now() ?? 0;
  }

  /** @internal */
  delay(kind: LatencyKind): number {
    const [min, max] = this.latency[kind];
    return this.prng.nextInt(min, max + 1);
  }

  /** @internal */
  schedule(delayMs: number, task: () => void): void {
    this.options.scheduler.schedule(delayMs, task);
  }

  /** @internal The fault this call suffers, if any (planned ones first, then the rates). */
  drawFault(kind: FaultKind, file: string): string | null {
    const at = this.planned.findIndex((f) => f.kind === kind && matches(f.where, file));
    let code: string | null = null;
    if (at >= 0) code = (this.planned.splice(at, 1)[0] as PlannedFault).code;
    else if (kind === 'read' && this.prng.next() < this.faults.readEio) code = 'EIO';
    else if (kind === 'sync' && this.prng.next() < this.faults.syncEio) code = 'EIO';
    else if (kind === 'write' && this.prng.next() < this.faults.writeEio) code = 'EIO';
    else if (kind === 'write' && this.prng.next() < this.faults.writeEnospc) code = 'ENOSPC';
    if (code !== null) this.stats.faults++;
    return code;
  }

  /** @internal How many more bytes the files may grow by. */
  roomBytes(): number {
    if (this.capacityBytes === undefined) return Number.POSITIVE_INFINITY;
    const open = this.views.flatMap((v) => v.openNodes());
    return Math.max(0, this.capacityBytes - this.tree.usedBytes(open));
  }

  /** @internal A seeded fraction in [0, 1). */
  fraction(): number {
    return this.prng.next();
  }

  private killViews(): void {
    for (const view of this.views) view.die();
    this.views = [];
  }
}

/** One process's Disk on a SimDisk. */
class SimDiskView implements Disk {
  private alive = true;
  private readonly fds = new Map<number, OpenFile>();

  constructor(private readonly disk: SimDisk) {}

  die(): void {
    this.alive = false;
    this.fds.clear();
  }

  openNodes(): FileNode[] {
    return [...this.fds.values()].map((f) => f.node);
  }

  // ---------------------------------------------------------------- sync calls

  openSync(file: string, mode: OpenMode): number {
    this.checkAlive('open');
    const tree = this.disk.fileTree;
    let node = tree.lookup(file, 'open');
    if (node === null) {
      if (mode !== 'w+') throw new DiskError('ENOENT', 'open', file);
      const { dir, name } = tree.parentOf(file, 'open');
      node = new FileNode(this.disk.now(), this.disk.now());
      dir.set(this.disk.nextSeq(), name, node);
    } else if (node.kind !== 'file') {
      throw new DiskError('EISDIR', 'open', file);
    } else if (mode === 'w+') {
      node.truncate(this.disk.nextSeq(), 0, this.disk.now());
    }
    const fd = this.disk.allocateFd();
    this.fds.set(fd, { node, writable: mode !== 'r', path: file });
    return fd;
  }

  closeSync(fd: number): void {
    this.checkAlive('close');
    if (!this.fds.delete(fd)) throw new DiskError('EBADF', 'close');
  }

  fstatSync(fd: number): DiskStat {
    return statOf(this.file(fd, 'fstat').node);
  }

  writeSync(fd: number, data: Uint8Array, position: number): void {
    const { node, writable, path: file } = this.file(fd, 'write');
    if (!writable) throw new DiskError('EBADF', 'write');
    const fault = this.disk.drawFault('write', file);
    const growth = Math.max(0, position + data.length - node.cache.length);
    const room = this.disk.roomBytes();
    const fits = growth <= room ? data.length : Math.max(0, data.length - (growth - room));
    if (fault === null && fits === data.length) {
      node.write(this.disk.nextSeq(), position, data, this.disk.now());
      return;
    }
    // A full disk writes what fits; a failed write may have written a seeded prefix first.
    const written = fault === null ? fits : Math.min(fits, Math.floor(this.disk.fraction() * data.length));
    if (written > 0) node.write(this.disk.nextSeq(), position, data.subarray(0, written), this.disk.now());
    throw new DiskError(fault ?? 'ENOSPC', 'write');
  }

  truncateSync(fd: number, length: number): void {
    const { node, writable } = this.file(fd, 'ftruncate');
    if (!writable) throw new DiskError('EBADF', 'ftruncate');
    node.truncate(this.disk.nextSeq(), length, this.disk.now());
  }

  unlinkSync(file: string): void {
    this.checkAlive('unlink');
    this.unlinkNow(file);
  }

  // ---------------------------------------------------------------- async calls on descriptors

  read(fd: number, length: number, position: number): Promise<Buffer> {
    const { node, path: file } = this.file(fd, 'read');
    const fault = this.disk.drawFault('read', file);
    return this.later('read', () => {
      if (fault !== null) throw new DiskError(fault, 'read');
      return node.cache.read(position, length);
    });
  }

  fdatasync(fd: number): Promise<void> {
    const { node, path: file } = this.file(fd, 'fdatasync');
    const upTo = this.disk.nextSeq();
    const fault = this.disk.drawFault('sync', file);
    return this.later('sync', () => {
      this.disk.stats.fdatasyncs++;
      if (fault !== null) {
        node.loseUpTo(upTo);
        throw new DiskError(fault, 'fdatasync');
      }
      node.syncUpTo(upTo);
    });
  }

  // ---------------------------------------------------------------- async calls on paths

  readFile(file: string): Promise<Buffer | null> {
    const fault = this.disk.drawFault('read', file);
    return this.later('read', () => {
      const node = this.disk.fileTree.lookup(file, 'open');
      if (node === null) return null;
      if (node.kind !== 'file') throw new DiskError('EISDIR', 'read', file);
      if (fault !== null) throw new DiskError(fault, 'read', file);
      return node.cache.read(0, node.cache.length);
    });
  }

  writeFile(file: string, data: Uint8Array | string, sync: boolean): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const writeFault = this.disk.drawFault('write', file);
    const syncFault = sync ? this.disk.drawFault('sync', file) : null;
    return this.later(sync ? 'sync' : 'meta', () => {
      const tree = this.disk.fileTree;
      let node = tree.lookup(file, 'open');
      if (node === null) {
        const { dir, name } = tree.parentOf(file, 'open');
        node = new FileNode(this.disk.now(), this.disk.now());
        dir.set(this.disk.nextSeq(), name, node);
      } else if (node.kind !== 'file') {
        throw new DiskError('EISDIR', 'open', file);
      }
      node.truncate(this.disk.nextSeq(), 0, this.disk.now());
      const room = this.disk.roomBytes();
      if (writeFault !== null || bytes.length > room) {
        const written = writeFault === null ? room : Math.floor(this.disk.fraction() * Math.min(bytes.length, room));
        if (written > 0) node.write(this.disk.nextSeq(), 0, bytes.subarray(0, written), this.disk.now());
        throw new DiskError(writeFault ?? 'ENOSPC', 'write', file);
      }
      node.write(this.disk.nextSeq(), 0, bytes, this.disk.now());
      if (!sync) return;
      this.disk.stats.fdatasyncs++;
      const upTo = this.disk.nextSeq();
      if (syncFault !== null) {
        node.loseUpTo(upTo);
        throw new DiskError(syncFault, 'fsync', file);
      }
      node.syncUpTo(upTo);
    });
  }

  rename(from: string, to: string): Promise<void> {
    return this.later('meta', () => {
      const tree = this.disk.fileTree;
      const source = tree.parentOf(from, 'rename');
      const target = tree.parentOf(to, 'rename');
      if (source.dir !== target.dir) throw new DiskError('EXDEV', 'rename', to);
      const node = source.dir.live.get(source.name);
      if (node === undefined) throw new DiskError('ENOENT', 'rename', from);
      const existing = target.dir.live.get(target.name);
      if (existing !== undefined && existing !== node) {
        if (existing.kind === 'directory' && node.kind !== 'directory') throw new DiskError('EISDIR', 'rename', to);
        if (existing.kind !== 'directory' && node.kind === 'directory') throw new DiskError('ENOTDIR', 'rename', to);
        if (existing.kind === 'directory' && existing.live.size > 0) throw new DiskError('ENOTEMPTY', 'rename', to);
      }
      source.dir.rename(this.disk.nextSeq(), source.name, target.name);
    });
  }

  unlink(file: string): Promise<void> {
    return this.later('meta', () => this.unlinkNow(file));
  }

  mkdir(dir: string, recursive: boolean): Promise<void> {
    return this.later('meta', () => {
      const tree = this.disk.fileTree;
      const existing = tree.lookup(dir, 'mkdir');
      if (existing !== null) {
        if (recursive && existing.kind === 'directory') return;
        throw new DiskError('EEXIST', 'mkdir', dir);
      }
      const normal = path.posix.normalize(dir);
      if (!recursive && tree.lookup(path.posix.dirname(normal), 'mkdir') === null)
        throw new DiskError('ENOENT', 'mkdir', dir);
      this.mkdirNow(normal);
    });
  }

  removeTree(dir: string): Promise<void> {
    return this.later('meta', () => {
      const tree = this.disk.fileTree;
      if (tree.lookup(dir, 'rm') === null) return;
      const { dir: parent, name } = tree.parentOf(dir, 'rm');
      parent.set(this.disk.nextSeq(), name, null);
    });
  }

  readdir(dir: string): Promise<DiskEntry[]> {
    return this.later('meta', () => {
      const node = this.disk.fileTree.lookup(dir, 'scandir');
      if (node === null) throw new DiskError('ENOENT', 'scandir', dir);
      if (node.kind !== 'directory') throw new DiskError('ENOTDIR', 'scandir', dir);
      return entriesOf(node);
    });
  }

  stat(file: string): Promise<DiskStat | null> {
    return this.later('meta', () => {
      const node = this.disk.fileTree.lookup(file, 'stat');
      return node === null ? null : statOf(node);
    });
  }

  fsyncDir(dir: string): Promise<void> {
    const upTo = this.disk.nextSeq();
    const fault = this.disk.drawFault('sync', dir);
    return this.later('sync', () => {
      const node = this.disk.fileTree.lookup(dir, 'open');
      if (node === null) throw new DiskError('ENOENT', 'open', dir);
      if (node.kind !== 'directory') throw new DiskError('ENOTDIR', 'fsync', dir);
      this.disk.stats.dirSyncs++;
      if (fault !== null) throw new DiskError(fault, 'fsync', dir);
      node.syncUpTo(upTo);
    });
  }

  // ---------------------------------------------------------------- helpers

  private checkAlive(syscall: string): void {
    if (!this.alive) throw new DiskError('ECRASHED', syscall);
  }

  private file(fd: number, syscall: string): OpenFile {
    this.checkAlive(syscall);
    const open = this.fds.get(fd);
    if (open === undefined) throw new DiskError('EBADF', syscall);
    return open;
  }

  /** Runs `act` when the scheduler says the call completes; never settles once this view is dead. */
  private later<T>(kind: LatencyKind, act: () => T): Promise<T> {
    if (!this.alive) return new Promise<T>(() => undefined);
    return new Promise<T>((resolve, reject) => {
      this.disk.schedule(this.disk.delay(kind), () => {
        if (!this.alive) return;
        try {
          resolve(act());
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
  }

  private unlinkNow(file: string): void {
    const tree = this.disk.fileTree;
    const { dir, name } = tree.parentOf(file, 'unlink');
    const node: Node | undefined = dir.live.get(name);
    if (node === undefined) throw new DiskError('ENOENT', 'unlink', file);
    if (node.kind === 'directory') throw new DiskError('EISDIR', 'unlink', file);
    dir.set(this.disk.nextSeq(), name, null);
  }

  private mkdirNow(dir: string): void {
    const tree = this.disk.fileTree;
    const parentPath = path.posix.dirname(dir);
    if (tree.lookup(parentPath, 'mkdir') === null) this.mkdirNow(parentPath);
    const { dir: parent, name } = tree.parentOf(dir, 'mkdir');
    if (parent.live.has(name)) return;
    parent.set(this.disk.nextSeq(), name, new DirNode(this.disk.now(), this.disk.now()));
  }
}
