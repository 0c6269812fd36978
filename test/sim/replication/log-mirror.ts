// What the checker reads of a node's partition log: the values at its offsets (a compacted log
// has offsets without a record, between batches and inside cleaned ones), as the node's
// process sees them (SimDisk's page cache), without going through the process (the checker runs
// between events, synchronously). The node's Disk is wrapped so every write into a segment file is
// seen: an append at a segment's end is parsed as it is written; anything else (a write inside the
// file, a truncation off a batch boundary, a failed write, a crash) marks the mirror stale, and the
// next lookup parses the segment files again from SimDisk.
import path from 'node:path';
import type { Disk, DiskEntry, DiskStat, OpenMode } from '../../../src/storage/index.js';
import { computeBatchCrc, decodeRecords, readBatchHeader, BATCH_HEADER_BYTES } from '../../../src/storage/index.js';
import type { SimDisk } from '../disk.js';

/** The values of a replica's log, by offset. */
export interface LogValues {
  valueAt(offset: number): number | undefined;
  /** One past the last offset the log holds. */
  readonly endOffset: number;
}

interface MirrorBatch {
  readonly baseOffset: number;
  readonly lastOffset: number;
  /** By offset: a cleaned batch keeps its offset range but may hold records at only some offsets. */
  readonly values: ReadonlyMap<number, number>;
  /** Byte position of the batch's end in its segment file. */
  readonly endPosition: number;
}

interface SegmentMirror {
  readonly baseOffset: number;
  batches: MirrorBatch[];
  lengthBytes: number;
}

const LOG_SUFFIX = '.log';
const SWAP_SUFFIX = '.log.swap';

/** The record value the simulation's clients write: a 4-byte unsigned value. */
export function encodeValue(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}

/** The batches in `bytes` from the start; stops at the first that is incomplete or damaged (a torn tail). */
function parseBatches(bytes: Buffer, startPosition: number): MirrorBatch[] | null {
  const out: MirrorBatch[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < BATCH_HEADER_BYTES) return out.length === 0 && at === 0 ? null : out;
    const header = readBatchHeader(bytes.subarray(at));
    if (header.sizeBytes < BATCH_HEADER_BYTES || at + header.sizeBytes > bytes.length) break;
    const batch = bytes.subarray(at, at + header.sizeBytes);
    if (computeBatchCrc(batch) !== header.crc) break;
    const values = new Map(
      decodeRecords(batch).map((r) => [r.offset, r.value === null ? -1 : r.value.readUInt32BE(0)]),
    );
    at += header.sizeBytes;
    out.push({
      baseOffset: header.baseOffset,
      lastOffset: header.baseOffset + header.lastOffsetDelta,
      values,
      endPosition: startPosition + at,
    });
  }
  return out;
}

export class LogMirror implements LogValues {
  private segments = new Map<string, SegmentMirror>();
  private stale = true;
  private sorted: SegmentMirror[] | null = null;

  constructor(
    private readonly disk: SimDisk,
    private readonly dir: string,
  ) {}

  /** The machine lost its power: the page cache is what the disk kept. */
  invalidate(): void {
    this.stale = true;
  }

  /** The Disk a process of this node uses: `view`, watched. */
  watch(view: Disk): Disk {
    return new WatchedDisk(view, this);
  }

  valueAt(offset: number): number | undefined {
    const segments = this.ordered();
    let lo = 0;
    let hi = segments.length - 1;
    let segment: SegmentMirror | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = segments[mid] as SegmentMirror;
      if (s.baseOffset <= offset) {
        segment = s;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (segment === undefined) return undefined;
    const batches = segment.batches;
    lo = 0;
    hi = batches.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const b = batches[mid] as MirrorBatch;
      if (offset < b.baseOffset) hi = mid - 1;
      else if (offset > b.lastOffset) lo = mid + 1;
      else return b.values.get(offset);
    }
    return undefined;
  }

  /** One past the last offset the segment files hold. */
  get endOffset(): number {
    const last = this.ordered().at(-1)?.batches.at(-1);
    return last === undefined ? 0 : last.lastOffset + 1;
  }

  // ---------------------------------------------------------------- fed by WatchedDisk

  /** @internal The segment file at `file`, when it is one of this log's. */
  segmentPath(file: string): boolean {
    return path.posix.dirname(file) === this.dir && file.endsWith(LOG_SUFFIX);
  }

  /** @internal */
  markStale(): void {
    this.stale = true;
  }

  /** @internal `file` was created or emptied. */
  emptied(file: string): void {
    if (this.stale) return;
    const base = Number(path.posix.basename(file, LOG_SUFFIX));
    this.segments.set(file, { baseOffset: base, batches: [], lengthBytes: 0 });
    this.sorted = null;
  }

  /** @internal `data` was written at `position` of segment `file`. */
  wrote(file: string, position: number, data: Uint8Array): void {
    if (this.stale) return;
    const s = this.segments.get(file);
    if (s === undefined || position !== s.lengthBytes) return this.markStale();
    const parsed = parseBatches(Buffer.from(data.buffer, data.byteOffset, data.byteLength), position);
    if (parsed === null || (parsed.at(-1)?.endPosition ?? position) !== position + data.length) return this.markStale();
    s.batches.push(...parsed);
    s.lengthBytes += data.length;
  }

  /** @internal Segment `file` was cut to `length` bytes. */
  truncated(file: string, length: number): void {
    if (this.stale) return;
    const s = this.segments.get(file);
    if (s === undefined || length > s.lengthBytes) return this.markStale();
    const keep = s.batches.filter((b) => b.endPosition <= length);
    if ((keep.at(-1)?.endPosition ?? 0) !== length) return this.markStale();
    s.batches = keep;
    s.lengthBytes = length;
  }

