// A deterministic, seeded simulation of a Raft cluster of real RaftDrivers over virtual time
// (after Kafka's RaftEventSimulationTest and TigerBeetle's VOPR), on raft-cluster.ts: each node is
// the production driver (src/raft/driver.ts: its Ready loop, batching, proposals, reads, snapshots,
// transfers) on a virtual clock, a disk that loses what was not yet durable and a faulty network.
// One seed fixes every choice: fault rates, latencies, crashes, client operations. Two phases:
//   1. safety: the network drops, delays, duplicates, reorders and partitions messages; nodes
//      crash (the driver and its memory are dropped, the disk keeps what was durable) or stop
//      cleanly (RaftDriver.close), and restart as a new RaftDriver on that disk; clients propose
//      and read; drivers snapshot and compact; leadership is transferred; nodes are told a
//      leader is gone (RaftNode.leaderGone), after it crashed and, wrongly, while it lives; a node joins as
//      learner, is promoted, a voter is removed. The invariants of checker.ts are checked after
//      every event.
//   2. liveness: the network heals and every node restarts; a leader must emerge and a new
//      proposal must be applied by every member within a bound.
import type { Prng, RaftDriver, RaftWrite } from '../../src/raft/index.js';
import { ConfChangeType, createPrng, ProposalDroppedError } from '../../src/raft/index.js';
import { Violation } from './checker.js';
import type { SimNode, SimProcess, SimStats } from './raft-cluster.js';
import { SimCluster } from './raft-cluster.js';

export type { SimStats } from './raft-cluster.js';

/** Deliberate protocol breaks planted in the driver's I/O, to prove the checker catches them. */
export const SimBug = {
  /** The store hands the hard state back without its vote on restart (votedFor not persisted). */
  forgetVote: 'forgetVote',
  /** The store reports writes complete before they are durable: messages (acks, votes) leave
   * before what they promise is on disk. */
  ackBeforePersist: 'ackBeforePersist',
} as const;
export type SimBug = (typeof SimBug)[keyof typeof SimBug];

export interface SimOptions {
  readonly seed: number;
  readonly nodes: 3 | 5;
  /** Virtual duration of the fault phase. */
  readonly safetyMs?: number;
  /** Bound on the liveness phase: a leader and progress must appear within it. */
  readonly livenessMs?: number;
  readonly membership?: boolean;
  /** Mean time between crashes (default drawn per seed in [1, 5) s). */
  readonly crashMeanMs?: number;
  /** Longest time a crashed node stays down in the fault phase (default 3 s). */
  readonly downMaxMs?: number;
  readonly bug?: SimBug;
  /** Between events, give the event loop a whole turn (setImmediate) rather than only drain the
   * microtask queues: both must replay the same run (a test holds the loop to it). */
  readonly eventLoopTurns?: boolean;
}

export interface SimResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly violation?: string;
  readonly stats: SimStats;
}

const TICK_MS = 100;
const ELECTION_TIMEOUT_MS = 500;

const encoder = new TextEncoder();

export function runSimulation(opts: SimOptions): Promise<SimResult> {
  return new Simulation(opts).run();
}

class Simulation {
  private readonly rng: Prng;
  /** Draws the broker watch's reports (leaderGone), apart from `rng` so the seeds' other faults
   * stay as they were before the reports existed. */
  private readonly goneRng: Prng;
  private readonly cluster: SimCluster;
  private readonly stats: SimStats;

  // Fault and workload parameters, drawn per seed.
  private readonly partitionMeanMs: number;
  private readonly crashMeanMs: number;
  private readonly proposeMeanMs: number;
  /** In some seeds, the chance that a node crashes just after writing a vote or entries. */
  private readonly crashAfterWriteChance: number;
  private faults = true;

  private readonly safetyMs: number;
  private readonly livenessMs: number;
  private readonly joinerId: number;
  private victim = 0;
  private proposalSeq = 0;
  private liveness:
    { deadlineMs: number; probeIndex: number | undefined; probing: SimProcess | undefined } | undefined = undefined;
  private livenessDone = false;

