// A deterministic, seeded, single-threaded simulation of a Raft cluster over virtual time
// (after Kafka's RaftEventSimulationTest and TigerBeetle's VOPR). One seed fixes every choice:
// fault rates, message delays, crashes, client operations. Two phases:
//   1. safety: the network drops, delays, duplicates, reorders and partitions messages; nodes
//      crash (losing all but what the harness persisted from a Ready before sending its
//      messages) and restart from that "disk"; clients propose and read; logs are compacted;
//      leadership is transferred; a node joins as learner, is promoted, a voter is removed.
//      The invariants of checker.ts are checked after every event.
//   2. liveness: the network heals and every node restarts; a leader must emerge and a new
//      proposal must be applied by every member within a bound.
import type { Entry, RaftMessage, Ready } from '../../src/raft/index.js';
import { ConfChangeType, createPrng, MemoryStorage, RaftNode } from '../../src/raft/index.js';
import type { Prng } from '../../src/raft/index.js';
import { SafetyChecker, Violation } from './checker.js';
import { EventQueue } from './event-queue.js';
import type { MachineState } from './state-machine.js';
import { decodeMachine, encodeMachine, foldEntry, INITIAL_HASH } from './state-machine.js';

/** Deliberate protocol breaks, to prove the checker catches them. */
export const SimBug = {
  /** A node forgets its vote when it restarts (votedFor not persisted). */
  forgetVote: 'forgetVote',
  /** A node sends its messages (acks, votes) before its disk write completes. */
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
}