  /** @internal Segment `file` is gone. */
  removed(file: string): void {
    if (this.stale) return;
    this.segments.delete(file);
    this.sorted = null;
  }

  private ordered(): SegmentMirror[] {
    if (this.stale) this.rebuild();
    this.sorted ??= [...this.segments.values()].sort((a, b) => a.baseOffset - b.baseOffset);
    return this.sorted;
  }

  private rebuild(): void {
    this.segments = new Map();
    this.sorted = null;
    this.stale = false;
    const names = this.disk.peekDir(this.dir) ?? [];
    for (const name of names) {
      const file = path.posix.join(this.dir, name);
      // A cleaned segment in the middle of its swap (storage/cleaner/segment-swap.ts) is what the
      // process reads already: it stands for the segments its range replaces.
      if (name.endsWith(SWAP_SUFFIX)) {
        const bytes = this.disk.peekFile(file) ?? Buffer.alloc(0);
        this.segments.set(file, {
          baseOffset: Number(name.slice(0, -SWAP_SUFFIX.length)),
          batches: parseBatches(bytes, 0) ?? [],
          lengthBytes: bytes.length,
        });
        continue;
      }
      if (!this.segmentPath(file)) continue;
      const bytes = this.disk.peekFile(file) ?? Buffer.alloc(0);
      const batches = parseBatches(bytes, 0) ?? [];
      this.segments.set(file, {
        baseOffset: Number(name.slice(0, -LOG_SUFFIX.length)),
        batches,
        lengthBytes: batches.at(-1)?.endPosition ?? 0,
      });
      // A torn or partial tail: the next write lands after it, which the mirror cannot follow.
      if ((batches.at(-1)?.endPosition ?? 0) !== bytes.length) this.stale = true;
    }
    for (const [file, swap] of [...this.segments]) {
      if (!file.endsWith(SWAP_SUFFIX)) continue;
      const end = (swap.batches.at(-1)?.lastOffset ?? swap.baseOffset - 1) + 1;
      for (const [other, s] of [...this.segments])
        if (other !== file && s.baseOffset >= swap.baseOffset && s.baseOffset < end) this.segments.delete(other);
    }
    // The swap's last step renames it onto a segment's name, which marks the mirror stale again.
  }
}

/** A process's Disk, reporting what it does to the log's segment files to the mirror. */
class WatchedDisk implements Disk {
  private readonly files = new Map<number, string>();

  constructor(
    private readonly inner: Disk,
    private readonly mirror: LogMirror,
  ) {}

  openSync(file: string, mode: OpenMode): number {
    const fd = this.inner.openSync(file, mode);
    if (this.mirror.segmentPath(file)) {
      this.files.set(fd, file);
      if (mode === 'w+') this.mirror.emptied(file);
    }
    return fd;
  }

  closeSync(fd: number): void {
    this.inner.closeSync(fd);
    this.files.delete(fd);
  }

  fstatSync(fd: number): DiskStat {
    return this.inner.fstatSync(fd);
  }

  writeSync(fd: number, data: Uint8Array, position: number): void {
    const file = this.files.get(fd);
    try {
      this.inner.writeSync(fd, data, position);
    } catch (err) {
      if (file !== undefined) this.mirror.markStale();
      throw err;
    }
    if (file !== undefined) this.mirror.wrote(file, position, data);
  }

  read(fd: number, length: number, position: number): Promise<Buffer> {
    return this.inner.read(fd, length, position);
  }

  fdatasync(fd: number): Promise<void> {
    return this.inner.fdatasync(fd);
  }

  truncateSync(fd: number, length: number): void {
    const file = this.files.get(fd);
    try {
      this.inner.truncateSync(fd, length);
    } catch (err) {
      if (file !== undefined) this.mirror.markStale();
      throw err;
    }
    if (file !== undefined) this.mirror.truncated(file, length);
  }

  readFile(file: string): Promise<Buffer | null> {
    return this.inner.readFile(file);
  }

  writeFile(file: string, data: Uint8Array | string, sync: boolean): Promise<void> {
    if (this.mirror.segmentPath(file)) this.mirror.markStale();
    return this.inner.writeFile(file, data, sync);
  }

  async rename(from: string, to: string): Promise<void> {
    await this.inner.rename(from, to);
    // Whole directories move (a deleted partition), or a file lands on a segment's name: start over.
    if (!from.endsWith('.tmp') || this.mirror.segmentPath(to)) this.mirror.markStale();
  }

  async unlink(file: string): Promise<void> {
    await this.inner.unlink(file);
    if (this.mirror.segmentPath(file)) this.mirror.removed(file);
  }

  unlinkSync(file: string): void {
    this.inner.unlinkSync(file);
    if (this.mirror.segmentPath(file)) this.mirror.removed(file);
  }

  mkdir(dir: string, recursive: boolean): Promise<void> {
    return this.inner.mkdir(dir, recursive);
  }

  async removeTree(dir: string): Promise<void> {
    await this.inner.removeTree(dir);
    this.mirror.markStale();
  }

  readdir(dir: string): Promise<DiskEntry[]> {
    return this.inner.readdir(dir);
  }

  stat(file: string): Promise<DiskStat | null> {
    return this.inner.stat(file);
  }

  fsyncDir(dir: string): Promise<void> {
    return this.inner.fsyncDir(dir);
  }
}
