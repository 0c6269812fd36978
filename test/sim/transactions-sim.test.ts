// The seeded transaction simulation (test/sim/transactions) over a fixed set of seeds, and proof
// that its checker can fail: each planted bug is caught within the seeds. Reproduce a failure with
// the printed seed: npm run sim -- --transactions --start N --seeds 1 [--trace txn-0]
import { describe, expect, it } from 'vitest';
import { runTransactionSimulation, SimBug, type TxnSimResult } from './transactions/simulation.js';

const SEEDS = 200;

function report(failures: readonly TxnSimResult[]): string {
  return failures
    .map(
      (f) =>
        `seed=${f.seed} ${f.violations
          .slice(0, 3)
          .map((v) => `${v.kind}: ${v.detail}`)
          .join('; ')}`,
    )
    .join('\n');
}

describe('transaction simulation', () => {
  it(`${SEEDS} seeds: every transaction ends the same way on all its partitions, as its producer was told, and none hangs`, async () => {
    const failures: TxnSimResult[] = [];
    const totals: Record<string, number> = {};
    for (let seed = 1; seed <= SEEDS; seed++) {
      const res = await runTransactionSimulation({ seed });
      if (!res.ok) failures.push(res);
      for (const [k, v] of Object.entries(res.stats) as [string, number][]) totals[k] = (totals[k] ?? 0) + v;
    }
    expect(report(failures)).toBe('');
    // The workload really ran, through every kind of fault.
    expect(totals['committed']).toBeGreaterThan(SEEDS * 20);
    expect(totals['aborted']).toBeGreaterThan(SEEDS * 5);
    for (const fault of [
      'crashes',
      'aimedCrashes',
      'txnFailovers',
      'dataLeaderMoves',
      'markerAnswersLost',
      'markerDuplicates',
      'ambiguousAppends',
    ])
      expect(totals[fault], fault).toBeGreaterThan(SEEDS);
  }, 120_000);

  it('catches a coordinator that completes a transaction before every marker is durable', async () => {
    const caught: string[] = [];
    for (let seed = 1; seed <= 20 && caught.length === 0; seed++) {
      const res = await runTransactionSimulation({ seed, bug: SimBug.completeOnSend });
      caught.push(...res.violations.map((v) => v.kind));
    }
    expect(caught).toContain('early-complete');
    // The anomalies readers would see follow: transactions torn across partitions, hanging ones.
    expect(caught.some((k) => k === 'torn' || k === 'hanging' || k === 'lost-commit')).toBe(true);
  });

  it('catches a coordinator that takes any answer to a marker for success', async () => {
    let caughtAt = 0;
    for (let seed = 1; seed <= 100 && caughtAt === 0; seed++) {
      const res = await runTransactionSimulation({ seed, bug: SimBug.ignoreMarkerErrors });
      if (!res.ok) caughtAt = seed;
    }
    expect(caughtAt).toBeGreaterThan(0);
  }, 60_000);
});
