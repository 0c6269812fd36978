// The log cleaner on one partition log (src/storage/cleaner/): what survives a pass and where,
// tombstones and their delete horizon, recompression, several passes with a small key map, the
// idempotent producer's state, and the bounds (high watermark, active segment, min lag).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Attributes,
  BatchOffsets,
  type LogConfig,
  type PartitionLog,
  computeBatchCrc,
  readBatchHeader,
} from '../../src/storage/index.js';
import { RECOMPRESSED_CODECS } from '../../src/storage/cleaner/record-codecs.js';
import { CODEC_NAMES } from '../../src/storage/compression.js';
import { PRODUCER_SNAPSHOT_FILE } from '../../src/storage/producer-snapshots.js';
import { clockAt, openLog, tempDir } from './helpers.js';
import { T0, keyedBatch, latestPerKey, passContext, readRecords, storedBatches } from './cleaner-helpers.js';

const COMPACT: Partial<LogConfig> = {
  cleanupPolicy: 'compact',
  segmentBytes: 2048,
  indexIntervalBytes: 128,
  retentionMs: -1,
  minCleanableDirtyRatio: 0,
};

const opened: PartitionLog[] = [];
afterEach(async () => {
  for (const log of opened.splice(0)) await log.close(); // before the directories go
});

/** A compacted log on a clock the test sets, cleanable up to its end. */
async function compactedLog(
  dir: string,
  now: { ms: number },
  overrides: Partial<LogConfig> = {},
): Promise<PartitionLog> {
  const log = await openLog(dir, { ...COMPACT, ...overrides }, { clock: clockAt(() => now.ms) });
  log.setCleanableBound({ cleanableEndOffset: () => log.logEndOffset });
  opened.push(log);
  return log;
}

/** Appends `rounds` rounds of values for keys k0..k(keys-1), `perBatch` records a batch. */
function writeRounds(log: PartitionLog, keys: number, rounds: number, perBatch = 5, epoch = 0): void {
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < keys; k += perBatch) {
      const records = [];
      for (let j = k; j < Math.min(keys, k + perBatch); j++) {
        records.push({ key: `k${j}`, value: `v${round}-${j}`, headers: [{ key: 'round', value: String(round) }] });
      }
      log.appendAsLeader([keyedBatch(records, { timestamp: T0 + round * 1000 + k })], epoch);
    }
  }
}

/** Writes records of fresh keys until the active segment has rolled: what came before is cleanable. */
function roll(log: PartitionLog, tag = 'fill'): void {
  const segments = log.segmentCount;
  const epoch = Math.max(log.lastEpoch, 0);
  for (let i = 0; i < 1000 && log.segmentCount === segments; i++) {
    log.appendAsLeader([keyedBatch([{ key: `${tag}-${log.logEndOffset}`, value: 'f'.repeat(40) }])], epoch);
  }
}

/** Cleans until a pass finds nothing to do; returns the number of passes that did something. */
async function cleanFully(log: PartitionLog, memoryBytes = 1024 * 1024): Promise<number> {
  let passes = 0;
  for (let i = 0; i < 100; i++) {
    const result = await log.clean(passContext(memoryBytes));
    if (result === null) return passes;
    passes++;
  }
  throw new Error('the cleaner never ran out of work');
}