export interface SimStats {
  events: number;
  proposals: number;
  applied: number;
  crashes: number;
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
const ELECTION_TICKS = 5;

interface SimNode {
  readonly id: number;
  /** Voters it was started with ([] for a node joining later). */
  readonly peers: number[];
  raft: RaftNode | undefined;
  /** What the RaftNode reads; the same object as `durable` unless writes are deliberately late. */
  view: MemoryStorage;
  /** What survives a crash. */
  durable: MemoryStorage;
  machine: MachineState;
  incarnation: number;
  readyScheduled: boolean;
  started: boolean;
  /** With the ackBeforePersist bug: Readies sent but not yet on disk. */
  lateWrites: Ready[];
}

interface PendingRead {
  readonly node: number;
  readonly minIndex: number;
}

export function runSimulation(opts: SimOptions): SimResult {
  const sim = new Simulation(opts);
  return sim.run();
}

class Simulation {
  private readonly rng: Prng;
  private readonly queue = new EventQueue();
  private readonly checker = new SafetyChecker();
  private readonly nodes = new Map<number, SimNode>();
  private now = 0;
  private readonly stats: SimStats = {
    events: 0,
    proposals: 0,
    applied: 0,
    crashes: 0,
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

  // Fault parameters, drawn per seed.
  private dropRate: number;
  private dupRate: number;
  private readonly delayMinMs: number;
  private readonly delayMeanMs: number;
  private readonly partitionMeanMs: number;
  private readonly crashMeanMs: number;
  private readonly proposeMeanMs: number;
  private faults = true;
  /** Directed links that drop everything ("a>b"). */
  private blocked = new Set<string>();

  private readonly safetyMs: number;
  private readonly livenessMs: number;
  private readonly joinerId: number;
  private victim = 0;
  private proposalSeq = 0;
  private readSeq = 0;
  private readonly pendingReads = new Map<string, PendingRead>();
  private liveness: { deadline: number; probe?: { index: number; term: number } } | undefined = undefined;
  private livenessDone = false;

  constructor(private readonly opts: SimOptions) {
    this.rng = createPrng(opts.seed);
    const r = this.rng;
    this.dropRate = r.next() * 0.1;
    this.dupRate = r.next() * 0.05;
    this.delayMinMs = 1 + r.nextInt(0, 5);
    this.delayMeanMs = 2 + r.next() * 30;
    this.partitionMeanMs = 1000 + r.next() * 3000;
    this.crashMeanMs = opts.crashMeanMs ?? 1000 + r.next() * 4000;
    this.proposeMeanMs = 20 + r.next() * 130;
    this.safetyMs = opts.safetyMs ?? 10_000;
    this.livenessMs = opts.livenessMs ?? 15_000;
    this.joinerId = opts.nodes + 1;
    const peers = Array.from({ length: opts.nodes }, (_, i) => i + 1);
    for (const id of peers) this.addNode(id, peers);
    if (opts.membership ?? true) this.addNode(this.joinerId, []);
  }

  run(): SimResult {
    try {
      for (const n of this.nodes.values()) if (n.peers.length > 0) this.start(n);
      this.scheduleFaults();
      this.queue.push(this.safetyMs, () => this.heal());
      const end = this.safetyMs + this.livenessMs + 1;
      for (let guard = 0; guard < 5_000_000; guard++) {
        const ev = this.queue.pop();
        if (ev === undefined || ev.at > end || this.livenessDone) break;
        this.now = ev.at;
        this.checker.now = ev.at;
        ev.run();
        this.stats.events++;
        this.checkAfterEvent();
      }
      if (!this.livenessDone) {
        throw new Violation(`liveness: no leader made progress within ${this.livenessMs}ms after the network healed`);
      }
      this.checker.checkLogMatching(this.running());
      return { seed: this.opts.seed, ok: true, stats: this.stats };
    } catch (err) {
      const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      return { seed: this.opts.seed, ok: false, violation: what, stats: this.stats };
    }
  }

  // ------------------------------------------------------------ nodes

  private addNode(id: number, peers: number[]): void {
    const disk = new MemoryStorage();
    this.nodes.set(id, {
      id,
      peers,
      raft: undefined,
      view: disk,
      durable: disk,
      machine: { index: 0, hash: INITIAL_HASH },
      incarnation: 0,
      readyScheduled: false,
      started: false,
      lateWrites: [],
    });
  }

  private running(): Array<{ id: number; node: RaftNode }> {
    const out: Array<{ id: number; node: RaftNode }> = [];
    for (const n of this.nodes.values()) if (n.raft !== undefined) out.push({ id: n.id, node: n.raft });
    return out;
  }

  private start(n: SimNode): void {
    n.started = true;
    n.incarnation++;
    if (this.opts.bug === SimBug.forgetVote) {
      const hs = n.durable.hardStateNow();
      n.durable.setHardState({ ...hs, vote: 0 });
    }
    n.view = this.opts.bug === SimBug.ackBeforePersist ? cloneStorage(n.durable) : n.durable;
    const snap = n.view.snapshot();
    n.machine = snap.metadata.index > 0 ? decodeMachine(snap.data) : { index: 0, hash: INITIAL_HASH };
    n.raft = new RaftNode(
      {
        id: n.id,
        peers: n.peers,
        electionTicks: ELECTION_TICKS,
        heartbeatTicks: 1,
        maxSizePerMsgBytes: 512,
        maxInflightMsgs: 4,
        maxUncommittedBytes: 4096,
        maxProposalBytes: 64,
        prng: createPrng((this.opts.seed * 7919 + n.id * 104_729 + n.incarnation * 15_485_863) >>> 0),
      },
      n.view,
    );
    this.checker.resetNode(n.id, n.raft);
    const inc = n.incarnation;
    this.queue.push(this.now + 1 + this.rng.nextInt(0, TICK_MS), () => this.tickNode(n, inc));
  }

  private crash(n: SimNode): void {
    if (n.raft === undefined) return;
    n.raft = undefined;
    n.incarnation++; // in-flight timers and late disk writes of the old process die with it
    n.lateWrites = [];
    this.stats.crashes++;
  }

  private tickNode(n: SimNode, inc: number): void {
    if (n.incarnation !== inc || n.raft === undefined) return;
    n.raft.tick();
    this.scheduleReady(n);
    this.queue.push(this.now + TICK_MS, () => this.tickNode(n, inc));
  }

  private scheduleReady(n: SimNode): void {
    if (n.readyScheduled) return;
    n.readyScheduled = true;
    const inc = n.incarnation;
    // A small disk latency: a crash in this window loses the unpersisted state.
    this.queue.push(this.now + this.rng.nextInt(0, 3), () => {
      n.readyScheduled = false;
      if (n.incarnation === inc) this.processReady(n);
    });
  }

  private processReady(n: SimNode): void {
    const raft = n.raft;
    if (raft === undefined) return;
    for (let i = 0; i < 16 && raft.hasReady(); i++) {
      const rd = raft.ready();
      this.checker.observeAppend(n.id, rd.entries);
      if (this.opts.bug === SimBug.ackBeforePersist) {
        write(n.view, rd);
        n.lateWrites.push(rd);
        const inc = n.incarnation;
        // Late writes land in order (one per event, oldest first), unless the process dies.
        this.queue.push(this.now + 1 + this.rng.nextInt(0, 40), () => {
          const oldest = n.lateWrites.shift();
          if (n.incarnation === inc && oldest !== undefined) write(n.durable, oldest);
        });
      } else {
        write(n.durable, rd);
      }
      for (const m of rd.messages) this.send(m);
      this.apply(n, rd);
      raft.advance(rd);
      if (
        this.opts.bug === SimBug.forgetVote &&
        rd.hardState !== undefined &&
        rd.hardState.vote !== 0 &&
        this.rng.next() < 0.5
      ) {
        // Aim the fault where the bug bites: restart right after voting, mid-election.
        this.crash(n);
        this.queue.push(this.now + 1 + this.rng.nextInt(0, 5), () => {
          if (n.raft === undefined) this.start(n);
        });
        return;
      }
    }
    if (raft.hasReady()) this.scheduleReady(n);
  }

  private apply(n: SimNode, rd: Ready): void {
    if (rd.snapshot !== undefined) {
      const m = decodeMachine(rd.snapshot.data);
      if (m.index !== rd.snapshot.metadata.index)
        this.checker.fail(`snapshot at ${rd.snapshot.metadata.index} holds state of ${m.index}`);
      this.checker.observeSnapshotRestore(n.id, m.index, m.hash);
      n.machine = m;
      this.stats.snapshotsInstalled++;
    }
    for (const e of rd.committedEntries) {
      if (e.index !== n.machine.index + 1)
        this.checker.fail(`node ${n.id} applied ${e.index} after ${n.machine.index}`);
      n.machine = { index: e.index, hash: foldEntry(n.machine.hash, e) };
      this.checker.observeApply(n.id, e.index, n.machine.hash);
      this.stats.applied++;
    }
    for (const rs of rd.readStates) {
      const key = String.fromCharCode(...rs.context);
      const pending = this.pendingReads.get(key);
      if (pending === undefined) continue; // a duplicate answer
      this.pendingReads.delete(key);
      this.checker.observeReadIndex(n.id, rs.index, pending.minIndex);
      this.stats.readsServed++;
    }
  }

  // ------------------------------------------------------------ network

  private send(m: RaftMessage): void {
    if (this.faults && this.rng.next() < this.dropRate) return;
    const copies = this.faults && this.rng.next() < this.dupRate ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      // Exponential jitter on top of a floor: messages overtake each other (reordering).
      const delay = this.delayMinMs + Math.floor(-Math.log(1 - this.rng.next()) * this.delayMeanMs);
      const msg: RaftMessage = { ...m };
      this.queue.push(this.now + delay, () => this.deliver(msg));
    }
  }

