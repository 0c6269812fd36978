// Brook's native addon (native/page_cache.c, built by `npm ci` into build/Release/): the calls
// Node.js lacks. Brook runs without it, only without what those calls give (src/storage/page-cache.ts,
// src/common/freed-memory.ts), so a failed load is remembered with its reason, not thrown.
import { createRequire } from 'node:module';

export interface NativeAddon {
  /** posix_fadvise(fd, offset, length, POSIX_FADV_DONTNEED): 0, or the errno it gave back. */
  dropCachedRange(fd: number, offset: number, length: number): number;
  /** malloc_trim(0) on a worker thread: 1 when memory went back to the kernel, 0 when none did, -1 without glibc. */
  releaseFreedMemory(): Promise<number>;
}

const ADDON_PATH = '../../build/Release/page_cache.node';

let addon: NativeAddon | null | undefined;
let unavailable: string | null = null;

/** The addon, or null when it did not load (nativeAddonUnavailable says why). */
export function nativeAddon(): NativeAddon | null {
  if (addon !== undefined) return addon;
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
  } catch (err) {
    addon = null;
    unavailable = `the native addon did not load (${(err as Error).message.split('\n')[0]}); run npm ci with a C compiler`;
  }
  return addon;
}

/** Why the addon is not loaded, or null when it is. */
export function nativeAddonUnavailable(): string | null {
  nativeAddon();
  return unavailable;
}