describe('a cleaning pass', () => {
  it('keeps exactly the latest record of each key, at its offset, with its timestamp, value and headers', async () => {
    const now = { ms: T0 + 60_000 };
    const log = await compactedLog(tempDir(), now);
    writeRounds(log, 40, 5);
    log.appendAsLeader([keyedBatch([{ key: 'tail', value: 'active' }])], 0); // stays in the active segment
    await log.flush();
    const before = await readRecords(log);
    const segmentsBefore = log.segmentCount;
    const endBefore = log.logEndOffset;

    expect(await cleanFully(log)).toBeGreaterThan(0);

    const after = await readRecords(log);
    // The active segment is not cleaned, so keys written there (none here but 'tail') are untouched.
    const cleanedPart = before.filter((r) => r.offset < log.segmentBaseOffsets.at(-1)!);
    const expected = [
      ...latestPerKey(cleanedPart),
      ...before.filter((r) => r.offset >= log.segmentBaseOffsets.at(-1)!),
    ];
    expect(after).toEqual(expected);
    expect(after.length).toBeLessThan(before.length);
    expect(log.logEndOffset).toBe(endBefore);
    expect(segmentsBefore).toBeGreaterThan(3);
    // Offsets only grow, and a consumer at a removed offset gets the next record.
    for (let i = 1; i < after.length; i++) expect(after[i]!.offset).toBeGreaterThan(after[i - 1]!.offset);
    const removed = before.find((r) => !after.some((a) => a.offset === r.offset))!;
    const { chunks } = await log.read(removed.offset, 1, log.logEndOffset);
    expect(readBatchHeader(chunks[0]!).baseOffset + readBatchHeader(chunks[0]!).lastOffsetDelta).toBeGreaterThanOrEqual(
      removed.offset,
    );
    // Every stored batch has a good CRC and kept its offsets' range or was dropped whole.
    for (const batch of await storedBatches(log)) expect(computeBatchCrc(batch)).toBe(readBatchHeader(batch).crc);
  });

  it('merges small cleaned segments into one within segment.bytes', async () => {
    const now = { ms: T0 };
    const log = await compactedLog(tempDir(), now);
    writeRounds(log, 10, 40);
    roll(log);
    await cleanFully(log); // each source segment shrinks to a few records
    writeRounds(log, 10, 3);
    roll(log);
    const before = log.segmentCount;
    await cleanFully(log); // the small cleaned segments are now merged
    expect(log.segmentCount).toBeLessThan(before - 2);
    const records = await readRecords(log);
    const activeBase = log.segmentBaseOffsets.at(-1)!;
    expect(records.filter((r) => r.key?.startsWith('k') === true && r.offset < activeBase)).toHaveLength(10);
  });

  it('survives a restart: indexes, offsets and timestamps of the cleaned segments hold after reopening', async () => {
    const dir = tempDir();
    const now = { ms: T0 + 60_000 };
    let log = await compactedLog(dir, now);
    writeRounds(log, 30, 4);
    await log.flush();
    await cleanFully(log);
    const cleaned = await readRecords(log);
    await log.close();
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.cleaned') || n.endsWith('.swap'))).toEqual([]);
    log = await compactedLog(dir, now);
    expect(await readRecords(log)).toEqual(cleaned);
    for (const r of cleaned) {
      const found = await log.offsetForTimestamp(r.timestamp);
      expect(found?.offset).toBeLessThanOrEqual(r.offset);
    }
    // Nothing new is dirty: a pass has nothing to do.
    expect(await log.clean(passContext())).toBeNull();
    await log.close();
  });

  it('drops records without a key', async () => {
    const now = { ms: T0 };
    const log = await compactedLog(tempDir(), now);
    for (let i = 0; i < 30; i++) {
      log.appendAsLeader(
        [
          keyedBatch([
            { key: null, value: `keyless-${i}` },
            { key: `k${i % 3}`, value: `v${i}` },
          ]),
        ],
        0,
      );
    }
    roll(log);
    await cleanFully(log);
    const after = await readRecords(log);
    expect(after.filter((r) => r.key === null)).toEqual([]);
    expect(after.filter((r) => r.key?.startsWith('k')).map((r) => r.value)).toEqual(
      expect.arrayContaining(['v27', 'v28', 'v29']),
    );
  });

  it('never cleans at or beyond the bound replication gives (the high watermark), nor without one', async () => {
    const now = { ms: T0 };
    const log = await openLog(tempDir(), COMPACT, { clock: clockAt(() => now.ms) });
    opened.push(log);
    writeRounds(log, 20, 6);
    const before = await readRecords(log);
    expect(await log.clean(passContext())).toBeNull(); // no bound yet: nothing is cleanable
    const hw = log.segmentBaseOffsets[2]! + 1; // inside the third segment
    log.setCleanableBound({ cleanableEndOffset: () => hw });
    await cleanFully(log);
    const after = await readRecords(log);
    // Segments wholly below the bound were cleaned; from the segment holding it on, all is as written.
    const untouchedFrom = log.segmentBaseOffsets.find((b) => b >= before.find((r) => r.offset >= hw)!.offset - 10)!;
    expect(after.filter((r) => r.offset >= hw)).toEqual(before.filter((r) => r.offset >= hw));
    expect(after.length).toBeLessThan(before.length);
    expect(untouchedFrom).toBeDefined();
    const range = log.cleanableRange(now.ms)!;
    expect(range.firstUncleanableOffset).toBeLessThanOrEqual(hw);
  });

  it('leaves segments younger than min.compaction.lag.ms alone', async () => {
    const now = { ms: T0 + 10_000 };
    const log = await compactedLog(tempDir(), now, { minCompactionLagMs: 60_000 });
    writeRounds(log, 20, 4);
    expect(await log.clean(passContext())).toBeNull();
    now.ms = T0 + 3 * 60_000;
    expect(await cleanFully(log)).toBeGreaterThan(0);
  });

  it('is due by max.compaction.lag.ms whatever the dirty ratio', async () => {
    const now = { ms: T0 + 1000 };
    const log = await compactedLog(tempDir(), now, { minCleanableDirtyRatio: 1, maxCompactionLagMs: 60_000 });
    writeRounds(log, 20, 4);
    const early = log.cleanableRange(now.ms)!;
    expect(early.lagDue).toBe(false);
    now.ms = T0 + 120_000;
    expect(log.cleanableRange(now.ms)!.lagDue).toBe(true);
  });

  it('does nothing to a log whose cleanup.policy is delete', async () => {
    const now = { ms: T0 };
    const log = await compactedLog(tempDir(), now, { cleanupPolicy: 'delete' });
    writeRounds(log, 20, 4);
    expect(log.cleanableRange(now.ms)).toBeNull();
    expect(await log.clean(passContext())).toBeNull();
  });
});

