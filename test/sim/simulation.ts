// A deterministic, seeded simulation of a Raft cluster of real RaftDrivers over virtual time
// (after Kafka's RaftEventSimulationTest and TigerBeetle's VOPR). Each node is the production
// driver (src/raft/driver.ts: its Ready loop, batching, proposals, reads, snapshots, transfers)
// given a virtual clock (raft-clock.ts), a disk that loses what was not yet durable
// (raft-store.ts) and a faulty network (raft-network.ts). One seed fixes every choice: fault
// rates, latencies, crashes, client operations. Async code stays deterministic because the loop
// runs one timed event at a time and lets every promise continuation it caused finish before the
// next (nothing real, no timer and no I/O, is used by the drivers). Two phases:
//   1. safety: the network drops, delays, duplicates, reorders and partitions messages; nodes
//      crash (the driver object and its memory are dropped, the disk keeps what was durable) or
//      stop cleanly (RaftDriver.close) and restart as a new RaftDriver on that disk; clients propose and read; drivers snapshot and
//      compact; leadership is transferred; a node joins as learner, is promoted, a voter is
//      removed. The invariants of checker.ts are checked after every event.
//   2. liveness: the network heals and every node restarts; a leader must emerge and a new
//      proposal must be applied by every member within a bound.
import { silentLogger } from '../../src/common/log.js';
import { ProposalDroppedError, RaftDriver } from '../../src/raft/driver.js';
import type { NodeId, Prng } from '../../src/raft/index.js';
import { ConfChangeType, createPrng } from '../../src/raft/index.js';
import { SafetyChecker, Violation } from './checker.js';
import { EventQueue } from './event-queue.js';
import type { VirtualTime } from './raft-clock.js';
import { NodeClock } from './raft-clock.js';
import { SimNetwork } from './raft-network.js';
import { SimRaftDisk } from './raft-store.js';
import { HashMachine } from './state-machine.js';

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

export interface SimStats {
  events: number;
  proposals: number;
  proposalsResolved: number;
  proposalsLost: number;
  applied: number;
  crashes: number;
  stops: number;
  partitions: number;
  snapshots: number;
  snapshotsInstalled: number;
  transfers: number;
  confChanges: number;
  reads: number;
  readsServed: number;
  maxTerm: number;
  commitIndex: number;
}

export interface SimResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly violation?: string;
  readonly stats: SimStats;
}

const TICK_MS = 100;
const ELECTION_TIMEOUT_MS = 500;

/** One running process of a node: dropped whole on a crash. */
interface Process {
  readonly clock: NodeClock;
  readonly machine: HashMachine;
  /** Set once RaftDriver.open resolved (it replays the log first). */
  driver: RaftDriver | undefined;
}

interface SimNode {
  readonly id: NodeId;
  /** Voters it was started with ([] for a node joining later). */
  readonly peers: NodeId[];
  readonly disk: SimRaftDisk;
  process: Process | undefined;
  incarnation: number;
  started: boolean;
}

/**
 * Lets every pending promise continuation run, and nothing else: Node runs the nextTick queue only
 * once V8's microtask queue is empty, so this resolves after every continuation (and theirs)
 * finished, without a turn of the event loop in which a real timer or I/O callback could run.
 * (That holds while the code under simulation does not call process.nextTick itself.)
 */
function drainContinuations(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
}

/** A whole turn of the event loop: setImmediate runs after the microtask queue. */
function eventLoopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

const encoder = new TextEncoder();

export function runSimulation(opts: SimOptions): Promise<SimResult> {
  return new Simulation(opts).run();
}

class Simulation implements VirtualTime {
  readonly queue = new EventQueue();
  nowMs = 0;
  /** The nodes the running event concerns. */
  private readonly touched = new Set<number>();
  /** The running event is one of the simulation's own: it may concern any node. */
  private touchedAll = false;
  private readonly rng: Prng;
  private readonly checker = new SafetyChecker();
  private readonly network: SimNetwork;
  private readonly nodes = new Map<NodeId, SimNode>();
  private readonly stats: SimStats = {
    events: 0,
    proposals: 0,
    proposalsResolved: 0,
    proposalsLost: 0,
    applied: 0,
    crashes: 0,
    stops: 0,
    partitions: 0,
    snapshots: 0,
    snapshotsInstalled: 0,
    transfers: 0,
    confChanges: 0,
    reads: 0,
    readsServed: 0,
    maxTerm: 0,
    commitIndex: 0,
  };
  /** A driver's fatal error or a broken check in a callback: ends the run. */
  private failure: Error | undefined = undefined;