  private deliver(m: RaftMessage): void {
    if (this.blocked.has(`${m.from}>${m.to}`)) return;
    const n = this.nodes.get(m.to);
    if (n?.raft === undefined) return;
    n.raft.step(m);
    this.scheduleReady(n);
  }

  // ------------------------------------------------------------ faults and workload

  private exp(meanMs: number): number {
    return Math.max(1, Math.floor(-Math.log(1 - this.rng.next()) * meanMs));
  }

  private every(meanMs: number, action: () => void): void {
    const loop = (): void => {
      if (!this.faults) return;
      action();
      this.queue.push(this.now + this.exp(meanMs), loop);
    };
    this.queue.push(this.exp(meanMs), loop);
  }

  private scheduleFaults(): void {
    this.every(this.partitionMeanMs, () => this.partition());
    this.every(this.crashMeanMs, () => this.crashSome());
    this.every(this.proposeMeanMs, () => this.propose());
    this.every(250, () => this.read());
    this.every(1500, () => this.compactSome());
    this.every(2500, () => this.transfer());
    if (this.opts.membership ?? true) {
      this.queue.push(Math.floor(this.safetyMs * 0.2), () => this.every(300, () => this.changeMembership()));
    }
  }

  private partition(): void {
    const ids = [...this.nodes.values()].filter((n) => n.started).map((n) => n.id);
    this.blocked = new Set();
    const mode = this.rng.nextInt(0, 4);
    if (mode === 0) {
      // isolate one node both ways
      const x = ids[this.rng.nextInt(0, ids.length)] as number;
      for (const y of ids) if (y !== x) this.block(x, y, true);
    } else if (mode === 1) {
      // split into two random sides
      const side = new Map(ids.map((id) => [id, this.rng.next() < 0.5]));
      for (const a of ids) for (const b of ids) if (side.get(a) !== side.get(b)) this.block(a, b, false);
    } else if (mode === 2) {
      // one-way: a node can send but not receive (or the reverse)
      const x = ids[this.rng.nextInt(0, ids.length)] as number;
      const inbound = this.rng.next() < 0.5;
      for (const y of ids) if (y !== x) this.blocked.add(inbound ? `${y}>${x}` : `${x}>${y}`);
    }
    // mode 3: heal
    this.stats.partitions++;
    const duration = 200 + this.rng.nextInt(0, 3000);
    const snapshot = this.blocked;
    this.queue.push(this.now + duration, () => {
      if (this.blocked === snapshot) this.blocked = new Set();
    });
  }