describe('tombstones', () => {
  it('remove older values at once, and go themselves delete.retention.ms after the cleaner first passed them', async () => {
    const now = { ms: T0 + 1000 };
    const retentionMs = 50_000;
    const log = await compactedLog(tempDir(), now, { deleteRetentionMs: retentionMs });
    writeRounds(log, 20, 3);
    log.appendAsLeader(
      [
        keyedBatch([
          { key: 'k3', value: null },
          { key: 'k4', value: null },
        ]),
      ],
      0,
    );
    roll(log); // past the tombstones; k3 and k4 are not written again
    await cleanFully(log);
    let records = await readRecords(log);
    expect(records.filter((r) => r.key === 'k3')).toEqual([expect.objectContaining({ value: null })]);
    // The batch holding the tombstones carries the delete horizon now.
    const marked = (await storedBatches(log)).filter(
      (b) => (readBatchHeader(b).attributes & Attributes.deleteHorizon) !== 0,
    );
    expect(marked.map((b) => readBatchHeader(b).baseTimestamp)).toEqual([now.ms + retentionMs]);
    const firstPassMs = now.ms;

    now.ms = firstPassMs + retentionMs - 1;
    expect(await log.clean(passContext(), true)).not.toBeNull();
    records = await readRecords(log);
    expect(records.filter((r) => r.key === 'k3' || r.key === 'k4')).toHaveLength(2);

    now.ms = firstPassMs + retentionMs;
    await log.clean(passContext(), true);
    records = await readRecords(log);
    expect(records.filter((r) => r.key === 'k3' || r.key === 'k4')).toEqual([]);
    // Their timestamps were never changed by the horizon.
    expect(records.find((r) => r.key === 'k5')?.timestamp).toBe(T0 + 2 * 1000 + 5);
  });
});

describe('compressed batches', () => {
  for (const codec of RECOMPRESSED_CODECS) {
    it(`are rewritten with their own codec (${CODEC_NAMES[codec]})`, async () => {
      const now = { ms: T0 };
      const log = await compactedLog(tempDir(), now);
      for (let round = 0; round < 4; round++) {
        for (let k = 0; k < 20; k += 5) {
          const records = [0, 1, 2, 3, 4].map((j) => ({ key: `k${k + j}`, value: `v${round}-${k + j}`.repeat(8) }));
          log.appendAsLeader([keyedBatch(records, { codec, timestamp: T0 + round * 100 })], 0);
        }
      }
      log.appendAsLeader([keyedBatch([{ key: 'tail', value: 't' }], { codec })], 0);
      const before = await readRecords(log);
      await cleanFully(log);
      const after = await readRecords(log);
      const activeBase = log.segmentBaseOffsets.at(-1)!;
      expect(after.filter((r) => r.offset < activeBase)).toEqual(
        latestPerKey(before.filter((r) => r.offset < activeBase)),
      );
      for (const batch of await storedBatches(log)) {
        const header = readBatchHeader(batch);
        if (header.recordsCount > 0) expect(header.attributes & Attributes.compressionMask).toBe(codec);
        expect(computeBatchCrc(batch)).toBe(header.crc);
      }
    });
  }

  it('with a codec value no client may send (damage) stay as they are', async () => {
    const now = { ms: T0 };
    const log = await compactedLog(tempDir(), now);
    writeRounds(log, 10, 2);
    // Codec bits 5: not one of Kafka's, so opaque to the cleaner.
    const opaque = keyedBatch([{ key: 'k1', value: 'x' }]);
    opaque.writeInt16BE(opaque.readInt16BE(BatchOffsets.attributes) | 5, BatchOffsets.attributes);
    opaque.writeUInt32BE(computeBatchCrc(opaque), BatchOffsets.crc);
    log.appendAsLeader([opaque], 0);
    writeRounds(log, 10, 2);
    log.appendAsLeader([keyedBatch([{ key: 'tail', value: 't' }])], 0);
    await cleanFully(log);
    const kept = (await storedBatches(log)).filter((b) => (readBatchHeader(b).attributes & 7) === 5);
    expect(kept).toEqual([opaque]);
  });
});

