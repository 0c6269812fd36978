// The cleaner's swap under power loss (src/storage/cleaner/segment-swap.ts): on a SimDisk, a
// cleaning pass is cut by a crash while the cleaned segment is written (its unsynced bytes lost
// or torn) and after every step of the swap; the next open must find either the old segments or
// the cleaned one, never a mix and never a loss, say which in one log line, and leave no swap file
// behind. BROOK_CRASH_SEEDS=N runs more seeds per cut point.
import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import { type LogConfig, PartitionLog, makeLogConfig } from '../../src/storage/index.js';
import { SwapStep } from '../../src/storage/cleaner/segment-swap.js';
import { createPrng } from '../../src/raft/prng.js';
import { SimDisk } from '../sim/disk.js';
import { VirtualLoop } from '../sim/virtual-loop.js';
import { T0, type ReadRecord, keyedBatch, latestPerKey, passContext, readRecords } from './cleaner-helpers.js';
import { captureLogger } from './helpers.js';

const SEEDS = Number(process.env.BROOK_CRASH_SEEDS ?? 12);
const DIR = '/data/t-0';
const COMPLETED = 'completed an interrupted log compaction swap: the cleaned segment replaces the old ones';
const ROLLED_BACK = 'rolled back an interrupted log compaction: the old segments stay';

/** Where the pass is cut: while the cleaned segment is being written, after a swap step, after the pass. */
const CUTS = ['writing', ...Object.values(SwapStep), 'after-pass'] as const;
type Cut = (typeof CUTS)[number];

interface Outcome {
  readonly before: ReadRecord[];
  readonly expectedAfter: ReadRecord[];
  readonly recovered: ReadRecord[];
  readonly namesAtOpen: string[];
  readonly namesAfter: string[];
  readonly lines: Record<string, unknown>[];
  readonly cutReached: boolean;
}

const never = new Promise<void>(() => undefined);

async function crashDuringCleaning(seed: number, cut: Cut): Promise<Outcome> {
  const prng = createPrng(seed * 7919 + CUTS.indexOf(cut));
  const loop = new VirtualLoop();
  const clock = loop.clock();
  const sim = new SimDisk({
    seed,
    scheduler: loop,
    clock,
    keepUnsyncedProbability: prng.next(),
    tearProbability: prng.next(),
  });
  let disk = sim.boot();
  await loop.settle(disk.mkdir(DIR, true));
  await loop.settle(disk.fsyncDir('/data'));
  await loop.settle(disk.fsyncDir('/'));
  // Small segments by time, one large segment.bytes: the pass rewrites one group, so one swap.
  const config: LogConfig = makeLogConfig({
    cleanupPolicy: 'compact',
    segmentBytes: 1024 * 1024,
    segmentMs: 10,
    indexIntervalBytes: 128,
    retentionMs: -1,
    minCleanableDirtyRatio: 0,
  });
  const log = await loop.settle(PartitionLog.open(DIR, config, silentLogger, { disk, clock }));
  log.setCleanableBound({ cleanableEndOffset: () => log.logEndOffset });
  const keys = prng.nextInt(3, 12);
  for (let i = 0; i < 60; i++) {
    const records = [0, 1].map((j) => ({ key: `k${(i * 2 + j) % keys}`, value: `v${i}-${j}` }));
    log.appendAsLeader([keyedBatch(records, { timestamp: T0 + i })], 0);
    if (i % 7 === 6) await loop.runUntil(loop.nowMs + 11); // the next append rolls
  }
  await loop.runUntil(loop.nowMs + 11);
  log.appendAsLeader([keyedBatch([{ key: 'tail', value: 'active' }])], 0);
  await loop.settle(log.flush());
  const before = await loop.settle(readRecords(log));
  const activeBase = log.segmentBaseOffsets.at(-1) as number;
  const expectedAfter = [
    ...latestPerKey(before.filter((r) => r.offset < activeBase)),
    ...before.filter((r) => r.offset >= activeBase),
  ];

  let cutReached = false;
  let throttled = 0;
  const cutAt = prng.nextInt(1, 12);
  const crash = (): Promise<void> => {
    cutReached = true;
    sim.crash();
    return never;
  };
  const context = passContext(1024 * 1024, {
    throttle: () => {
      // The rewrite has begun once the cleaned file exists (the map is built first).
      const writing = (sim.peekDir(DIR) ?? []).some((n) => n.endsWith('.log.cleaned'));
      if (cut === 'writing' && writing && ++throttled === cutAt) return crash();
      return Promise.resolve();
    },
    afterSwapStep: (step) => (step === cut ? crash() : Promise.resolve()),
  });
  const pass = log.clean(context);
  let settled = false;
  pass.then(
    () => (settled = true),
    () => (settled = true),
  );
  // Bounded: the pass is a few hundred disk calls, each a scheduled task.
  for (let i = 0; i < 100_000 && !cutReached && !settled; i++) if (!(await loop.step())) break;
  if (!cutReached) {
    await loop.settle(pass);
    if (cut === 'after-pass') void crash();
  }
  const namesAtOpen = sim.peekDir(DIR) ?? [];
  disk = sim.boot();
  const { logger, lines } = captureLogger();
  const reopened = await loop.settle(PartitionLog.open(DIR, config, logger as Logger, { disk, clock }));
  const recovered = await loop.settle(readRecords(reopened));
  await loop.settle(reopened.close());
  return { before, expectedAfter, recovered, namesAtOpen, namesAfter: sim.peekDir(DIR) ?? [], lines, cutReached };
}

describe('a crash during a cleaning pass', () => {
  for (const cut of CUTS) {
    it(`at "${cut}" leaves the old segments or the cleaned one, never a mix or a loss`, async () => {
      for (let seed = 1; seed <= SEEDS; seed++) {
        const outcome = await crashDuringCleaning(seed, cut);
        const context = `seed ${seed}, cut ${cut}, files at open: ${outcome.namesAtOpen.join(' ')}`;
        expect(outcome.cutReached || cut === 'after-pass', context).toBe(true);
        const isOld = JSON.stringify(outcome.recovered) === JSON.stringify(outcome.before);
        const isNew = JSON.stringify(outcome.recovered) === JSON.stringify(outcome.expectedAfter);
        expect(isOld || isNew, `${context}: recovered ${JSON.stringify(outcome.recovered.map((r) => r.offset))}`).toBe(
          true,
        );
        const messages = outcome.lines.map((l) => l.msg);
        const hadSwap = outcome.namesAtOpen.some((n) => n.endsWith('.log.swap'));
        const hadCleaned = outcome.namesAtOpen.some((n) => n.endsWith('.log.cleaned'));
        if (hadSwap) {
          expect(isNew, context).toBe(true);
          expect(
            messages.filter((m) => m === COMPLETED),
            context,
          ).toHaveLength(1);
        } else if (hadCleaned) {
          expect(isOld, context).toBe(true);
          expect(
            messages.filter((m) => m === ROLLED_BACK),
            context,
          ).toHaveLength(1);
        } else {
          expect(
            messages.filter((m) => m === COMPLETED || m === ROLLED_BACK),
            context,
          ).toEqual([]);
        }
        if (cut === 'writing') expect(isOld, context).toBe(true);
        if (cut === 'after-pass' || cut === SwapStep.renamedToLog) expect(isNew, context).toBe(true);
        expect(
          outcome.namesAfter.filter((n) => n.includes('.log.')),
          context,
        ).toEqual([]);
      }
    });
  }
});