  private block(a: number, b: number, both: boolean): void {
    this.blocked.add(`${a}>${b}`);
    if (both) this.blocked.add(`${b}>${a}`);
  }

  private crashSome(): void {
    const up = [...this.nodes.values()].filter((n) => n.raft !== undefined);
    const victim = up[this.rng.nextInt(0, up.length)];
    if (victim === undefined) return;
    this.crash(victim);
    const downMaxMs = this.opts.downMaxMs ?? 3000;
    this.queue.push(this.now + 1 + this.rng.nextInt(0, downMaxMs), () => {
      if (victim.raft === undefined) this.start(victim);
    });
  }

  private leaders(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.raft?.basicStatus().role === 'leader');
  }

  private anyLeader(): SimNode | undefined {
    const ls = this.leaders();
    return ls[this.rng.nextInt(0, ls.length)];
  }

  private propose(): void {
    const leader = this.anyLeader();
    if (leader?.raft === undefined) return;
    const res = leader.raft.propose(new TextEncoder().encode(`c${this.proposalSeq++}`));
    if (res.ok) this.stats.proposals++;
    this.scheduleReady(leader);
  }

  private read(): void {
    const up = [...this.nodes.values()].filter((n) => n.raft !== undefined);
    const n = up[this.rng.nextInt(0, up.length)];
    if (n?.raft === undefined) return;
    const key = `r${this.readSeq++}`;
    const ctx = Uint8Array.from(key, (c) => c.charCodeAt(0));
    // Everything committed anywhere before the read begins must be visible to it.
    const minIndex = this.checker.maxCommitIndex;
    if (n.raft.readIndex(ctx).ok) {
      this.pendingReads.set(key, { node: n.id, minIndex });
      this.stats.reads++;
    }
    this.scheduleReady(n);
  }

  private compactSome(): void {
    for (const n of this.nodes.values()) {
      if (n.raft === undefined || this.rng.next() < 0.5) continue;
      const index = n.machine.index;
      if (index <= n.view.snapshot().metadata.index + 3) continue;
      const data = encodeMachine(n.machine);
      const conf = n.raft.appliedConfState();
      n.view.createSnapshot(index, conf, data);
      const keep = this.rng.nextInt(0, 4);
      n.view.compact(Math.max(0, index - keep));
      if (n.durable !== n.view && n.durable.lastIndex() >= index && index > n.durable.snapshot().metadata.index) {
        n.durable.createSnapshot(index, conf, data);
        n.durable.compact(Math.max(0, index - keep));
      }
      this.stats.snapshots++;
    }
  }

  private transfer(): void {
    const leader = this.anyLeader();
    if (leader?.raft === undefined) return;
    const voters = leader.raft.confState().voters.filter((id) => id !== leader.id);
    const to = voters[this.rng.nextInt(0, voters.length)];
    if (to === undefined) return;
    leader.raft.transferLeadership(to);
    this.stats.transfers++;
    this.scheduleReady(leader);
  }

  /** Joiner added as learner, then promoted; then one voter (maybe the leader) removed. */
  private changeMembership(): void {
    const leader = this.anyLeader();
    if (leader?.raft === undefined) return;
    const conf = leader.raft.confState();
    const joiner = this.nodes.get(this.joinerId) as SimNode;
    let res;
    if (!conf.voters.includes(this.joinerId) && !conf.learners.includes(this.joinerId) && this.victim === 0) {
      if (!joiner.started) this.start(joiner);
      res = leader.raft.proposeConfChange({ type: ConfChangeType.addLearner, nodeId: this.joinerId });
    } else if (conf.learners.includes(this.joinerId)) {
      res = leader.raft.proposeConfChange({ type: ConfChangeType.addVoter, nodeId: this.joinerId });
    } else if (this.victim === 0 || conf.voters.includes(this.victim)) {
      if (this.victim === 0) {
        const candidates = conf.voters.filter((id) => id !== this.joinerId);
        this.victim = candidates[this.rng.nextInt(0, candidates.length)] ?? 0;
      }
      if (this.victim !== 0)
        res = leader.raft.proposeConfChange({ type: ConfChangeType.removeNode, nodeId: this.victim });
    }
    if (res?.ok) this.stats.confChanges++;
    this.scheduleReady(leader);
  }

