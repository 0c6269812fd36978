// A cluster of real RaftDrivers on simulated I/O, over virtual time: each node is a disk
// (raft-store.ts) that outlives its processes, and each process a RaftDriver opened as a node
// opens it, on a virtual clock (raft-clock.ts) and the simulated network (raft-network.ts). A
// crash drops the process (driver, timers, memory); a clean stop closes the driver first. The
// loop runs one timed event at a time and lets every promise continuation it caused finish
// before the next, so async code replays exactly; after each event the checker (checker.ts)
// looks at the nodes the event touched. The seeded simulation (simulation.ts) and scripted
// scenarios drive it.
import { silentLogger } from '../../src/common/index.js';
import type { RaftDriverOptions, RaftWrite } from '../../src/raft/index.js';
import type { NodeId, Prng } from '../../src/raft/index.js';
import { RaftDriver } from '../../src/raft/index.js';
import { SafetyChecker, Violation } from './checker.js';
import { EventQueue } from './event-queue.js';
import type { VirtualTime } from './raft-clock.js';
import { NodeClock } from './raft-clock.js';
import type { NetworkParams } from './raft-network.js';
import { SimNetwork } from './raft-network.js';
import type { StoredLog } from './raft-store.js';
import { SimRaftDisk } from './raft-store.js';
import { HashMachine } from './state-machine.js';

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
  /** Voters demoted to learners (they keep following the log). */
  demotions: number;
  reads: number;
  readsServed: number;
  maxTerm: number;
  commitIndex: number;
}

/** The driver settings every process of the cluster gets. */
export type SimDriverSettings = Pick<
  RaftDriverOptions,
  'heartbeatMs' | 'electionTimeoutMs' | 'snapshotEntries' | 'snapshotTrailingEntries' | 'proposalTimeoutMs' | 'raft'
> &
  Pick<RaftDriverOptions, 'readIndexTimeoutMs'>;

export interface SimClusterOptions {
  /** Seeds every process's driver (with the node id and incarnation). */
  readonly seed: number;
  /** The one source of the cluster's choices: latencies, losses, what survives a crash. */
  readonly rng: Prng;
  readonly network: NetworkParams;
  readonly diskLatencyMaxMs: number;
  readonly driver: SimDriverSettings;
  /** Planted bugs in the disks (raft-store.ts). */
  readonly forgetVote?: boolean;
  readonly ackBeforePersist?: boolean;
  /** Told of every write a node's disk completes. */
  readonly onWritten?: (node: SimNode, w: RaftWrite) => void;
  /** Give the event loop a whole turn between events instead of draining continuations only. */
  readonly eventLoopTurns?: boolean;
}

/** One running process of a node: dropped whole on a crash. */
export interface SimProcess {
  readonly clock: NodeClock;
  readonly machine: HashMachine;
  /** Set once RaftDriver.open resolved (it replays the log first). */
  driver: RaftDriver | undefined;
}

export interface SimNode {
  readonly id: NodeId;
  /** Voters it was started with ([] for a node joining later). */
  readonly peers: readonly NodeId[];
  readonly disk: SimRaftDisk;
  process: SimProcess | undefined;
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

export class SimCluster implements VirtualTime {
  readonly queue = new EventQueue();
  nowMs = 0;
  readonly checker = new SafetyChecker();
  readonly network: SimNetwork;
  readonly nodes = new Map<NodeId, SimNode>();
  readonly stats: SimStats = {
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
    demotions: 0,
    reads: 0,
    readsServed: 0,
    maxTerm: 0,
    commitIndex: 0,
  };
  /** The nodes the running event concerns. */
  private readonly touched = new Set<number>();
  /** The running event is one of the test's own: it may concern any node. */
  private touchedAll = false;
  /** The running event said it leaves no promise continuation (and settled none after all). */
  private synchronous = false;
  private settled = false;
  /** A driver's fatal error or a broken check in a callback: ends the run. */
  private failure: Error | undefined = undefined;

  constructor(private readonly opts: SimClusterOptions) {
    this.network = new SimNetwork(this, opts.rng, opts.network);
  }

  touch(id: number): void {
    this.touched.add(id);
  }

  synchronousEvent(): void {
    this.synchronous = true;
  }

  promiseSettled(): void {
    this.settled = true;
  }

  /** Schedules an event of the test's own (faults, clients): it may touch any node. */
  at(atMs: number, run: () => void): void {
    this.queue.push(atMs, () => {
      this.touchedAll = true;
      run();
    });
  }

  /** A node with its disk; `diskLatencyMaxMs` overrides the cluster's for this one. */
  addNode(id: NodeId, peers: readonly NodeId[], diskLatencyMaxMs = this.opts.diskLatencyMaxMs): SimNode {
    const disk: SimRaftDisk = new SimRaftDisk({
      nodeId: id,
      time: this,
      rng: this.opts.rng,
      latencyMaxMs: diskLatencyMaxMs,
      forgetVote: this.opts.forgetVote === true,
      ackBeforePersist: this.opts.ackBeforePersist === true,
      onIssued: (w) => this.checker.observeAppend(id, w.entries),
      onWritten: (w) => this.opts.onWritten?.(node, w),
    });
    const node: SimNode = { id, peers, disk, process: undefined, incarnation: 0, started: false };
    this.nodes.set(id, node);
    return node;
  }