  // Fault and workload parameters, drawn per seed.
  private readonly partitionMeanMs: number;
  private readonly crashMeanMs: number;
  private readonly proposeMeanMs: number;
  private readonly diskLatencyMaxMs: number;
  private readonly snapshotEntries: number;
  private readonly snapshotTrailingEntries: number;
  private faults = true;

  private readonly safetyMs: number;
  private readonly livenessMs: number;
  private readonly joinerId: number;
  private victim = 0;
  private proposalSeq = 0;
  private liveness: { deadlineMs: number; probeIndex: number | undefined; probing: Process | undefined } | undefined =
    undefined;
  private livenessDone = false;

  constructor(private readonly opts: SimOptions) {
    this.rng = createPrng(opts.seed);
    const r = this.rng;
    const dropRate = r.next() * 0.1;
    const dupRate = r.next() * 0.05;
    const delayMinMs = 1 + r.nextInt(0, 5);
    const delayMeanMs = 2 + r.next() * 30;
    this.network = new SimNetwork(this, r, { dropRate, dupRate, delayMinMs, delayMeanMs });
    this.partitionMeanMs = 1000 + r.next() * 3000;
    this.crashMeanMs = opts.crashMeanMs ?? 1000 + r.next() * 4000;
    this.proposeMeanMs = 20 + r.next() * 130;
    this.diskLatencyMaxMs = 1 + r.nextInt(0, 5);
    this.snapshotEntries = 5 + r.nextInt(0, 60);
    this.snapshotTrailingEntries = r.nextInt(0, 5);
    this.safetyMs = opts.safetyMs ?? 10_000;
    this.livenessMs = opts.livenessMs ?? 15_000;
    this.joinerId = opts.nodes + 1;
    const peers = Array.from({ length: opts.nodes }, (_, i) => i + 1);
    for (const id of peers) this.addNode(id, peers);
    if (opts.membership ?? true) this.addNode(this.joinerId, []);
  }

  async run(): Promise<SimResult> {
    try {
      // Processes start a little apart, so their ticks do not fall on the same instants.
      for (const n of this.nodes.values()) {
        if (n.peers.length > 0) this.at(this.rng.nextInt(0, TICK_MS), () => this.start(n));
      }
      this.scheduleFaults();
      this.at(this.safetyMs, () => this.heal());
      const end = this.safetyMs + this.livenessMs + 1;
      for (let guard = 0; guard < 5_000_000; guard++) {
        const ev = this.queue.pop();
        if (ev === undefined || ev.at > end || this.livenessDone) break;
        this.nowMs = ev.at;
        this.checker.now = ev.at;
        this.touched.clear();
        this.touchedAll = false;
        ev.run();
        await (this.opts.eventLoopTurns === true ? eventLoopTurn() : drainContinuations());
        if (this.failure !== undefined) throw this.failure;
        this.stats.events++;
        this.checkAfterEvent();
      }
      if (!this.livenessDone) {
        throw new Violation(`liveness: no leader made progress within ${this.livenessMs}ms after the network healed`);
      }
      this.checker.checkLogMatching(this.storedLogs());
      this.checker.checkLeaderReports();
      return { seed: this.opts.seed, ok: true, stats: this.stats };
    } catch (err) {
      const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      return { seed: this.opts.seed, ok: false, violation: what, stats: this.stats };
    } finally {
      // Nothing of the run may fire later: stop every process's timers.
      for (const n of this.nodes.values()) n.process?.clock.stop();
    }
  }

  touch(id: number): void {
    this.touched.add(id);
  }

  /** Schedules one of the simulation's own events (faults, clients): they may touch any node. */
  private at(atMs: number, run: () => void): void {
    this.queue.push(atMs, () => {
      this.touchedAll = true;
      run();
    });
  }

  // ------------------------------------------------------------ nodes

