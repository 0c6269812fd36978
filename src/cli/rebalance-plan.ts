// The plan of `brook cluster rebalance` and `brook node decommission`: which partitions to move to
// which replicas so that every broker holds about as many replicas, and is the preferred (first)
// replica of about as many partitions, as every other, moving as few replicas as possible. Pure:
// it sees the assignment, not the cluster.
//
// 1. Drain: every replica on a broker being drained goes to the eligible broker with the fewest
//    replicas that the partition is not on yet, in the same position (so a drained preferred
//    replica is replaced by a preferred replica).
// 2. Replicas: while the fullest broker holds at least two more than the emptiest, one replica of
//    a partition on the fullest and not on the emptiest moves there. Each step moves one replica
//    from a broker above the mean to one below it, so no step is wasted: the count of moves is the
//    replicas above the rounded-up mean, the least any plan needs when that mean is reached.
// 3. Leaders: while one broker is the preferred replica of at least two more partitions than
//    another, a partition preferring the first and also placed on the second is reordered to
//    prefer the second. Reordering moves no data; a preferred election then moves the leadership.
// Partitions whose reassignment is under way are left as they are (counted at their target).

export interface PlannedPartition {
  readonly topic: string;
  readonly partition: number;
  readonly replicas: readonly number[];
}

export interface RebalanceInput {
  /** Brokers that may hold replicas (live, not decommissioned, not drained). */
  readonly brokers: readonly number[];
  readonly partitions: readonly PlannedPartition[];
  /** Partitions not to touch (a reassignment is under way): `topic:partition`. */
  readonly frozen?: ReadonlySet<string>;
  /** Brokers every replica must leave. */
  readonly drain?: readonly number[];
}

export interface RebalancePlan {
  /** The partitions to reassign, each with its new replicas. */
  readonly moves: PlannedPartition[];
  /** Replicas that move to another broker (the data copied), and partitions only reordered. */
  readonly replicasMoved: number;
  readonly reordered: number;
  /** Unplaceable: a drained replica with no eligible broker left for it. */
  readonly unplaced: PlannedPartition[];
}

const keyOf = (p: { topic: string; partition: number }): string => `${p.topic}:${p.partition}`;

export function planRebalance(input: RebalanceInput): RebalancePlan {
  const eligible = [...new Set(input.brokers)].filter((b) => !(input.drain ?? []).includes(b)).sort((a, b) => a - b);
  const frozen = input.frozen ?? new Set<string>();
  const work = input.partitions.map((p) => ({ ...p, replicas: [...p.replicas], frozen: frozen.has(keyOf(p)) }));
  const original = new Map(work.map((p) => [p, [...p.replicas]]));
  const replicaCount = new Map<number, number>(eligible.map((b) => [b, 0]));
  for (const p of work)
    for (const r of p.replicas) if (replicaCount.has(r)) replicaCount.set(r, replicaCount.get(r)! + 1);
  const unplaced: PlannedPartition[] = [];
  const drained = new Set(input.drain ?? []);
  const emptiest = (exclude: readonly number[]): number | undefined =>
    eligible
      .filter((b) => !exclude.includes(b))
      .sort((a, b) => replicaCount.get(a)! - replicaCount.get(b)! || a - b)[0];

  for (const p of work) {
    if (p.frozen) continue;
    for (let i = 0; i < p.replicas.length; i++) {
      if (!drained.has(p.replicas[i]!)) continue;
      const to = emptiest(p.replicas);
      if (to === undefined) {
        // Left as it was, and out of the rest of the plan.
        for (const r of p.replicas.filter((x) => !original.get(p)!.includes(x)))
          replicaCount.set(r, replicaCount.get(r)! - 1);
        p.replicas = [...original.get(p)!];
        p.frozen = true;
        unplaced.push({ topic: p.topic, partition: p.partition, replicas: [...p.replicas] });
        break;
      }
      p.replicas[i] = to;
      replicaCount.set(to, replicaCount.get(to)! + 1);
    }
  }

  // Each pass moves one replica from a fullest broker; at most one pass per replica.
  const totalReplicas = work.reduce((n, p) => n + p.replicas.length, 0);
  for (let pass = 0; pass < totalReplicas; pass++) {
    const byCount = [...eligible].sort((a, b) => replicaCount.get(b)! - replicaCount.get(a)! || a - b);
    let moved = false;
    for (const from of byCount) {
      for (const to of [...byCount].reverse()) {
        if (replicaCount.get(from)! - replicaCount.get(to)! < 2) break;
        const p = work.find((q) => !q.frozen && q.replicas.includes(from) && !q.replicas.includes(to));
        if (p === undefined) continue;
        p.replicas[p.replicas.indexOf(from)] = to;
        replicaCount.set(from, replicaCount.get(from)! - 1);
        replicaCount.set(to, replicaCount.get(to)! + 1);
        moved = true;
        break;
      }
      if (moved) break;
    }
    if (!moved) break;
  }

  const leaderCount = new Map<number, number>(eligible.map((b) => [b, 0]));
  for (const p of work) {
    const first = p.replicas[0];
    if (first !== undefined && leaderCount.has(first)) leaderCount.set(first, leaderCount.get(first)! + 1);
  }
  for (let pass = 0; pass < work.length; pass++) {
    const byCount = [...eligible].sort((a, b) => leaderCount.get(b)! - leaderCount.get(a)! || a - b);
    let swapped = false;
    for (const from of byCount) {
      for (const to of [...byCount].reverse()) {
        if (leaderCount.get(from)! - leaderCount.get(to)! < 2) break;
        const p = work.find((q) => !q.frozen && q.replicas[0] === from && q.replicas.includes(to));
        if (p === undefined) continue;
        const i = p.replicas.indexOf(to);
        p.replicas[i] = from;
        p.replicas[0] = to;
        leaderCount.set(from, leaderCount.get(from)! - 1);
        leaderCount.set(to, leaderCount.get(to)! + 1);
        swapped = true;
        break;
      }
      if (swapped) break;
    }
    if (!swapped) break;
  }

  const moves: PlannedPartition[] = [];
  let replicasMoved = 0;
  let reordered = 0;
  input.partitions.forEach((before, i) => {
    const after = work[i]!.replicas;
    if (after.every((r, j) => r === before.replicas[j])) return;
    const added = after.filter((r) => !before.replicas.includes(r)).length;
    replicasMoved += added;
    if (added === 0) reordered++;
    moves.push({ topic: before.topic, partition: before.partition, replicas: after });
  });
  return { moves, replicasMoved, reordered, unplaced };
}
