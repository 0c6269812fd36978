// Handing freed memory back to the kernel (src/common/freed-memory.ts, native/page_cache.c): a
// process that freed large buffers glibc kept in its heap is smaller afterwards. Runs in a child
// process of the built package (dist/), where nothing else allocates, and reads its VmRSS.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { nativeAddonUnavailable, releaseFreedMemory } from '../../src/common/index.js';

const run = promisify(execFile);
const DIST = resolve(import.meta.dirname, '../../dist/common/index.js');
const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
const glibc = process.platform === 'linux' && report?.header?.glibcVersionRuntime !== undefined;

// The child: frees one big buffer (glibc then raises its mmap threshold, so later MiB buffers come
// from its heap), fills 200 MiB of buffers, keeps the last one (the heap's top cannot shrink below
// it), frees the rest, collects, and reads VmRSS before and after releasing.
const CHILD = `
import { readFileSync } from 'node:fs';
const { keepReleasingFreedMemory, releaseFreedMemory } = await import(process.argv[1]);
const byTimer = process.argv[2] === 'timer';
const rssMB = () => Number(/VmRSS:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
let first = Buffer.alloc(4 * 1024 * 1024, 1);
first = null;
globalThis.gc();
let held = [];
for (let i = 0; i < 200; i++) held.push(Buffer.alloc(1024 * 1024, 1));
const last = held.at(-1);
held = null;
for (let i = 0; i < 3; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 50)); }
const before = rssMB();
let supported = true;
if (byTimer) {
  // A running node: the timer releases after a second in which the event loop was mostly idle.
  const stop = keepReleasingFreedMemory();
  await new Promise((r) => setTimeout(r, 2_500));
  stop();
} else supported = await releaseFreedMemory();
const after = rssMB();
console.log(JSON.stringify({ before, after, supported, kept: last.length }));
`;

describe('releasing freed memory', () => {
  it('answers whether it can release here, without throwing', async () => {
    const supported = await releaseFreedMemory();
    expect(supported).toBe(glibc && nativeAddonUnavailable() === null);
  });

  it.runIf(glibc && existsSync(DIST)).each(['call', 'timer'])(
    'gives the pages of freed buffers back: the process shrinks (%s)',
    async (how) => {
      const { stdout } = await run(process.execPath, ['--expose-gc', '--input-type=module', '-e', CHILD, DIST, how], {
        timeout: 60_000,
      });
      const { before, after, supported } = JSON.parse(stdout.trim()) as {
        before: number;
        after: number;
        supported: boolean;
      };
      expect(supported).toBe(true);
      // About 200 MiB were freed and kept resident by glibc; most of it goes back.
      expect(before - after).toBeGreaterThan(100);
    },
  );
});