  constructor(private readonly opts: SimOptions) {
    this.rng = createPrng(opts.seed);
    this.goneRng = createPrng(opts.seed * 7_919 + 104_729);
    const r = this.rng;
    const dropRate = r.next() * 0.1;
    const dupRate = r.next() * 0.05;
    const delayMinMs = 1 + r.nextInt(0, 5);
    const delayMeanMs = 2 + r.next() * 30;
    this.partitionMeanMs = 1000 + r.next() * 3000;
    this.crashMeanMs = opts.crashMeanMs ?? 1000 + r.next() * 4000;
    this.proposeMeanMs = 20 + r.next() * 130;
    const diskLatencyMaxMs = 1 + r.nextInt(0, 5);
    const snapshotEntries = 5 + r.nextInt(0, 60);
    const snapshotTrailingEntries = r.nextInt(0, 5);
    this.crashAfterWriteChance = r.next() < 0.3 ? 0.005 + r.next() * 0.03 : 0;
    this.cluster = new SimCluster({
      seed: opts.seed,
      rng: r,
      network: { dropRate, dupRate, delayMinMs, delayMeanMs },
      diskLatencyMaxMs,
      driver: {
        heartbeatMs: TICK_MS,
        electionTimeoutMs: ELECTION_TIMEOUT_MS,
        snapshotEntries,
        snapshotTrailingEntries,
        proposalTimeoutMs: 3_000,
        readIndexTimeoutMs: 2_000,
        raft: { maxSizePerMsgBytes: 512, maxInflightMsgs: 4, maxUncommittedBytes: 4096, maxProposalBytes: 64 },
      },
      forgetVote: opts.bug === SimBug.forgetVote,
      ackBeforePersist: opts.bug === SimBug.ackBeforePersist,
      onWritten: (n, w) => this.aimCrash(n, w),
      ...(opts.eventLoopTurns === true ? { eventLoopTurns: true } : {}),
    });
    this.stats = this.cluster.stats;
    this.safetyMs = opts.safetyMs ?? 10_000;
    this.livenessMs = opts.livenessMs ?? 15_000;
    this.joinerId = opts.nodes + 1;
    const peers = Array.from({ length: opts.nodes }, (_, i) => i + 1);
    for (const id of peers) this.cluster.addNode(id, peers);
    if (opts.membership ?? true) this.cluster.addNode(this.joinerId, []);
  }

  async run(): Promise<SimResult> {
    const cluster = this.cluster;
    try {
      // Processes start a little apart, so their ticks do not fall on the same instants.
      for (const n of cluster.nodes.values()) {
        if (n.peers.length > 0) cluster.at(this.rng.nextInt(0, TICK_MS), () => cluster.start(n));
      }
      this.scheduleFaults();
      cluster.at(this.safetyMs, () => this.heal());
      await cluster.run(this.safetyMs + this.livenessMs + 1, () => this.checkLiveness());
      if (!this.livenessDone) {
        throw new Violation(`liveness: no leader made progress within ${this.livenessMs}ms after the network healed`);
      }
      cluster.checkAtEnd();
      return { seed: this.opts.seed, ok: true, stats: this.stats };
    } catch (err) {
      const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      return { seed: this.opts.seed, ok: false, violation: what, stats: this.stats };
    } finally {
      cluster.stopAll();
    }
  }

