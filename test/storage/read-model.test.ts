import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batch, batchesIn, openLog, tempDir } from './helpers.js';

describe('read against a model (property)', () => {
  it('returns exactly the whole batches the fetch rules select', async () => {
    const dir = tempDir();
    const log = await openLog(dir, { segmentBytes: 3000, indexIntervalBytes: 400 });
    const model: { baseOffset: number; lastOffset: number; sizeBytes: number }[] = [];
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 150; i++) {
      const count = 1 + next(6);
      const r = log.appendAsLeader([batch(`b${i}`, count, { valueBytes: next(400) })], 0);
      model.push({ baseOffset: r.baseOffset, lastOffset: r.lastOffset, sizeBytes: 0 });
    }
    const sizes = batchesIn(Buffer.concat((await log.read(0, 1 << 30, log.logEndOffset)).chunks));
    sizes.forEach((s, i) => (model[i]!.sizeBytes = s.sizeBytes));
    expect(log.segmentCount).toBeGreaterThan(5);
    const end = log.logEndOffset;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: end }),
        fc.integer({ min: 0, max: 8000 }),
        fc.integer({ min: 0, max: end + 5 }),
        fc.boolean(),
        async (fetchOffset, maxBytes, maxOffset, minOneBatch) => {
          const expected: number[] = [];
          let bytes = 0;
          if (fetchOffset < Math.min(maxOffset, end)) {
            for (const b of model) {
              if (b.lastOffset < fetchOffset) continue;
              if (b.baseOffset >= maxOffset) break;
              if ((expected.length > 0 || !minOneBatch) && bytes + b.sizeBytes > maxBytes) break;
              expected.push(b.baseOffset);
              bytes += b.sizeBytes;
            }
          }
          const result = await log.read(fetchOffset, maxBytes, maxOffset, { minOneBatch });
          const got = batchesIn(Buffer.concat(result.chunks));
          expect(got.map((b) => b.baseOffset)).toEqual(expected);
          expect(result.bytes).toBe(bytes);
        },
      ),
      { numRuns: 300 },
    );
    await log.close();
  });
});