  node(id: NodeId): SimNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  /** The driver of `id`'s running process, if it has opened. */
  driver(id: NodeId): RaftDriver | undefined {
    return this.nodes.get(id)?.process?.driver;
  }

  running(): Array<{ node: SimNode; driver: RaftDriver }> {
    const out: Array<{ node: SimNode; driver: RaftDriver }> = [];
    for (const node of this.nodes.values()) {
      const driver = node.process?.driver;
      if (driver !== undefined) out.push({ node, driver });
    }
    return out;
  }

  storedLogs(): Array<{ id: number; log: StoredLog }> {
    return [...this.nodes.values()].filter((n) => n.started).map((n) => ({ id: n.id, log: n.disk.stored }));
  }

  /** Starts a new process of `n` on its disk: a real RaftDriver, opened as a node opens it. */
  start(n: SimNode): void {
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
    const proc: SimProcess = { clock, machine, driver: undefined };
    n.process = proc;
    this.checker.resetNode(n.id, n.disk.stored);
    RaftDriver.open({
      ...this.opts.driver,
      nodeId: n.id,
      peers: n.peers,
      stateMachine: machine,
      logger: silentLogger,
      clock,
      store: n.disk.open(),
      transport: (handler) => this.network.attach(n.id, handler),
      seed: (this.opts.seed * 7919 + n.id * 104_729 + n.incarnation * 15_485_863) >>> 0,
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

  /** The process dies: its driver, timers and memory are gone; the disk keeps what it keeps. */
  crash(n: SimNode): void {
    const proc = n.process;
    if (proc === undefined) return;
    n.process = undefined;
    proc.clock.stop();
    this.network.detach(n.id);
    n.disk.crash();
    this.stats.crashes++;
  }

  /** Closes the driver, then the process exits cleanly; `stopped` runs once it has. */
  stop(n: SimNode, stopped: () => void): void {
    const proc = n.process;
    const driver = proc?.driver;
    if (proc === undefined || driver === undefined) return;
    driver.close().then(
      () => {
        if (n.process !== proc) return; // crashed while closing
        n.process = undefined;
        proc.clock.stop();
        this.network.detach(n.id);
        n.disk.shutdown();
        this.stats.stops++;
        stopped();
      },
      (err: unknown) => this.fail(n, err),
    );
  }

  /**
   * Runs events until virtual time would pass `endMs` or `done()` holds after an event. Throws the
   * first violation (or driver failure).
   */
  async run(endMs: number, done: () => boolean = () => false): Promise<void> {
    for (let guard = 0; guard < 5_000_000; guard++) {
      const at = this.queue.peekTime();
      if (at === undefined || at > endMs) break;
      const ev = this.queue.pop();
      if (ev === undefined) break;
      this.nowMs = ev.at;
      this.checker.now = ev.at;
      this.touched.clear();
      this.touchedAll = false;
      this.synchronous = false;
      this.settled = false;
      ev.run();
      if (this.opts.eventLoopTurns === true) await eventLoopTurn();
      else if (!this.synchronous || this.settled) await drainContinuations();
      if (this.failure !== undefined) throw this.failure;
      this.stats.events++;
      this.checkAfterEvent();
      if (done()) return;
    }
    this.nowMs = Math.max(this.nowMs, endMs);
  }

  /** Nothing of the run may fire later: stops every process's timers. */
  stopAll(): void {
    for (const n of this.nodes.values()) n.process?.clock.stop();
  }

  /** Runs a check inside a promise callback, where a throw would be lost. */
  guard(check: () => void): void {
    try {
      check();
    } catch (err) {
      this.failure ??= err instanceof Error ? err : new Error(String(err));
    }
  }

  private fail(n: SimNode, err: unknown): void {
    if (this.failure !== undefined) return;
    const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    this.failure = err instanceof Violation ? err : new Error(`node ${n.id} driver stopped: ${what}`);
  }

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
  }

  /** The final checks of a run. */
  checkAtEnd(): void {
    this.checker.checkLogMatching(this.storedLogs());
    this.checker.checkLeaderReports();
  }

  /** One line per node, for a failure report. */
  describe(): string {
    const lines: string[] = [];
    for (const n of this.nodes.values()) {
      const driver = n.process?.driver;
      const log = n.disk.stored;
      const stored = `stored [${log.firstIndex}, ${log.lastIndex()}] commit ${log.hardState.commit}`;
      if (driver === undefined) {
        const state = n.started ? (n.process === undefined ? 'down' : 'opening') : 'not started';
        lines.push(`  node ${n.id}: ${state} ${stored}`);
        continue;
      }
      const s = driver.status();
      const peers = s.peers.map((p) => `${p.nodeId}:${p.state}/m${p.match}/n${p.next}/f${p.inflight}`).join(' ');
      lines.push(
        `  node ${n.id}: ${s.role} term ${s.term} lead ${s.leaderId} commit ${s.commit} applied ${s.applied} ` +
          `log [${s.firstIndex}, ${s.lastIndex}] ${stored} conf ${JSON.stringify(s.confState)} ${peers}`,
      );
    }
    return lines.join('\n');
  }
}
