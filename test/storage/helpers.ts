// Shared fixtures for storage tests: temp directories, batches, small-segment configs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach } from 'vitest';
import type { Clock } from '../../src/common/clock.js';
import { silentLogger } from '../../src/common/log.js';
import {
  type LogConfig,
  PartitionLog,
  type PartitionLogOptions,
  buildRecordBatch,
  makeLogConfig,
} from '../../src/storage/index.js';
import type { BuildBatchOptions } from '../../src/storage/index.js';

const dirs: string[] = [];

/** A fresh temp directory, removed after the current test. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brook-storage-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A batch of `count` records whose values name `tag` and the index, e.g. "a-3". */
export function batch(
  tag: string,
  count = 1,
  options: BuildBatchOptions & { timestamp?: number; valueBytes?: number } = {},
): Buffer {
  const timestamp = options.timestamp ?? 1_700_000_000_000;
  const pad = options.valueBytes ? 'x'.repeat(options.valueBytes) : '';
  return buildRecordBatch(
    Array.from({ length: count }, (_, i) => ({
      key: Buffer.from(`k${i}`),
      value: Buffer.from(`${tag}-${i}${pad}`),
      timestamp: timestamp + i,
    })),
    options,
  );
}

export function smallConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  return makeLogConfig({ segmentBytes: 4096, indexIntervalBytes: 256, ...overrides });
}

export function openLog(
  dir: string,
  overrides: Partial<LogConfig> = {},
  options: PartitionLogOptions = {},
): Promise<PartitionLog> {
  return PartitionLog.open(dir, smallConfig(overrides), silentLogger, options);
}

/** A clock that reads the time from `now` (storage only asks the time; timers are not for it). */
export function clockAt(now: () => number): Clock {
  const noTimers = (): never => {
    throw new Error('storage tests run no timers');
  };
  return { now, schedule: noTimers, every: noTimers, soon: noTimers };
}

/** Reads every batch from `from` to the log end and returns their concatenated bytes. */
export async function readAll(log: PartitionLog, from = log.logStartOffset): Promise<Buffer> {
  const parts: Buffer[] = [];
  let offset = from;
  // Bounded: each round advances past at least one batch.
  for (let i = 0; i < 100_000 && offset < log.logEndOffset; i++) {
    const { chunks } = await log.read(offset, 64 * 1024, log.logEndOffset);
    if (chunks.length === 0) break;
    const bytes = Buffer.concat(chunks);
    parts.push(bytes);
    offset = lastOffsetIn(bytes) + 1;
  }
  return Buffer.concat(parts);
}

/** Headers of the batches in a concatenation: [baseOffset, lastOffset, size]. */
export function batchesIn(bytes: Buffer): { baseOffset: number; lastOffset: number; sizeBytes: number }[] {
  const out: { baseOffset: number; lastOffset: number; sizeBytes: number }[] = [];
  let at = 0;
  while (at < bytes.length) {
    const baseOffset = Number(bytes.readBigInt64BE(at));
    const sizeBytes = bytes.readInt32BE(at + 8) + 12;
    const lastOffset = baseOffset + bytes.readInt32BE(at + 23);
    out.push({ baseOffset, lastOffset, sizeBytes });
    at += sizeBytes;
  }
  return out;
}

export function lastOffsetIn(bytes: Buffer): number {
  const all = batchesIn(bytes);
  const last = all[all.length - 1];
  if (!last) throw new Error('no batches');
  return last.lastOffset;
}

export function segmentFiles(dir: string, suffix: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith(suffix))
    .sort();
}

/** A pino logger that keeps every line, for asserting on warnings. */
export function captureLogger(): { logger: import('pino').Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
  );
  return { logger, lines };
}

export function flipByte(buf: Buffer, at: number, mask: number): void {
  buf.writeUInt8((buf.readUInt8(at) ^ mask) & 0xff, at);
}
