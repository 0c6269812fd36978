import { describe, expect, it } from 'vitest';
import { ErrorCode, KafkaError } from '../../src/common/errors.js';
import { decodeRecords } from '../../src/storage/index.js';
import { batch, batchesIn, clockAt, openLog, readAll, segmentFiles, tempDir } from './helpers.js';

describe('PartitionLog append and read', () => {
  it('assigns offsets in call order and reads every record back across segment rolls', async () => {
    const dir = tempDir();
    const log = await openLog(dir, { segmentBytes: 2048 });
    const expected: string[] = [];
    for (let i = 0; i < 60; i++) {
      const count = 1 + (i % 4);
      const result = log.appendAsLeader([batch(`b${i}`, count, { valueBytes: 40 })], 3);
      expect(result.duplicate).toBe(false);
      expect(result.lastOffset - result.baseOffset + 1).toBe(count);
      for (let r = 0; r < count; r++) expected.push(`b${i}-${r}`);
    }
    expect(log.logEndOffset).toBe(expected.length);
    expect(log.segmentCount).toBeGreaterThan(3);
    expect(segmentFiles(dir, '.log')[0]).toBe('00000000000000000000.log');
    const all = await readAll(log);
    const values: string[] = [];
    for (const b of splitAll(all)) {
      expect(b.readInt32BE(12)).toBe(3); // partitionLeaderEpoch stamped
      for (const r of decodeRecords(b)) values.push(r.value!.toString().replace(/x+$/, ''));
    }
    expect(values).toEqual(expected);
    await log.close();
    // And the same after a clean reopen.
    const again = await openLog(dir, { segmentBytes: 2048 });
    expect(again.logEndOffset).toBe(expected.length);
    expect(Buffer.compare(await readAll(again), all)).toBe(0);
    await again.close();
  });

  it('returns the batch CONTAINING the fetch offset, at least one batch, and honours maxOffset', async () => {
    const log = await openLog(tempDir(), { segmentBytes: 1 << 20, indexIntervalBytes: 64 });
    for (let i = 0; i < 20; i++) log.appendAsLeader([batch(`b${i}`, 5, { valueBytes: 30 })], 0); // offsets 5i..5i+4
    const mid = await log.read(12, 1, log.logEndOffset);
    const got = batchesIn(Buffer.concat(mid.chunks));
    expect(got).toHaveLength(1); // maxBytes 1 still yields one whole batch (KIP-74)
    expect(got[0]).toMatchObject({ baseOffset: 10, lastOffset: 14 });
    const size = got[0]!.sizeBytes;
    const three = await log.read(10, size * 3 + size - 1, log.logEndOffset);
    expect(batchesIn(Buffer.concat(three.chunks)).map((b) => b.baseOffset)).toEqual([10, 15, 20]);
    expect(three.bytes).toBe(size * 3);
    const bounded = await log.read(10, 1 << 20, 23);
    expect(batchesIn(Buffer.concat(bounded.chunks)).map((b) => b.baseOffset)).toEqual([10, 15, 20]);
    const atHw = await log.read(25, 1 << 20, 25);
    expect(atHw.bytes).toBe(0);
    const atEnd = await log.read(100, 1 << 20, 100);
    expect(atEnd.chunks).toEqual([]);
    await log.close();
  });

  it('without minOneBatch returns nothing when the first batch does not fit, and never a partial batch', async () => {
    const log = await openLog(tempDir(), { segmentBytes: 1024, indexIntervalBytes: 128 });
    for (let i = 0; i < 20; i++) log.appendAsLeader([batch(`b${i}`, 2, { valueBytes: 50 })], 0);
    const size = batchesIn(Buffer.concat((await log.read(0, 1, log.logEndOffset)).chunks))[0]!.sizeBytes;
    for (const maxBytes of [0, 1, size - 1]) {
      const none = await log.read(0, maxBytes, log.logEndOffset, { minOneBatch: false });
      expect(none).toEqual({ chunks: [], bytes: 0, nextOffset: 0 });
    }
    // Across a segment boundary too: two and a half batches' room gives two whole ones.
    const two = await log.read(8, size * 2 + size / 2, log.logEndOffset, { minOneBatch: false });
    expect(two.chunks).toHaveLength(2); // one view per segment
    expect(batchesIn(Buffer.concat(two.chunks)).map((b) => b.baseOffset)).toEqual([8, 10]);
    expect(two.bytes).toBe(size * 2);
    await log.close();
  });

  it('reads across segments in one call and stops at the byte budget', async () => {
    const log = await openLog(tempDir(), { segmentBytes: 1024, indexIntervalBytes: 128 });
    for (let i = 0; i < 40; i++) log.appendAsLeader([batch(`b${i}`, 2, { valueBytes: 50 })], 0);
    expect(log.segmentCount).toBeGreaterThan(4);
    const result = await log.read(0, 1 << 20, log.logEndOffset);
    const got = batchesIn(Buffer.concat(result.chunks));
    expect(got.map((b) => b.baseOffset)).toEqual(Array.from({ length: 40 }, (_, i) => 2 * i));
    expect(result.chunks.length).toBe(log.segmentCount); // one contiguous chunk per segment
    const size = got[0]!.sizeBytes;
    const limited = await log.read(7, size * 5, log.logEndOffset);
    expect(batchesIn(Buffer.concat(limited.chunks)).map((b) => b.baseOffset)).toEqual([6, 8, 10, 12, 14]);
    await log.close();
  });

  it('returns a batch larger than the budget whole', async () => {
    const log = await openLog(tempDir(), { segmentBytes: 1 << 20 });
    log.appendAsLeader([batch('small', 1)], 0);
    log.appendAsLeader([batch('big', 3, { valueBytes: 20_000 })], 0);
    const result = await log.read(2, 100, log.logEndOffset);
    const got = batchesIn(Buffer.concat(result.chunks));
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ baseOffset: 1, lastOffset: 3 });
    expect(decodeRecords(Buffer.concat(result.chunks))[2]!.value!.length).toBeGreaterThan(20_000);
    await log.close();
  });

  it('throws OFFSET_OUT_OF_RANGE below the log start and beyond the log end', async () => {
    const log = await openLog(tempDir());
    log.appendAsLeader([batch('a', 3)], 0);
    await expect(log.read(4, 100, 10)).rejects.toMatchObject({ code: ErrorCode.OFFSET_OUT_OF_RANGE });
    await expect(log.read(-1, 100, 10)).rejects.toBeInstanceOf(KafkaError);
    await log.close();
  });

  it('stamps LogAppendTime into maxTimestamp with a valid CRC', async () => {
    const log = await openLog(tempDir(), { messageTimestampType: 'LogAppendTime' });
    const result = log.appendAsLeader([batch('a', 2, { timestamp: 5 })], 0, { logAppendTime: 1_234_567 });
    expect(result.logAppendTime).toBe(1_234_567);
    const { chunks } = await log.read(0, 1000, 10);
    const records = decodeRecords(Buffer.concat(chunks));
    expect(records.map((r) => r.timestamp)).toEqual([1_234_567, 1_234_567]);
    await log.close();
  });

  it('keeps follower offsets and refuses a gap', async () => {
    const leader = await openLog(tempDir());
    leader.appendAsLeader([batch('a', 2)], 4);
    leader.appendAsLeader([batch('b', 3)], 5);
    const bytes = Buffer.concat((await leader.read(0, 1 << 20, leader.logEndOffset)).chunks);
    const follower = await openLog(tempDir());
    follower.appendAsFollower(splitAll(bytes));
    expect(follower.logEndOffset).toBe(5);
    expect(follower.epochEntries()).toEqual([
      { epoch: 4, startOffset: 0 },
      { epoch: 5, startOffset: 2 },
    ]);
    expect(() => follower.appendAsFollower([splitAll(bytes)[1]!])).toThrow(KafkaError);
    expect(Buffer.compare(await readAll(follower), bytes)).toBe(0);
    await leader.close();
    await follower.close();
  });

  it('rolls a segment by age (segment.ms)', async () => {
    let now = 1_000_000;
    const log = await openLog(tempDir(), { segmentMs: 1000, segmentBytes: 1 << 20 }, { clock: clockAt(() => now) });
    log.appendAsLeader([batch('a', 1)], 0);
    now += 500;
    log.appendAsLeader([batch('b', 1)], 0);
    expect(log.segmentCount).toBe(1);
    now += 600;
    log.appendAsLeader([batch('c', 1)], 0);
    expect(log.segmentBaseOffsets).toEqual([0, 2]);
    await log.close();
  });
});

function splitAll(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length;) {
    const size = bytes.readInt32BE(at + 8) + 12;
    out.push(Buffer.from(bytes.subarray(at, at + size)));
    at += size;
  }
  return out;
}