  private addNode(id: NodeId, peers: NodeId[]): void {
    const bug = this.opts.bug;
    const disk: SimRaftDisk = new SimRaftDisk({
      nodeId: id,
      time: this,
      rng: this.rng,
      latencyMaxMs: this.diskLatencyMaxMs,
      forgetVote: bug === SimBug.forgetVote,
      ackBeforePersist: bug === SimBug.ackBeforePersist,
      onIssued: (w) => this.checker.observeAppend(id, w.entries),
      onWritten: (w) => {
        // Aim the fault where forgetting the vote bites: restart right after voting.
        if (bug !== SimBug.forgetVote || w.hardState === undefined || w.hardState.vote === 0) return;
        if (this.rng.next() >= 0.5) return;
        const n = this.nodes.get(id) as SimNode;
        const proc = n.process;
        this.at(this.nowMs, () => {
          if (n.process !== proc) return;
          this.crash(n);
          this.at(this.nowMs + 1 + this.rng.nextInt(0, 5), () => {
            if (n.process === undefined) this.start(n);
          });
        });
      },
    });
    this.nodes.set(id, { id, peers, disk, process: undefined, incarnation: 0, started: false });
  }

  private running(): Array<{ node: SimNode; driver: RaftDriver }> {
    const out: Array<{ node: SimNode; driver: RaftDriver }> = [];
    for (const node of this.nodes.values()) {
      const driver = node.process?.driver;
      if (driver !== undefined) out.push({ node, driver });
    }
    return out;
  }

  private storedLogs(): Array<{ id: number; log: SimRaftDisk['stored'] }> {
    return [...this.nodes.values()].filter((n) => n.started).map((n) => ({ id: n.id, log: n.disk.stored }));
  }

  /** Starts a new process of `n` on its disk: a real RaftDriver, opened as a node opens it. */
  private start(n: SimNode): void {
    n.started = true;
    n.incarnation++;
    const clock = new NodeClock(this, n.id);
    let opened = false;
    const machine = new HashMachine({
      applied: (entry, previousIndex, hash) => {
        if (entry.index <= previousIndex)
          this.checker.fail(`node ${n.id} applied ${entry.index} after ${previousIndex}`);
        this.checker.observeApply(n.id, entry.index, hash);
        this.stats.applied++;
      },
      restored: (index, hash) => {
        this.checker.observeSnapshotRestore(n.id, index, hash);
        if (opened) this.stats.snapshotsInstalled++;
      },
      snapshotTaken: () => this.stats.snapshots++,
    });
    const proc: Process = { clock, machine, driver: undefined };
    n.process = proc;
    this.checker.resetNode(n.id, n.disk.stored);
    RaftDriver.open({
      nodeId: n.id,
      peers: n.peers,
      stateMachine: machine,
      logger: silentLogger,
      clock,
      store: n.disk.open(),
      transport: (handler) => this.network.attach(n.id, handler),
      seed: (this.opts.seed * 7919 + n.id * 104_729 + n.incarnation * 15_485_863) >>> 0,
      heartbeatMs: TICK_MS,
      electionTimeoutMs: ELECTION_TIMEOUT_MS,
      snapshotEntries: this.snapshotEntries,
      snapshotTrailingEntries: this.snapshotTrailingEntries,
      proposalTimeoutMs: 3_000,
      readIndexTimeoutMs: 2_000,
      raft: { maxSizePerMsgBytes: 512, maxInflightMsgs: 4, maxUncommittedBytes: 4096, maxProposalBytes: 64 },
    }).then(
      (driver) => {
        if (n.process !== proc) return; // crashed while opening
        opened = true;
        proc.driver = driver;
        driver.onFatal((err) => this.fail(n, err));
        driver.onLeaderChange((leader, term) => this.guard(() => this.checker.observeLeaderReport(n.id, leader, term)));
      },
      (err: unknown) => {
        if (n.process === proc) this.fail(n, err);
      },
    );
  }

  private fail(n: SimNode, err: unknown): void {
    if (this.failure !== undefined) return;
    this.failure =
      err instanceof Violation
        ? err
        : new Error(
            `node ${n.id} driver stopped: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`,
          );
  }

  /** The process dies: its driver, timers and memory are gone; the disk keeps what it keeps. */
  private crash(n: SimNode): void {
    const proc = n.process;
    if (proc === undefined) return;
    n.process = undefined;
    proc.clock.stop();
    this.network.detach(n.id);
    n.disk.crash();
    this.stats.crashes++;
  }

  // ------------------------------------------------------------ faults and workload

  private exp(meanMs: number): number {
    return Math.max(1, Math.floor(-Math.log(1 - this.rng.next()) * meanMs));
  }