describe('a small key map', () => {
  it('cleans a dirty section that does not fit in several passes, to the same result', async () => {
    const now = { ms: T0 };
    const dir = tempDir();
    const log = await compactedLog(dir, now, { segmentBytes: 4096 });
    writeRounds(log, 100, 3);
    log.appendAsLeader([keyedBatch([{ key: 'tail', value: 't' }])], 0);
    const before = await readRecords(log);
    const activeBase = log.segmentBaseOffsets.at(-1)!;
    // 1 KiB: 32 slots, at most 28 keys a pass, against 100 keys.
    const passes = await cleanFully(log, 1024);
    expect(passes).toBeGreaterThan(3);
    const after = await readRecords(log);
    expect(after.filter((r) => r.offset < activeBase)).toEqual(
      latestPerKey(before.filter((r) => r.offset < activeBase)),
    );
  });
});

describe('idempotent producers', () => {
  it('keep their last batch as an empty one when all its records are superseded, so sequences survive a restart', async () => {
    const now = { ms: T0 };
    const dir = tempDir();
    let log = await compactedLog(dir, now);
    const pid = 7001;
    const produced = keyedBatch(
      [
        { key: 'a', value: '1' },
        { key: 'b', value: '1' },
        { key: 'c', value: '1' },
      ],
      { producerId: pid, producerEpoch: 0, baseSequence: 0 },
    );
    const first = log.appendAsLeader([Buffer.from(produced)], 0);
    writeRounds(log, 10, 1);
    // Another writer supersedes a, b and c.
    log.appendAsLeader(
      [
        keyedBatch([
          { key: 'a', value: '2' },
          { key: 'b', value: '2' },
          { key: 'c', value: '2' },
        ]),
      ],
      0,
    );
    roll(log);
    await cleanFully(log);
    const empties = (await storedBatches(log)).filter((b) => readBatchHeader(b).producerId === pid);
    expect(empties).toHaveLength(1);
    const header = readBatchHeader(empties[0]!);
    expect(header).toMatchObject({
      baseOffset: first.baseOffset,
      lastOffsetDelta: 2,
      recordsCount: 0,
      producerEpoch: 0,
      baseSequence: 0,
    });
    // Restart without the producer snapshot: the state is rebuilt from the cleaned log.
    await log.close();
    fs.rmSync(path.join(dir, PRODUCER_SNAPSHOT_FILE), { force: true });
    log = await compactedLog(dir, now);
    const retry = log.appendAsLeader([Buffer.from(produced)], 0);
    expect(retry).toMatchObject({ duplicate: true, baseOffset: first.baseOffset });
    const next = keyedBatch([{ key: 'a', value: '3' }], { producerId: pid, producerEpoch: 0, baseSequence: 3 });
    expect(log.appendAsLeader([next], 0).duplicate).toBe(false);
    const gap = keyedBatch([{ key: 'a', value: '4' }], { producerId: pid, producerEpoch: 0, baseSequence: 9 });
    expect(() => log.appendAsLeader([gap], 0)).toThrow(/sequence/);
    await log.close();
  });
});

describe('leader epochs', () => {
  it('keep their first batch and the batch ending where they start, empty if need be', async () => {
    const now = { ms: T0 };
    const log = await compactedLog(tempDir(), now);
    writeRounds(log, 10, 2, 5, 0);
    const epochOneStart = log.logEndOffset;
    writeRounds(log, 10, 2, 5, 1);
    writeRounds(log, 10, 3, 5, 2); // supersedes every record of epochs 0 and 1
    roll(log);
    await cleanFully(log);
    const batches = (await storedBatches(log)).map((b) => readBatchHeader(b));
    const first = batches.find((h) => h.baseOffset === epochOneStart);
    const before = batches.find((h) => h.baseOffset + h.lastOffsetDelta + 1 === epochOneStart);
    expect(first).toMatchObject({ partitionLeaderEpoch: 1, recordsCount: 0 });
    expect(before).toMatchObject({ partitionLeaderEpoch: 0, recordsCount: 0 });
    expect(log.epochEntries().map((e) => e.startOffset)).toContain(epochOneStart);
  });
});
