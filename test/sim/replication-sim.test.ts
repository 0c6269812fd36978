// The seeded partition replication simulation (test/sim/replication) over a fixed set of seeds for
// every safe (N, W, R), and proof that its checker can fail: with W + R <= N it must find a lost
// write. Reproduce a failure with the printed flags:
//   npm run sim -- --replication --start N --seeds 1 --nodes 3 --w 2 --r 2
import { describe, expect, it } from 'vitest';
import type { ReplicationSimResult } from './replication/simulation.js';
import {
  describeConfig,
  ReplicationSimBug,
  runReplicationSimulation,
  SAFE_QUORUMS,
  UNSAFE_QUORUMS,
} from './replication/simulation.js';

const SEEDS_PER_CONFIG = 200;
const SAFETY_MS = 8000;

function report(failures: ReplicationSimResult[]): string {
  return failures.map((f) => `seed=${f.seed} ${f.config} ${f.violation ?? ''}`).join('\n');
}

describe('replication simulation, W + R > N', () => {
  for (const n of [3, 5] as const) {
    for (const [w, r] of SAFE_QUORUMS[n]) {
      const config = { replicas: n, writeQuorum: w, readQuorum: r };
      it(`${describeConfig(config)}: ${SEEDS_PER_CONFIG} seeds lose no acknowledged write and recover after healing`, () => {
        const failures: ReplicationSimResult[] = [];
        let acked = 0;
        let failovers = 0;
        for (let seed = 1; seed <= SEEDS_PER_CONFIG; seed++) {
          const res = runReplicationSimulation({ seed, ...config, safetyMs: SAFETY_MS });
          if (!res.ok) failures.push(res);
          acked += res.stats.acked;
          failovers += res.stats.failovers;
        }
        expect(report(failures)).toBe('');
        // The workload really ran, through many leader changes.
        expect(acked).toBeGreaterThan(SEEDS_PER_CONFIG * 20);
        expect(failovers).toBeGreaterThan(SEEDS_PER_CONFIG * 3);
      });
    }
  }

  it('exercises crashes (with and without the page cache), partitions, failed failovers and NOT_ENOUGH_REPLICAS', () => {
    const totals = {
      crashes: 0,
      machineCrashes: 0,
      controllerCrashes: 0,
      partitions: 0,
      failedFailoverAttempts: 0,
      transfers: 0,
      notEnoughReplicas: 0,
      notLeader: 0,
      timeouts: 0,
    };
    for (let seed = 1; seed <= 30; seed++) {
      const { stats } = runReplicationSimulation({
        seed,
        replicas: seed % 2 === 0 ? 5 : 3,
        writeQuorum: seed % 2 === 0 ? 3 : 2,
        readQuorum: seed % 2 === 0 ? 3 : 2,
        safetyMs: SAFETY_MS,
      });
      for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += stats[k];
    }
    for (const [k, v] of Object.entries(totals)) expect(v, k).toBeGreaterThan(10);
    expect(totals.crashes).toBeGreaterThan(totals.machineCrashes); // some crashes keep the page cache
  });

  it('replays a seed exactly', () => {
    const a = runReplicationSimulation({ seed: 4242, replicas: 5, writeQuorum: 3, readQuorum: 3, safetyMs: 3000 });
    const b = runReplicationSimulation({ seed: 4242, replicas: 5, writeQuorum: 3, readQuorum: 3, safetyMs: 3000 });
    expect(b).toEqual(a);
  });
});

describe('replication simulation, W + R <= N (the checker must fail)', () => {
  const cases: Array<readonly [3 | 5, number, number]> = [
    [3, 1, 1],
    [3, 2, 1],
    [3, 1, 2],
    [5, 2, 2],
    [5, 3, 2],
  ];
  for (const [n, w, r] of cases) {
    it(`N=${n} W=${w} R=${r} loses an acknowledged write for some seed in 1..200, and that seed replays`, () => {
      expect(UNSAFE_QUORUMS[n].some(([a, b]) => a === w && b === r)).toBe(true);
      const run = (seed: number): ReplicationSimResult =>
        runReplicationSimulation({ seed, replicas: n, writeQuorum: w, readQuorum: r, safetyMs: SAFETY_MS });
      let found: ReplicationSimResult | undefined;
      for (let seed = 1; seed <= 200 && found === undefined; seed++) {
        const res = run(seed);
        if (!res.ok && /lost acknowledged write/.test(res.violation ?? '')) found = res;
      }
      expect(found?.violation).toMatch(/^Violation: t=\d+ms lost acknowledged write: value \d+ at offset \d+/);
      expect(run((found as ReplicationSimResult).seed).violation).toBe(found?.violation);
    });
  }
});

describe('replication simulation with a broken shell (the checker must fail)', () => {
  function firstFailure(bug: ReplicationSimBug, seeds: number): ReplicationSimResult | undefined {
    for (let seed = 1; seed <= seeds; seed++) {
      const res = runReplicationSimulation({
        seed,
        replicas: 3,
        writeQuorum: 2,
        readQuorum: 2,
        safetyMs: SAFETY_MS,
        bug,
      });
      if (!res.ok) return res;
    }
    return undefined;
  }

  it('catches followers that acknowledge before their appends are durable (a lost acknowledged write)', () => {
    const found = firstFailure(ReplicationSimBug.ackBeforeDurable, 200);
    expect(found?.violation).toMatch(/lost acknowledged write/);
  });

  it('catches a restarted leader that takes its epoch up again', () => {
    const found = firstFailure(ReplicationSimBug.resumeEpochAfterRestart, 100);
    expect(found?.violation).toMatch(
      /wrote offset \d+ twice in epoch|lost acknowledged write|is a prefix of the leader's/,
    );
  });
});