  private every(meanMs: number, action: () => void): void {
    const loop = (): void => {
      if (!this.faults) return;
      action();
      this.at(this.nowMs + this.exp(meanMs), loop);
    };
    this.at(this.nowMs + this.exp(meanMs), loop);
  }

  private scheduleFaults(): void {
    this.every(this.partitionMeanMs, () => this.partition());
    this.every(this.crashMeanMs, () => this.crashSome());
    this.every(this.proposeMeanMs, () => this.propose());
    this.every(250, () => this.read());
    this.every(2500, () => this.transfer());
    if (this.opts.membership ?? true) {
      this.at(Math.floor(this.safetyMs * 0.2), () => this.every(300, () => this.changeMembership()));
    }
  }

  private partition(): void {
    const ids = [...this.nodes.values()].filter((n) => n.started).map((n) => n.id);
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
    this.network.blocked = blocked;
    this.stats.partitions++;
    const duration = 200 + this.rng.nextInt(0, 3000);
    this.at(this.nowMs + duration, () => {
      if (this.network.blocked === blocked) this.network.blocked = new Set();
    });
  }

  /** Crashes a node, or now and then stops it cleanly; it restarts a little later. */
  private crashSome(): void {
    const up = [...this.nodes.values()].filter((n) => n.process !== undefined);
    const victim = up[this.rng.nextInt(0, up.length)];
    if (victim === undefined) return;
    const restartLater = (): void => {
      const downMaxMs = this.opts.downMaxMs ?? 3000;
      this.at(this.nowMs + 1 + this.rng.nextInt(0, downMaxMs), () => {
        if (victim.process === undefined) this.start(victim);
      });
    };
    const driver = victim.process?.driver;
    if (driver === undefined || this.rng.next() < 0.75) {
      this.crash(victim);
      restartLater();
      return;
    }
    const proc = victim.process;
    driver.close().then(
      () => {
        if (victim.process !== proc || proc === undefined) return; // crashed while closing
        victim.process = undefined;
        proc.clock.stop();
        this.network.detach(victim.id);
        victim.disk.shutdown();
        this.stats.stops++;
        restartLater();
      },
      (err: unknown) => this.fail(victim, err),
    );
  }