  /**
   * Crashes aimed just after a node wrote a vote or entries, restarting it a few ms later: in some
   * seeds as a fault of their own (what a node promised must survive), and with a planted bug
   * where it bites: right after a vote was written (forgetVote), or within the window in which a
   * disk that acknowledged early still caches a vote or entries (ackBeforePersist).
   */
  private aimCrash(n: SimNode, w: RaftWrite): void {
    const voted = w.hardState !== undefined && w.hardState.vote !== 0;
    const promised = voted || w.entries.length > 0;
    const [chance, withinMs] =
      this.opts.bug === SimBug.forgetVote
        ? [voted ? 0.5 : 0, 0]
        : this.opts.bug === SimBug.ackBeforePersist
          ? [promised ? 0.1 : 0, 10]
          : [promised && this.faults ? this.crashAfterWriteChance : 0, 10];
    if (chance === 0 || this.rng.next() >= chance) return;
    const proc = n.process;
    this.cluster.at(this.cluster.nowMs + this.rng.nextInt(0, withinMs + 1), () => {
      if (n.process !== proc) return;
      this.cluster.crash(n);
      this.cluster.at(this.cluster.nowMs + 1 + this.rng.nextInt(0, 5), () => {
        if (n.process === undefined) this.cluster.start(n);
      });
    });
  }

  // ------------------------------------------------------------ faults and workload

  private exp(meanMs: number, rng: Prng = this.rng): number {
    return Math.max(1, Math.floor(-Math.log(1 - rng.next()) * meanMs));
  }

  /** Runs `action` at exponentially spaced moments while faults last, drawn from `rng`. */
  private every(meanMs: number, action: () => void, rng: Prng = this.rng): void {
    const loop = (): void => {
      if (!this.faults) return;
      action();
      this.cluster.at(this.cluster.nowMs + this.exp(meanMs, rng), loop);
    };
    this.cluster.at(this.cluster.nowMs + this.exp(meanMs, rng), loop);
  }

  private scheduleFaults(): void {
    this.every(this.partitionMeanMs, () => this.partition());
    this.every(this.crashMeanMs, () => this.crashSome());
    this.every(this.proposeMeanMs, () => this.propose());
    this.every(250, () => this.read());
    this.every(2500, () => this.transfer());
    this.every(1_500, () => this.reportLiveLeaderGone(), this.goneRng);
    if (this.opts.membership ?? true) {
      this.cluster.at(Math.floor(this.safetyMs * 0.2), () => this.every(300, () => this.changeMembership()));
    }
  }

  private partition(): void {
    const ids = [...this.cluster.nodes.values()].filter((n) => n.started).map((n) => n.id);
    const blocked = new Set<string>();
    const block = (a: number, b: number): void => void blocked.add(`${a}>${b}`);
    const mode = this.rng.nextInt(0, 4);
    if (mode === 0) {
      // isolate one node both ways
      const x = ids[this.rng.nextInt(0, ids.length)] as number;
      for (const y of ids) {
        if (y === x) continue;
        block(x, y);
        block(y, x);
      }
    } else if (mode === 1) {
      // split into two random sides
      const side = new Map(ids.map((id) => [id, this.rng.next() < 0.5]));
      for (const a of ids) for (const b of ids) if (side.get(a) !== side.get(b)) block(a, b);
    } else if (mode === 2) {
      // one-way: a node can send but not receive (or the reverse)
      const x = ids[this.rng.nextInt(0, ids.length)] as number;
      const inbound = this.rng.next() < 0.5;
      for (const y of ids) if (y !== x) block(inbound ? y : x, inbound ? x : y);
    }
    // mode 3: heal
    this.cluster.network.blocked = blocked;
    this.stats.partitions++;
    const duration = 200 + this.rng.nextInt(0, 3000);
    this.cluster.at(this.cluster.nowMs + duration, () => {
      if (this.cluster.network.blocked === blocked) this.cluster.network.blocked = new Set();
    });
  }

  /** Crashes a node, or now and then stops it cleanly; it restarts a little later. */
  private crashSome(): void {
    const up = [...this.cluster.nodes.values()].filter((n) => n.process !== undefined);
    const victim = up[this.rng.nextInt(0, up.length)];
    if (victim === undefined) return;
    const restartLater = (): void => {
      const downMaxMs = this.opts.downMaxMs ?? 3000;
      this.cluster.at(this.cluster.nowMs + 1 + this.rng.nextInt(0, downMaxMs), () => {
        if (victim.process === undefined) this.cluster.start(victim);
      });
    };
    if (victim.process?.driver === undefined || this.rng.next() < 0.75) {
      this.cluster.crash(victim);
      this.reportGone(victim.id);
      restartLater();
    } else {
      this.cluster.stop(victim, restartLater);
    }
  }

