// The safe (N, W, R) configurations of the replication simulation as vitest cases: 200 seeds each
// lose no acknowledged write and recover after healing. Registered from two test files, one per N,
// so that vitest runs them side by side.
import { expect, it } from 'vitest';
import type { ReplicationSimResult } from './simulation.js';
import { describeConfig, runReplicationSimulation, SAFE_QUORUMS } from './simulation.js';

export const SEEDS_PER_CONFIG = 200;
export const SAFETY_MS = 8000;
/** A guard against a hung run, not a speed requirement: 200 seeds take tens of seconds. */
export const RUN_TIMEOUT_MS = 30 * 60_000;

export function report(failures: ReplicationSimResult[]): string {
  return failures.map((f) => `seed=${f.seed} ${f.config} ${f.violation ?? ''}`).join('\n');
}

/** One case per safe (W, R) of `n` replicas. */
export function safeConfigCases(n: 3 | 5): void {
  for (const [w, r] of SAFE_QUORUMS[n]) {
    const config = { replicas: n, writeQuorum: w, readQuorum: r };
    it(
      `${describeConfig(config)}: ${SEEDS_PER_CONFIG} seeds lose no acknowledged write and recover after healing`,
      { timeout: RUN_TIMEOUT_MS },
      async () => {
        const failures: ReplicationSimResult[] = [];
        let acked = 0;
        let failovers = 0;
        for (let seed = 1; seed <= SEEDS_PER_CONFIG; seed++) {
          const res = await runReplicationSimulation({ seed, ...config, safetyMs: SAFETY_MS });
          if (!res.ok) failures.push(res);
          acked += res.stats.acked;
          failovers += res.stats.failovers;
        }
        expect(report(failures)).toBe('');
        // The workload really ran, through many leader changes.
        expect(acked).toBeGreaterThan(SEEDS_PER_CONFIG * 20);
        expect(failovers).toBeGreaterThan(SEEDS_PER_CONFIG);
      },
    );
  }
}
