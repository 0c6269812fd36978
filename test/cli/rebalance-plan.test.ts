// The rebalance planner: counts even out within one, as few replicas move as the counts require,
// drained brokers end up empty, partitions under reassignment are left alone.
import { describe, expect, it } from 'vitest';
import { type PlannedPartition, planRebalance } from '../../src/cli/rebalance-plan.js';

function partitions(assignments: number[][]): PlannedPartition[] {
  return assignments.map((replicas, partition) => ({ topic: 't', partition, replicas }));
}

function counts(parts: readonly PlannedPartition[], brokers: readonly number[]) {
  const replicas = new Map(brokers.map((b) => [b, 0]));
  const leaders = new Map(brokers.map((b) => [b, 0]));
  for (const p of parts) {
    for (const r of p.replicas) replicas.set(r, (replicas.get(r) ?? 0) + 1);
    leaders.set(p.replicas[0]!, (leaders.get(p.replicas[0]!) ?? 0) + 1);
  }
  const spread = (m: Map<number, number>) => Math.max(...m.values()) - Math.min(...m.values());
  return { replicas: spread(replicas), leaders: spread(leaders), byBroker: replicas };
}

function applied(parts: readonly PlannedPartition[], moves: readonly PlannedPartition[]): PlannedPartition[] {
  return parts.map((p) => moves.find((m) => m.partition === p.partition) ?? p);
}

describe('planRebalance', () => {
  it('evens replica and leader counts after two brokers join, moving only the replicas above the mean', () => {
    // Six partitions at RF 3 on brokers 1-3; brokers 4 and 5 are new and empty.
    const before = partitions([
      [1, 2, 3],
      [2, 3, 1],
      [3, 1, 2],
      [1, 2, 3],
      [2, 3, 1],
      [3, 1, 2],
    ]);
    const plan = planRebalance({ brokers: [1, 2, 3, 4, 5], partitions: before });
    const after = counts(applied(before, plan.moves), [1, 2, 3, 4, 5]);
    expect(after.replicas).toBeLessThanOrEqual(1);
    expect(after.leaders).toBeLessThanOrEqual(1);
    // 18 replicas over 5 brokers: at most 4 each, so brokers 1-3 give up 2 each = 6 moves at least.
    expect(plan.replicasMoved).toBe(6);
  });

  it('moves nothing when the counts are even', () => {
    const before = partitions([
      [1, 2],
      [2, 3],
      [3, 1],
    ]);
    const plan = planRebalance({ brokers: [1, 2, 3], partitions: before });
    expect(plan.moves).toEqual([]);
  });

  it('reorders replicas (no data moved) to even the preferred leaders', () => {
    const before = partitions([
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3],
    ]);
    const plan = planRebalance({ brokers: [1, 2, 3], partitions: before });
    expect(plan.replicasMoved).toBe(0);
    expect(plan.reordered).toBe(2);
    expect(counts(applied(before, plan.moves), [1, 2, 3]).leaders).toBe(0);
  });

  it('drains a broker: none of its replicas are left, in the same positions', () => {
    const before = partitions([
      [1, 2, 3],
      [2, 3, 4],
      [4, 1, 2],
      [3, 4, 1],
    ]);
    const plan = planRebalance({ brokers: [1, 2, 3, 4], partitions: before, drain: [4] });
    const after = applied(before, plan.moves);
    expect(after.some((p) => p.replicas.includes(4))).toBe(false);
    expect(plan.unplaced).toEqual([]);
    for (const p of after) expect(new Set(p.replicas).size).toBe(3);
    expect(counts(after, [1, 2, 3]).replicas).toBe(0);
  });

  it('reports a drained replica that has nowhere to go, and leaves frozen partitions alone', () => {
    const before = partitions([
      [1, 2],
      [1, 2],
    ]);
    const plan = planRebalance({ brokers: [1, 2], partitions: before, drain: [2], frozen: new Set(['t:1']) });
    expect(plan.unplaced).toEqual([{ topic: 't', partition: 0, replicas: [1, 2] }]);
    expect(plan.moves.some((m) => m.partition === 1)).toBe(false);
  });
});
