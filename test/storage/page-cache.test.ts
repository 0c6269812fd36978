// Durable log bytes leave the page cache: after each fsync only about the newest
// pageCacheRetainBytes of a segment stay cached, read back unchanged from disk; with -1 the page
// cache is left alone. Residency is read with util-linux's fincore (mincore under the hood).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pageCacheControlUnavailable, type PartitionLog } from '../../src/storage/index.js';
import { batch, openLog, readAll } from './helpers.js';

const MIB = 1024 * 1024;
const TMPFS_MAGIC = 0x01021994;

// On tmpfs the page cache is the storage itself and cannot be dropped: use the working directory.
const base = fs.statfsSync(os.tmpdir()).type === TMPFS_MAGIC ? process.cwd() : os.tmpdir();
const dirs: string[] = [];
function dataDir(): string {
  const dir = fs.mkdtempSync(path.join(base, 'brook-page-cache-'));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function residentBytes(file: string): number {
  const out = spawnSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', file], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`fincore failed: ${out.stderr || out.error?.message}`);
  return Number(out.stdout.trim());
}

/** Appends `total` bytes of 64 KiB batches, each flushed (fsync before ack, as produce does). */
async function fill(log: PartitionLog, total: number): Promise<void> {
  for (let written = 0; written < total; written += 64 * 1024) {
    log.appendAsLeader([batch(`b${written}`, 4, { valueBytes: 16 * 1024 })], 0);
    await log.flush();
  }
}

function segmentFile(dir: string): string {
  const logs = fs.readdirSync(dir).filter((f) => f.endsWith('.log'));
  expect(logs).toHaveLength(1);
  return path.join(dir, logs[0] as string);
}

describe.runIf(process.platform === 'linux')('page cache', () => {
  it('has the page-cache addon (npm ci builds it)', () => {
    expect(pageCacheControlUnavailable()).toBeNull();
  });

  it('keeps about the newest pageCacheRetainBytes of a segment cached after fsyncs, and reads the rest back from disk', async () => {
    const dir = dataDir();
    const log = await openLog(dir, { segmentBytes: 1 << 30 }, { pageCacheRetainBytes: 2 * MIB });
    await fill(log, 24 * MIB);
    const file = segmentFile(dir);
    const size = fs.statSync(file).size;
    expect(size).toBeGreaterThan(24 * MIB);
    const resident = residentBytes(file);
    expect(resident).toBeGreaterThanOrEqual(MIB); // the newest bytes stay for tailing readers
    expect(resident).toBeLessThanOrEqual(8 * MIB); // 2 MiB retained, plus what the last fsyncs could not drop yet
    const bytes = await readAll(log);
    expect(bytes.length).toBe(size);
    await log.close();
  });

  it('leaves the page cache alone with -1', async () => {
    const dir = dataDir();
    const log = await openLog(dir, { segmentBytes: 1 << 30 }, { pageCacheRetainBytes: -1 });
    await fill(log, 24 * MIB);
    const file = segmentFile(dir);
    expect(residentBytes(file)).toBeGreaterThan(20 * MIB);
    await log.close();
  });
});