  /**
   * What the broker watch tells every node of a crashed one, each at its own moment within 30 ms,
   * and in some seeds to only some of them.
   */
  private reportGone(id: number): void {
    const some = this.goneRng.next() < 0.3;
    for (const { node, driver } of this.cluster.running()) {
      if (some && this.goneRng.next() < 0.5) continue;
      this.cluster.at(this.cluster.nowMs + this.goneRng.nextInt(0, 31), () => {
        if (node.process?.driver === driver) driver.leaderGone(id);
      });
    }
  }

  /** A wrong report: a live leader is said to be gone, to some or all of the others. */
  private reportLiveLeaderGone(): void {
    const leaders = this.cluster.running().filter((r) => r.driver.isLeader);
    const leader = leaders[this.goneRng.nextInt(0, leaders.length)];
    if (leader !== undefined) this.reportGone(leader.node.id);
  }

  private anyLeader(): RaftDriver | undefined {
    const leaders = this.cluster.running().filter((r) => r.driver.isLeader);
    return leaders[this.rng.nextInt(0, leaders.length)]?.driver;
  }

  private propose(): void {
    const leader = this.anyLeader();
    if (leader === undefined) return;
    const data = encoder.encode(`c${this.proposalSeq++}`);
    this.stats.proposals++;
    this.trackProposal(leader.propose(data), data);
  }

  /** What the driver says about a proposal is checked against what commits. */
  private trackProposal(outcome: Promise<{ index: number; term: number }>, data: Uint8Array): void {
    outcome.then(
      (at) => {
        this.stats.proposalsResolved++;
        this.cluster.guard(() => this.cluster.checker.observeAcked(at.index, at.term, data));
      },
      (err: unknown) => {
        if (!(err instanceof ProposalDroppedError)) return; // refused, or the outcome is unknown
        this.stats.proposalsLost++;
        this.cluster.guard(() => this.cluster.checker.observeLost(err.index, err.term));
      },
    );
  }

  private read(): void {
    const up = this.cluster.running();
    const pick = up[this.rng.nextInt(0, up.length)];
    if (pick === undefined) return;
    const { node, driver } = pick;
    // Everything committed anywhere before the read begins must be applied where it is served.
    const minIndex = this.cluster.checker.maxCommitIndex;
    this.stats.reads++;
    driver.readIndex().then(
      () => {
        this.stats.readsServed++;
        this.cluster.guard(() =>
          this.cluster.checker.observeReadServed(node.id, driver.basicStatus().applied, minIndex),
        );
      },
      () => undefined, // timed out or no leader: the caller retries
    );
  }

  private transfer(): void {
    const leader = this.anyLeader();
    if (leader === undefined) return;
    const voters = leader.status().confState.voters.filter((id) => id !== leader.nodeId);
    const to = voters[this.rng.nextInt(0, voters.length)];
    if (to === undefined) return;
    this.stats.transfers++;
    void leader.transferLeadership(to);
  }

