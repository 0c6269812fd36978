// The disk as storage sees it: the only way the partition logs (and the small files beside them)
// reach the file system. Production passes `nodeDisk` (node-disk.ts, node:fs); the deterministic
// simulation passes an in-memory disk that loses what was not fsynced at a crash, tears writes and
// fails with EIO or ENOSPC (test/sim/disk.ts).
//
// The shape follows what storage does, so the hot path costs what it did before the interface:
// an append is a synchronous positional write into the page cache (no promise, no copy), an fsync
// is one async fdatasync, a fetch is one async positional read. Operations storage runs inside a
// synchronous append (opening the next segment at a roll, undoing a failed write) are synchronous.
//
// Errors are Node's: an Error whose `code` names the errno ('ENOENT', 'EIO', 'ENOSPC', ...). What is
// durable when is POSIX's, and storage relies on nothing more:
// * a write is in the page cache when `writeSync` returns; it survives a crash (power loss) only
//   once an `fdatasync` of the file that started after it has resolved;
// * a directory's entries (files created, renamed or unlinked in it) survive a crash only once an
//   `fsyncDir` of that directory that started after the change has resolved;
// * an fdatasync that fails may have lost the writes it covered even if a later one succeeds
//   (Linux marks the pages clean): a log that sees one fail must stop trusting its file.

/** 'r' reads an existing file; 'r+' reads and writes an existing file; 'w+' creates or empties one. */
export type OpenMode = 'r' | 'r+' | 'w+';

export interface DiskStat {
  readonly kind: 'file' | 'directory' | 'other';
  readonly sizeBytes: number;
  /** Creation time in ms since the epoch; 0 where the file system does not keep it. */
  readonly birthtimeMs: number;
  /** Last data modification in ms since the epoch. */
  readonly mtimeMs: number;
}

export interface DiskEntry {
  readonly name: string;
  readonly kind: 'file' | 'directory' | 'other';
}

/** Telling the kernel which cached pages will not be read soon (page-cache.ts explains why). */
export interface PageCacheAdvice {
  /** Why cached pages cannot be dropped here, or null when they can. */
  unavailable(): string | null;
  /**
   * Advises dropping the cached pages of `length` bytes at `offset` of `fd` (durable bytes: dirty
   * pages are not dropped). False when that cannot be done here.
   */
  dropCachedRange(fd: number, offset: number, length: number): boolean;
}

export interface Disk {
  // ------------------------------------------------------------ open files (by descriptor)

  /** Opens `file` and returns its descriptor; throws ENOENT for a missing file unless 'w+'. */
  openSync(file: string, mode: OpenMode): number;
  /** Closes `fd`. Reads and fsyncs in flight on it must have settled (storage reference-counts). */
  closeSync(fd: number): void;
  fstatSync(fd: number): DiskStat;
  /**
   * Writes all of `data` at `position` into the page cache, or throws (EIO, ENOSPC); after a throw
   * a prefix of `data` may have been written, which the caller cuts off with `truncateSync`.
   */
  writeSync(fd: number, data: Uint8Array, position: number): void;
  /**
   * Up to `length` bytes at `position`; fewer only when the file ends first. With `into` (of
   * `length` bytes) a disk may read into it and return a view of it; one that does not returns
   * a buffer of its own.
   */
  read(fd: number, length: number, position: number, into?: Buffer): Promise<Buffer>;
  /** Makes the file's content (data and size) as of the call durable. */
  fdatasync(fd: number): Promise<void>;
  /** Cuts (or extends with zeros) the file to `length` bytes, in the page cache. */
  truncateSync(fd: number, length: number): void;

  // ------------------------------------------------------------ whole small files (by path)

  /** The whole file, or null when it does not exist. */
  readFile(file: string): Promise<Buffer | null>;
  /**
   * Creates or empties `file` and writes `data` into it; with `sync` its content is durable once
   * this resolves (its directory entry is not: see `replaceFile` in file-io.ts).
   */
  writeFile(file: string, data: Uint8Array | string, sync: boolean): Promise<void>;

  // ------------------------------------------------------------ directory entries (by path)

  /** Atomically renames a file or directory; an existing file at `to` is replaced. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file's entry; throws ENOENT when there is none. Open descriptors stay usable. */
  unlink(file: string): Promise<void>;
  unlinkSync(file: string): void;
  /** Creates a directory; `recursive` creates missing parents and accepts an existing directory. */
  mkdir(dir: string, recursive: boolean): Promise<void>;
  /** Removes a directory and everything below it; nothing to do when it does not exist. */
  removeTree(dir: string): Promise<void>;
  /** The entries of a directory (no '.' or '..'), in no particular order. */
  readdir(dir: string): Promise<DiskEntry[]>;
  /** What is at `path`, or null when nothing is. */
  stat(path: string): Promise<DiskStat | null>;
  /** Makes the directory's entries as of the call durable. */
  fsyncDir(dir: string): Promise<void>;

  // ------------------------------------------------------------ optional capabilities

  /** Absent where the disk has no page cache to advise (the simulation's disk). */
  readonly pageCache?: PageCacheAdvice;
}

/** The errno name of a disk error ('ENOENT', 'EIO', ...), or undefined for any other value. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const { code } = err;
  return typeof code === 'string' ? code : undefined;
}

/** An error shaped like Node's file-system errors, for disks that are not node:fs. */
export class DiskError extends Error {
  override readonly name = 'DiskError';

  constructor(
    readonly code: string,
    readonly syscall: string,
    readonly path?: string,
  ) {
    super(`${code}: ${syscall}${path === undefined ? '' : ` '${path}'`}`);
  }
}
