// Scripted scenarios on real RaftDrivers over simulated I/O (raft-cluster.ts): the partitions and
// crashes are placed by hand where a rule of the driver is at stake, and the simulation's checker
// watches every event as in the seeded runs.
import { describe, expect, it } from 'vitest';
import type { RaftDriver } from '../../src/raft/index.js';
import { createPrng, ProposalDroppedError } from '../../src/raft/index.js';
import { SimCluster } from './raft-cluster.js';

const encoder = new TextEncoder();

/** `size` nodes on fast disks, but for the `slowDisks` (writes take up to 200 ms). */
function cluster(size: number, slowDisks: number[] = []): SimCluster {
  const c = new SimCluster({
    seed: 1,
    rng: createPrng(1),
    network: { dropRate: 0, dupRate: 0, delayMinMs: 1, delayMeanMs: 0 },
    diskLatencyMaxMs: 1,
    driver: { heartbeatMs: 100, electionTimeoutMs: 500, proposalTimeoutMs: 60_000 },
  });
  const ids = Array.from({ length: size }, (_, i) => i + 1);
  for (const id of ids) c.addNode(id, ids, slowDisks.includes(id) ? 200 : 1);
  for (const id of ids) c.at(0, () => c.start(c.node(id)));
  return c;
}

/** Only nodes in the same group reach each other; a node in no group is cut off. */
function partition(c: SimCluster, ...groups: number[][]): void {
  const groupOf = new Map<number, number>();
  groups.forEach((g, i) => g.forEach((id) => groupOf.set(id, i)));
  const blocked = new Set<string>();
  for (const a of c.nodes.keys()) {
    for (const b of c.nodes.keys()) {
      if (a !== b && (groupOf.get(a) === undefined || groupOf.get(a) !== groupOf.get(b))) blocked.add(`${a}>${b}`);
    }
  }
  c.network.blocked = blocked;
}

async function until(c: SimCluster, what: string, done: () => boolean, withinMs = 10_000): Promise<void> {
  await c.run(c.nowMs + withinMs, done);
  if (!done()) throw new Error(`${what}: not within ${withinMs} ms\n${c.describe()}`);
}

function driver(c: SimCluster, id: number): RaftDriver {
  const d = c.driver(id);
  if (d === undefined) throw new Error(`node ${id} is not running`);
  return d;
}

function leaderAmong(c: SimCluster, ids: number[]): RaftDriver | undefined {
  return ids.map((id) => c.driver(id)).find((d) => d?.isLeader === true);
}

type Outcome = { resolved: { index: number; term: number } } | { rejected: unknown } | undefined;

/** Follows a proposal's outcome, and hands what the driver claims about it to the checker. */
function watch(c: SimCluster, p: Promise<{ index: number; term: number }>, data: Uint8Array): () => Outcome {
  let outcome: Outcome;
  p.then(
    (resolved) => {
      outcome = { resolved };
      c.guard(() => c.checker.observeAcked(resolved.index, resolved.term, data));
    },
    (rejected: unknown) => {
      outcome = { rejected };
      if (rejected instanceof ProposalDroppedError) c.guard(() => c.checker.observeLost(rejected.index, rejected.term));
    },
  );
  return () => outcome;
}