  // ------------------------------------------------------------ liveness

  private heal(): void {
    this.faults = false;
    this.blocked = new Set();
    this.dropRate = 0;
    this.dupRate = 0;
    for (const n of this.nodes.values()) if (n.started && n.raft === undefined) this.start(n);
    this.liveness = { deadline: this.now + this.livenessMs };
    const probe = (): void => {
      if (this.livenessDone) return;
      this.probeProgress();
      this.queue.push(this.now + 200, probe);
    };
    this.queue.push(this.now + 1, probe);
  }

  private probeProgress(): void {
    const live = this.liveness;
    if (live === undefined) return;
    const leader = this.currentLeader();
    if (leader?.raft === undefined) return;
    if (live.probe !== undefined && leader.raft.logTerm(live.probe.index) !== live.probe.term) live.probe = undefined;
    if (live.probe === undefined) {
      const res = leader.raft.propose(new TextEncoder().encode('probe'));
      if (res.ok) live.probe = { index: res.index, term: res.term };
      this.scheduleReady(leader);
    }
  }

  /** The leader of the highest term among running nodes, if any. */
  private currentLeader(): SimNode | undefined {
    let best: SimNode | undefined;
    let bestTerm = -1;
    for (const n of this.leaders()) {
      const t = n.raft?.basicStatus().term ?? -1;
      if (t > bestTerm) {
        best = n;
        bestTerm = t;
      }
    }
    return best;
  }

  private checkLiveness(): void {
    const live = this.liveness;
    if (live === undefined || live.probe === undefined) return;
    const leader = this.currentLeader();
    if (leader?.raft === undefined) return;
    const conf = leader.raft.confState();
    for (const id of [...conf.voters, ...conf.learners]) {
      const n = this.nodes.get(id);
      if (n?.raft === undefined) return;
      if (n.machine.index < live.probe.index) return;
    }
    this.livenessDone = true;
  }

  // ------------------------------------------------------------ checks

  private checkAfterEvent(): void {
    for (const n of this.nodes.values()) {
      if (n.raft === undefined) continue;
      this.checker.observeNode(n.id, n.raft);
      const s = n.raft.basicStatus();
      if (s.term > this.stats.maxTerm) this.stats.maxTerm = s.term;
    }
    this.stats.commitIndex = this.checker.maxCommitIndex;
    if (this.stats.events % 128 === 0) this.checker.checkLogMatching(this.running());
    if (this.liveness !== undefined) {
      this.checkLiveness();
      if (!this.livenessDone && this.now > this.liveness.deadline) {
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
      if (n.raft === undefined) {
        lines.push(`  node ${n.id}: ${n.started ? 'down' : 'not started'}`);
        continue;
      }
      const s = n.raft.status();
      const progress = [...s.progress]
        .map(([id, p]) => `${id}:${p.state}/m${p.match}/n${p.next}/f${p.inflight}`)
        .join(' ');
      lines.push(
        `  node ${n.id}: ${s.role} term ${s.term} vote ${s.vote} lead ${s.lead} commit ${s.commit} applied ${s.applied} ` +
          `log [${s.firstIndex}, ${s.lastIndex}] machine ${n.machine.index} conf ${JSON.stringify(s.confState)} ${progress}`,
      );
    }
    const live = this.liveness?.probe;
    if (live !== undefined) lines.push(`  probe at ${live.index} term ${live.term}`);
    return lines.join('\n');
  }
}

function write(storage: MemoryStorage, rd: Ready): void {
  if (rd.snapshot !== undefined) storage.applySnapshot(rd.snapshot);
  storage.append(rd.entries);
  if (rd.hardState !== undefined) storage.setHardState(rd.hardState);
}

function cloneStorage(src: MemoryStorage): MemoryStorage {
  const out = new MemoryStorage();
  const snap = src.snapshot();
  if (snap.metadata.index > 0) out.applySnapshot(snap);
  const first = src.firstIndex();
  const last = src.lastIndex();
  if (first <= last) {
    const ents: Entry[] = src.entries(first, last + 1, Infinity);
    if (snap.metadata.index === 0 && first > 1) {
      // compacted without a snapshot cannot happen: compact() requires one
      throw new Violation('storage compacted without a snapshot');
    }
    out.append(ents);
  }
  out.setHardState(src.hardStateNow());
  return out;
}