  private anyLeader(): RaftDriver | undefined {
    const leaders = this.running().filter((r) => r.driver.isLeader);
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
        this.guard(() => this.checker.observeAcked(at.index, at.term, data));
      },
      (err: unknown) => {
        if (!(err instanceof ProposalDroppedError)) return; // refused, or the outcome is unknown
        this.stats.proposalsLost++;
        this.guard(() => this.checker.observeLost(err.index, err.term));
      },
    );
  }

  /** Runs a check inside a promise callback, where a throw would be lost. */
  private guard(check: () => void): void {
    try {
      check();
    } catch (err) {
      this.failure ??= err instanceof Error ? err : new Error(String(err));
    }
  }

  private read(): void {
    const up = this.running();
    const pick = up[this.rng.nextInt(0, up.length)];
    if (pick === undefined) return;
    const { node, driver } = pick;
    // Everything committed anywhere before the read begins must be applied where it is served.
    const minIndex = this.checker.maxCommitIndex;
    this.stats.reads++;
    driver.readIndex().then(
      () => {
        this.stats.readsServed++;
        this.guard(() => this.checker.observeReadServed(node.id, driver.basicStatus().applied, minIndex));
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

  /** Joiner added as learner, then promoted; then one voter (maybe the leader) removed. */
  private changeMembership(): void {
    const leader = this.anyLeader();
    if (leader === undefined) return;
    const conf = leader.status().confState;
    const joiner = this.nodes.get(this.joinerId) as SimNode;
    let change: Parameters<RaftDriver['proposeConfChange']>[0] | undefined;
    if (!conf.voters.includes(this.joinerId) && !conf.learners.includes(this.joinerId) && this.victim === 0) {
      if (!joiner.started) this.start(joiner);
      change = { type: ConfChangeType.addLearner, nodeId: this.joinerId };
    } else if (conf.learners.includes(this.joinerId)) {
      change = { type: ConfChangeType.addVoter, nodeId: this.joinerId };
    } else if (this.victim === 0 || conf.voters.includes(this.victim)) {
      if (this.victim === 0) {
        const candidates = conf.voters.filter((id) => id !== this.joinerId);
        this.victim = candidates[this.rng.nextInt(0, candidates.length)] ?? 0;
      }
      if (this.victim !== 0) change = { type: ConfChangeType.removeNode, nodeId: this.victim };
    }
    if (change === undefined) return;
    leader.proposeConfChange(change).then(
      () => this.stats.confChanges++,
      () => undefined, // refused (one at a time, not yet committed in term) or lost: tried again
    );
  }

  // ------------------------------------------------------------ liveness

  private heal(): void {
    this.faults = false;
    this.network.faults = false;
    this.network.blocked = new Set();
    for (const n of this.nodes.values()) if (n.started && n.process === undefined) this.start(n);
    this.liveness = { deadlineMs: this.nowMs + this.livenessMs, probeIndex: undefined, probing: undefined };
    const probe = (): void => {
      if (this.livenessDone) return;
      this.probeProgress();
      this.at(this.nowMs + 200, probe);
    };
    this.at(this.nowMs + 1, probe);
  }

  private probeProgress(): void {
    const live = this.liveness;
    if (live === undefined || live.probeIndex !== undefined) return;
    if (live.probing !== undefined && [...this.nodes.values()].some((n) => n.process === live.probing)) return;
    const leader = this.currentLeader();
    if (leader === undefined) return;
    const proc = [...this.nodes.values()].find((n) => n.process?.driver === leader)?.process as Process;
    live.probing = proc;
    const data = encoder.encode('probe');
    leader.propose(data).then(
      (at) => {
        if (live.probing !== proc) return;
        live.probing = undefined;
        live.probeIndex = at.index;
        this.guard(() => this.checker.observeAcked(at.index, at.term, data));
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
    for (const { driver } of this.running()) {
      if (!driver.isLeader) continue;
      const term = driver.basicStatus().term;
      if (term > bestTerm) {
        best = driver;
        bestTerm = term;
      }
    }
    return best;
  }

  private checkLiveness(): void {
    const probeIndex = this.liveness?.probeIndex;
    if (probeIndex === undefined) return;
    const leader = this.currentLeader();
    if (leader === undefined) return;
    const conf = leader.status().confState;
    for (const id of [...conf.voters, ...conf.learners]) {
      const driver = this.nodes.get(id)?.process?.driver;
      if (driver === undefined || driver.basicStatus().applied < probeIndex) return;
    }
    this.livenessDone = true;
  }

  // ------------------------------------------------------------ checks

  private checkAfterEvent(): void {
    for (const node of this.nodes.values()) {
      // A node's state changes only in events (and their continuations) that concern it.
      if (!this.touchedAll && !this.touched.has(node.id)) continue;
      const driver = node.process?.driver;
      if (driver === undefined) continue;
      const s = driver.basicStatus();
      this.checker.observeNode(node.id, s, node.disk.stored);
      if (s.term > this.stats.maxTerm) this.stats.maxTerm = s.term;
    }
    this.stats.commitIndex = this.checker.maxCommitIndex;
    if (this.stats.events % 128 === 0) this.checker.checkLogMatching(this.storedLogs());
    if (this.liveness !== undefined) {
      this.checkLiveness();
      if (!this.livenessDone && this.nowMs > this.liveness.deadlineMs) {
        throw new Violation(
          `liveness: no leader made progress within ${this.livenessMs}ms after the network healed\n${this.describe()}`,
        );
      }
    }
  }

  /** One line per node, for a failure report. */
  describe(): string {
    const lines: string[] = [];
    for (const n of this.nodes.values()) {
      const driver = n.process?.driver;
      const log = n.disk.stored;
      const stored = `stored [${log.firstIndex}, ${log.lastIndex()}] commit ${log.hardState.commit}`;
      if (driver === undefined) {
        lines.push(
          `  node ${n.id}: ${n.started ? (n.process === undefined ? 'down' : 'opening') : 'not started'} ${stored}`,
        );
        continue;
      }
      const s = driver.status();
      const peers = s.peers.map((p) => `${p.nodeId}:${p.state}/m${p.match}/n${p.next}/f${p.inflight}`).join(' ');
      lines.push(
        `  node ${n.id}: ${s.role} term ${s.term} lead ${s.leaderId} commit ${s.commit} applied ${s.applied} ` +
          `log [${s.firstIndex}, ${s.lastIndex}] ${stored} conf ${JSON.stringify(s.confState)} ${peers}`,
      );
    }
    const probe = this.liveness?.probeIndex;
    if (probe !== undefined) lines.push(`  probe at ${probe}`);
    return lines.join('\n');
  }
}
