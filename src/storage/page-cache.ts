// Letting the kernel drop log bytes from the page cache once they are on disk.
//
// Every replica writes each batch into its segment file and fsyncs it; left alone, the page cache
// keeps all of it, so it grows by the full write rate of every log on the machine until memory
// pressure evicts it. Reading old data back is the rare case (tailing consumers read the newest
// bytes; followers that keep up are served from the leader's memory), so Brook tells the kernel,
// after each fsync, that durable bytes older than the newest `retainBytes` of a segment will not
// be read soon (posix_fadvise DONTNEED). The page cache then stays about `retainBytes` per
// partition, recycling the same pages instead of claiming new ones.
//
// Measured on the 2-core VM (`npm run bench -- --nodes 3`: RF 3, acks=all, fsync per ack, 1 GB
// produced): without it the page cache grew by 3 GB, the nodes spent 30–34 CPU seconds per GB
// produced and the bench gave 47–58 MB/s; with 32 MiB retained they spent 22–24 CPU seconds per GB
// and it gave 61–77 MB/s. On that VM each newly claimed page costs the kernel several times more
// than a recycled one. The price: a consumer reading old data reads it from disk (the bench's
// read from the beginning went from 310–670 to 320–420 MB/s).
//
// Node's fs has no fadvise, so this is a native addon (native/page_cache.c), built by `npm ci`.
// Without it (no C compiler at install, or a platform without posix_fadvise) Brook runs as before.
import { nativeAddon, nativeAddonUnavailable } from '../common/index.js';

/** Set once posix_fadvise failed: it is not tried again. */
let failed: string | null = null;

/** Why log bytes cannot be dropped from the page cache here, or null when they can. */
export function pageCacheControlUnavailable(): string | null {
  return failed ?? nativeAddonUnavailable();
}

/**
 * Advises the kernel to drop the cached pages of `length` bytes at `offset` of `fd` (already
 * durable: dirty pages are not dropped). False when this cannot be done here; after a failed
 * call it is not tried again.
 */
export function dropCachedRange(fd: number, offset: number, length: number): boolean {
  const native = nativeAddon();
  if (native === null || failed !== null) return false;
  const rc = native.dropCachedRange(fd, offset, length);
  if (rc === 0) return true;
  failed = `posix_fadvise failed with errno ${rc}`;
  return false;
}