describe('raft driver scenarios on simulated I/O', () => {
  // Five nodes. Leader 1 (term t) gets entry E to node 2 only. Node X of {3, 4, 5} wins term
  // t + 1 without E and its no-op reaches node 1 alone, replacing E there. Then X dies and node 2,
  // which still holds E, wins with the other two (their logs are no longer than its own) and
  // commits E. Node 1 saw E's index hold another term, yet E committed: "lost" was not certain.
  it('a proposal replaced in its leader`s log can still commit: it settles when its index applies', async () => {
    const c = cluster(5);
    try {
      await until(c, 'a leader', () => leaderAmong(c, [1, 2, 3, 4, 5]) !== undefined);
      const first = leaderAmong(c, [1, 2, 3, 4, 5]) as RaftDriver;
      if (first.nodeId !== 1) void first.transferLeadership(1);
      await until(c, 'node 1 leads', () => c.driver(1)?.isLeader === true);
      const a = encoder.encode('a');
      const warmUp = watch(c, driver(c, 1).propose(a), a);
      await until(c, 'a first entry applied everywhere', () => {
        const o = warmUp();
        return (
          o !== undefined &&
          'resolved' in o &&
          [1, 2, 3, 4, 5].every((id) => c.driver(id)?.basicStatus().applied === o.resolved.index)
        );
      });

      partition(c, [1, 2], [3, 4, 5]);
      const term = driver(c, 1).basicStatus().term;
      const data = encoder.encode('E');
      const e = watch(c, driver(c, 1).propose(data), data);
      const index = driver(c, 1).basicStatus().lastIndex;
      await until(c, 'E stored on node 2', () => c.node(2).disk.stored.term(index) === term);

      partition(c, [1], [2], [3, 4, 5]);
      await until(c, 'a leader among 3, 4, 5', () => leaderAmong(c, [3, 4, 5]) !== undefined);
      const x = (leaderAmong(c, [3, 4, 5]) as RaftDriver).nodeId;
      const xTerm = driver(c, x).basicStatus().term;
      const others = [3, 4, 5].filter((id) => id !== x);
      partition(c, [x, 1], [2], others);
      await until(c, "X's entry replaces E on node 1", () => c.node(1).disk.stored.term(index) === xTerm);

      c.crash(c.node(x));
      partition(c, [1], [2, ...others]);
      await until(c, 'node 2 commits E', () => c.node(2).disk.stored.hardState.commit >= index, 20_000);
      expect(c.node(2).disk.stored.term(index)).toBe(term);

      partition(c, [1, 2, 3, 4, 5]);
      c.start(c.node(x));
      await until(c, 'E settles on node 1', () => e() !== undefined, 20_000);
      const outcome = e();
      if (outcome !== undefined && 'rejected' in outcome)
        expect(outcome.rejected).not.toBeInstanceOf(ProposalDroppedError);
      expect(outcome).toEqual({ resolved: { index, term } });
      c.checkAtEnd();
    } finally {
      c.stopAll();
    }
  });

  // Three nodes, node 3 on a slow disk. Node 3 restarts behind and learns leader 1 (term t) from an append;
  // while that Ready's entries are being written, 1 hands leadership to 2, whose vote request
  // moves node 3 to term t + 1. Once the write completes, node 3's listeners must not hear that
  // 1 leads term t + 1.
  it('leader-change listeners hear a leader with the term it leads, not a newer one', async () => {
    const c = cluster(3, [3]);
    try {
      await until(c, 'a leader', () => leaderAmong(c, [1, 2, 3]) !== undefined);
      const first = leaderAmong(c, [1, 2, 3]) as RaftDriver;
      if (first.nodeId !== 1) void first.transferLeadership(1);
      await until(c, 'node 1 leads', () => c.driver(1)?.isLeader === true);
      c.crash(c.node(3));
      const outcomes = ['a', 'b', 'c'].map((v) => watch(c, driver(c, 1).propose(encoder.encode(v)), encoder.encode(v)));
      await until(c, 'entries committed by 1 and 2', () => outcomes.every((o) => o() !== undefined));

      const heard: Array<[number, number]> = [];
      c.start(c.node(3));
      await until(c, 'node 3 open', () => c.driver(3) !== undefined);
      driver(c, 3).onLeaderChange((leader, term) => heard.push([leader, term]));
      await until(c, 'node 3 hears of leader 1', () => c.driver(3)?.leaderId === 1);
      const term = driver(c, 1).basicStatus().term;
      void driver(c, 1).transferLeadership(2);
      await until(c, 'node 2 leads, as node 3 reports', () => heard.some(([leader]) => leader === 2));
      expect(heard.filter(([leader, t]) => leader === 1 && t !== term)).toEqual([]);
      c.checkAtEnd();
    } finally {
      c.stopAll();
    }
  });
});
