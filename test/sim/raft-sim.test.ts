// The seeded whole-cluster simulation of real RaftDrivers (see simulation.ts) over a fixed set of
// seeds, and proof that it can fail. Reproduce a failure with `npm run sim -- --start N --seeds 1`.
import { describe, expect, it } from 'vitest';
import type { SimOptions, SimResult } from './simulation.js';
import { runSimulation, SimBug } from './simulation.js';

const SEEDS = 1000;
const CHUNK = 50;
const SAFETY_MS = 20_000;

function report(failures: SimResult[]): string {
  return failures.map((f) => `seed=${f.seed} ${f.violation ?? ''}`).join('\n');
}

/** The first seed in 1..SEEDS whose run fails with a violation matching `caught`; how many runs
 * before it failed some other way (the driver's own assertions). */
async function firstCaught(
  options: (seed: number) => SimOptions,
  caught: RegExp,
): Promise<{ found: SimResult | undefined; otherFailures: number }> {
  let otherFailures = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const res = await runSimulation(options(seed));
    if (res.violation !== undefined && caught.test(res.violation)) return { found: res, otherFailures };
    if (!res.ok) otherFailures++;
  }
  return { found: undefined, otherFailures };
}

describe('raft simulation of real drivers', () => {
  for (let start = 1; start <= SEEDS; start += CHUNK) {
    it(`seeds ${start}..${start + CHUNK - 1} keep every safety invariant and recover after healing`, async () => {
      const failures: SimResult[] = [];
      let applied = 0;
      for (let seed = start; seed < start + CHUNK; seed++) {
        const res = await runSimulation({ seed, nodes: seed % 2 === 0 ? 5 : 3, safetyMs: SAFETY_MS });
        if (!res.ok) failures.push(res);
        applied += res.stats.applied;
      }
      expect(report(failures)).toBe('');
      expect(applied).toBeGreaterThan(CHUNK * 50); // the workload really ran
    });
  }

  it('exercises snapshots, transfers, membership changes, reads, proposals and crashes', async () => {
    const totals = {
      snapshots: 0,
      snapshotsInstalled: 0,
      transfers: 0,
      confChanges: 0,
      demotions: 0,
      readsServed: 0,
      proposalsResolved: 0,
      crashes: 0,
      partitions: 0,
    };
    for (let seed = 1; seed <= 40; seed++) {
      const { stats } = await runSimulation({ seed, nodes: seed % 2 === 0 ? 5 : 3, safetyMs: SAFETY_MS });
      for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += stats[k];
    }
    for (const [k, v] of Object.entries(totals)) expect(v, k).toBeGreaterThan(k === 'demotions' ? 5 : 10);
  });

  it('replays a seed exactly', async () => {
    const a = await runSimulation({ seed: 4242, nodes: 5, safetyMs: 5000 });
    const b = await runSimulation({ seed: 4242, nodes: 5, safetyMs: 5000 });
    expect(b).toEqual(a);
  });

  // Between events the loop drains the microtask queues without a turn of the event loop; a whole
  // turn must give the very same run (else some continuation outlived the drain).
  it('lets every continuation of an event finish before the next event', async () => {
    for (const seed of [7, 8]) {
      const options: SimOptions = { seed, nodes: seed % 2 === 0 ? 5 : 3, safetyMs: 5000 };
      const drained = await runSimulation(options);
      expect(await runSimulation({ ...options, eventLoopTurns: true })).toEqual(drained);
    }
  });

  // The checker must be able to fail: plant bugs in the drivers' I/O.
  it('catches a disk that acknowledges writes before they are durable', async () => {
    const options = (seed: number): SimOptions => ({ seed, nodes: 3, safetyMs: 10_000, bug: SimBug.ackBeforePersist });
    const { found, otherFailures } = await firstCaught(options, /^Violation: .*(committed entry|two leaders)/);
    // The checker sees the consequence (a vote or a committed entry lost)...
    expect(found?.violation).toMatch(/lacks committed entry|committed entry|two leaders/);
    // ...and before that the core's own assertions fire on logs shorter than promised.
    expect(otherFailures).toBeGreaterThan(0);
    // The failing seed replays to the same violation.
    expect((await runSimulation(options((found as SimResult).seed))).violation).toBe(found?.violation);
  });

  it('catches a store that forgets the vote on restart (two leaders in one term)', async () => {
    const { found } = await firstCaught(
      (seed) => ({ seed, nodes: 5, safetyMs: 10_000, membership: false, bug: SimBug.forgetVote }),
      /two leaders in term/,
    );
    expect(found?.violation).toMatch(/two leaders in term/);
  });
});