  /** Joiner added as learner, then promoted; then one voter (maybe the leader) removed, or in half
   * the seeds demoted to a learner that goes on following the log (as RemoveRaftVoter does with a
   * live broker). Which one follows from the seed, so the seeds' random streams stay as they were. */
  private changeMembership(): void {
    const leader = this.anyLeader();
    if (leader === undefined) return;
    const conf = leader.status().confState;
    const joiner = this.cluster.nodes.get(this.joinerId) as SimNode;
    let change: Parameters<RaftDriver['proposeConfChange']>[0] | undefined;
    if (!conf.voters.includes(this.joinerId) && !conf.learners.includes(this.joinerId) && this.victim === 0) {
      if (!joiner.started) this.cluster.start(joiner);
      change = { type: ConfChangeType.addLearner, nodeId: this.joinerId };
    } else if (conf.learners.includes(this.joinerId)) {
      change = { type: ConfChangeType.addVoter, nodeId: this.joinerId };
    } else if (this.victim === 0 || conf.voters.includes(this.victim)) {
      if (this.victim === 0) {
        const candidates = conf.voters.filter((id) => id !== this.joinerId);
        this.victim = candidates[this.rng.nextInt(0, candidates.length)] ?? 0;
      }
      const demote = this.opts.seed % 4 >= 2;
      if (this.victim !== 0) {
        change = { type: demote ? ConfChangeType.addLearner : ConfChangeType.removeNode, nodeId: this.victim };
      }
    }
    if (change === undefined) return;
    const demotion = change.type === ConfChangeType.addLearner && change.nodeId === this.victim;
    leader.proposeConfChange(change).then(
      () => {
        this.stats.confChanges++;
        if (demotion) this.stats.demotions++;
      },
      () => undefined, // refused (one at a time, not yet committed in term) or lost: tried again
    );
  }

  // ------------------------------------------------------------ liveness

  private heal(): void {
    this.faults = false;
    this.cluster.network.faults = false;
    this.cluster.network.blocked = new Set();
    for (const n of this.cluster.nodes.values()) if (n.started && n.process === undefined) this.cluster.start(n);
    this.liveness = { deadlineMs: this.cluster.nowMs + this.livenessMs, probeIndex: undefined, probing: undefined };
    const probe = (): void => {
      if (this.livenessDone) return;
      this.probeProgress();
      this.cluster.at(this.cluster.nowMs + 200, probe);
    };
    this.cluster.at(this.cluster.nowMs + 1, probe);
  }

  private probeProgress(): void {
    const live = this.liveness;
    if (live === undefined || live.probeIndex !== undefined) return;
    if (live.probing !== undefined && [...this.cluster.nodes.values()].some((n) => n.process === live.probing)) return;
    const leader = this.currentLeader();
    if (leader === undefined) return;
    const proc = [...this.cluster.nodes.values()].find((n) => n.process?.driver === leader)?.process as SimProcess;
    live.probing = proc;
    const data = encoder.encode('probe');
    leader.propose(data).then(
      (at) => {
        if (live.probing !== proc) return;
        live.probing = undefined;
        live.probeIndex = at.index;
        this.cluster.guard(() => this.cluster.checker.observeAcked(at.index, at.term, data));
      },
      () => {
        if (live.probing === proc) live.probing = undefined;
      },
    );
  }

  /** The leader of the highest term among running drivers, if any. */
  private currentLeader(): RaftDriver | undefined {
    let best: RaftDriver | undefined;
    let bestTerm = -1;
    for (const { driver } of this.cluster.running()) {
      if (!driver.isLeader) continue;
      const term = driver.basicStatus().term;
      if (term > bestTerm) {
        best = driver;
        bestTerm = term;
      }
    }
    return best;
  }

  /** After every event: done once every member applied the probe; a violation past the bound. */
  private checkLiveness(): boolean {
    const live = this.liveness;
    if (live === undefined) return false;
    if (this.membersApplied(live.probeIndex)) {
      this.livenessDone = true;
      return true;
    }
    if (this.cluster.nowMs > live.deadlineMs) {
      throw new Violation(
        `liveness: no leader made progress within ${this.livenessMs}ms after the network healed\n` +
          `${this.cluster.describe()}\n  probe at ${live.probeIndex ?? 'none'}`,
      );
    }
    return false;
  }

  private membersApplied(probeIndex: number | undefined): boolean {
    if (probeIndex === undefined) return false;
    const leader = this.currentLeader();
    if (leader === undefined) return false;
    const conf = leader.status().confState;
    for (const id of [...conf.voters, ...conf.learners]) {
      const driver = this.cluster.driver(id);
      if (driver === undefined || driver.basicStatus().applied < probeIndex) return false;
    }
    return true;
  }
}
