// The epoch helpers agree with storage's LeaderEpochCache (Kafka's semantics), and PartitionLog
// is a ReplicaLogView as it is.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EpochEntry, ReplicaLogView } from '../../src/replication/protocol/index.js';
import { endOffsetForEpoch, epochAt } from '../../src/replication/protocol/index.js';
import { type PartitionLog, nodeDisk } from '../../src/storage/index.js';
import { LeaderEpochCache } from '../../src/storage/leader-epoch-cache.js';

// Compile-time: the shell can pass a PartitionLog wherever the core wants a view.
export const partitionLogIsAView = (log: PartitionLog): ReplicaLogView => log;

const checkpoints = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 4 })), { maxLength: 6 })
  .map((steps) => {
    const entries: EpochEntry[] = [];
    let epoch = 0;
    let offset = 0;
    for (const [de, doff] of steps) {
      epoch += de;
      offset += doff;
      entries.push({ epoch, startOffset: offset });
    }
    return entries;
  });

describe('epoch helpers', () => {
  it('endOffsetForEpoch answers as LeaderEpochCache.endOffsetFor', async () => {
    await fc.assert(
      fc.asyncProperty(
        checkpoints,
        fc.integer({ min: -1, max: 20 }),
        fc.integer({ min: 0, max: 5 }),
        async (entries, asked, extra) => {
          const { cache } = await LeaderEpochCache.load(nodeDisk, '/nonexistent/brook-test/leader-epoch-checkpoint');
          for (const e of entries) cache.assign(e.epoch, e.startOffset);
          const end = (entries[entries.length - 1]?.startOffset ?? 0) + extra;
          expect(endOffsetForEpoch(cache.all, end, asked)).toEqual(cache.endOffsetFor(asked, end));
        },
      ),
    );
  });

  it('epochAt finds the epoch of the batch holding an offset', () => {
    const entries = [
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 4 },
      { epoch: 4, startOffset: 4 },
      { epoch: 6, startOffset: 9 },
    ];
    expect([0, 3, 4, 8, 9, 100].map((o) => epochAt(entries, o))).toEqual([1, 1, 4, 4, 6, 6]);
    expect(epochAt([{ epoch: 2, startOffset: 5 }], 4)).toBe(-1);
  });
});
