// The Raft driver: the I/O shell around the pure core (src/raft/raft-node.ts). It takes its I/O as
// parameters (driver-io.ts): a Clock (a tick every heartbeatMs, deadlines, the Ready batching), a
// RaftStore (the disk) and a RaftTransport (the network); it drives the application's state
// machine and runs the Ready loop in the order the core requires (ready.ts): persist -> send ->
// apply -> advance. A Brook node opens it through driver-node.ts (system clock, LevelDB, gRPC);
// the seeded simulation (test/sim/) through virtual time, an in-memory disk and a simulated network.
//
// Readies are processed on clock.soon (setImmediate) after any step/propose/tick, so a burst of
// messages and proposals arriving in one turn of the event loop shares one Ready and one fsync.
import { randomBytes, randomInt } from 'node:crypto';
import { assert, type Clock, ConfigError, limits, type Logger, type ScheduledTask } from '../common/index.js';
import { ELECTION_TICKS_MIN, type RaftConfig } from './config.js';
import type { ConfChange } from './conf-change.js';
import type { OpenRaftTransport, RaftStore, RaftTransport } from './driver-io.js';
import { NotLeaderError, ProposalDroppedError, RaftUnavailableError, UnavailableReason } from './driver-errors.js';
import type { RaftMessage } from './messages.js';
import { createPrng } from './prng.js';
import { ProposalRefusal, type ProposalResult, ReadIndexRefusal } from './proposal.js';
import { RaftNode } from './raft-node.js';
import type { Ready } from './ready.js';
import { MemoryStorage } from './storage.js';
import {
  type ConfState,
  type Entry,
  EntryType,
  type NodeId,
  NONE,
  type StateRole,
  StateRole as Role,
} from './types.js';

export { NotLeaderError, ProposalDroppedError, RaftUnavailableError, UnavailableReason } from './driver-errors.js';

/** What the driver applies committed entries to. Calls are synchronous and in log order. */
export interface RaftStateMachine {
  /** Applies one committed normal entry. Leader no-ops (empty data) and membership entries are
   * not handed over. Throwing is a fatal error: every node applies the same entries. */
  apply(entry: Entry): void;
  /** The full state as of the last applied entry. */
  snapshot(): Uint8Array;
  /** Replaces the full state with one taken by snapshot() (on this node or the leader). */
  restore(data: Uint8Array): void;
}

export interface RaftDriverOptions {
  readonly nodeId: NodeId;
  /** Every voter the cluster started with, this node included; [] for a node that joins a running
   * cluster (it waits to be added as a learner and learns the configuration from the leader). */
  readonly peers: readonly NodeId[];
  readonly stateMachine: RaftStateMachine;
  readonly logger: Logger;
  /** Time, timers and the Ready batching. */
  readonly clock: Clock;
  /** The node's Raft state on disk, opened; the driver owns it from here (closes it on close, and
   * when open fails). */
  readonly store: RaftStore;
  /** Starts the network side once the driver can take messages. */
  readonly transport: OpenRaftTransport;
  /** Seeds the driver's randomness (election jitter, read-request ids) so that a simulation
   * replays exactly; default: random per start, so nodes that restart together differ. */
  readonly seed?: number;
  /** Tick and heartbeat interval (default 50). */
  readonly heartbeatMs?: number;
  /** Minimum election timeout; the actual one is random in [this, 2 * this) (default 300). */
  readonly electionTimeoutMs?: number;
  /** Take a snapshot and compact the log every this many applied entries (default 1000). */
  readonly snapshotEntries?: number;
  /** Entries kept below a snapshot for followers that are only a little behind (default 100). */
  readonly snapshotTrailingEntries?: number;
  /** How long propose() waits for its entry to apply (default 10 000). */
  readonly proposalTimeoutMs?: number;
  /** How long readIndex() waits, including for a leader to be elected (default 5 000). */
  readonly readIndexTimeoutMs?: number;
  /** Fault injection for tests and drills: an outbound message is sent only if this returns
   * true (Raft treats the others as lost on the network). */
  readonly outboundFilter?: (m: RaftMessage) => boolean;
  /** Core settings beyond the timing ones (pre-vote, check-quorum, flow control budgets). */
  readonly raft?: Omit<RaftConfig, 'id' | 'peers' | 'applied' | 'electionTicks' | 'heartbeatTicks'>;
}

/** The cheap part of the status: no per-member data. */
export interface RaftDriverBasicStatus {
  readonly nodeId: NodeId;
  readonly role: StateRole;
  readonly term: number;
  /** The leader's id, or 0 if none is known. */
  readonly leaderId: NodeId;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
}

export interface RaftDriverStatus extends RaftDriverBasicStatus {
  readonly snapshotIndex: number;
  /** Snapshots installed from a leader / delivered to followers / taken locally, since start. */
  readonly snapshotsReceived: number;
  readonly snapshotsSent: number;
  readonly snapshotsTaken: number;
  /** Inbound batches refused for a wrong cluster id, since start. */
  readonly rejectedBatches: number;
  /** Outbound messages dropped on full peer queues, since start. */
  readonly droppedMessages: number;
  readonly pendingProposals: number;
  readonly pendingReads: number;
  /** The configuration in force (voters and learners) as this node knows it. */
  readonly confState: ConfState;
  /** On the leader, where it stands with each member's log (empty on followers). */
  readonly peers: readonly { nodeId: NodeId; match: number; next: number; state: string; inflight: number }[];
}

/** Called with the new leader (0 = none known) whenever it changes. */
export type LeaderChangeListener = (leaderId: NodeId, term: number) => void;

interface PendingProposal {
  readonly term: number;
  readonly deadlineMs: number;
  readonly resolve: (at: { index: number; term: number }) => void;
  readonly reject: (err: Error) => void;
}

interface PendingRead {
  context: string;
  /** When the current request was made; -Infinity if it still has to be made. */
  issuedMs: number;
  /** The read index once the leader answered. */
  index: number | undefined;
  readonly deadlineMs: number;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

const DEFAULTS = {
  heartbeatMs: 50,
  electionTimeoutMs: 300,
  snapshotEntries: 1000,
  snapshotTrailingEntries: 100,
  proposalTimeoutMs: 10_000,
  readIndexTimeoutMs: 5_000,
} as const;

export class RaftDriver {
  readonly nodeId: NodeId;
  private readonly node: RaftNode;
  private readonly clock: Clock;
  private readonly transport: RaftTransport;
  private readonly tickTimer: ScheduledTask;
  private readonly heartbeatMs: number;
  private readonly electionTimeoutMs: number;
  private readonly snapshotEntries: number;
  private readonly snapshotTrailingEntries: number;
  private readonly proposalTimeoutMs: number;
  private readonly readIndexTimeoutMs: number;

  private readonly proposals = new Map<number, PendingProposal>();
  private readonly reads = new Map<string, PendingRead>();
  /** waitForApplied callers, at most a handful (start-up); settled as entries apply. */
  private readonly appliedWaiters = new Set<{ index: number; resolve: () => void; reject: (err: Error) => void }>();
  private readonly leaderListeners = new Set<LeaderChangeListener>();
  private readonly fatalListeners = new Set<(err: Error) => void>();
  /** Random per start, so a read answer meant for an earlier incarnation matches nothing. */
  private readonly readContextPrefix: string;
  private readCounter = 0;

  /** Highest index applied to the state machine (or restored from a snapshot). */
  private appliedIndex: number;
  private knownLeader: NodeId = NONE;
  private scheduled = false;
  private processing = false;
  /** Settles when the Ready loop in progress (if any) has finished. */
  private loopDone: Promise<void> = Promise.resolve();
  private closed = false;
  private fatalError: Error | undefined;
  private snapshotsReceived = 0;
  private snapshotsSent = 0;
  private snapshotsTaken = 0;

  private constructor(
    private readonly opts: RaftDriverOptions,
    private readonly disk: RaftStore,
    private readonly mem: MemoryStorage,
    private readonly log: Logger,
  ) {
    this.nodeId = opts.nodeId;
    this.clock = opts.clock;
    this.heartbeatMs = opts.heartbeatMs ?? DEFAULTS.heartbeatMs;
    this.electionTimeoutMs = opts.electionTimeoutMs ?? DEFAULTS.electionTimeoutMs;
    this.snapshotEntries = opts.snapshotEntries ?? DEFAULTS.snapshotEntries;
    this.snapshotTrailingEntries = opts.snapshotTrailingEntries ?? DEFAULTS.snapshotTrailingEntries;
    this.proposalTimeoutMs = opts.proposalTimeoutMs ?? DEFAULTS.proposalTimeoutMs;
    this.readIndexTimeoutMs = opts.readIndexTimeoutMs ?? DEFAULTS.readIndexTimeoutMs;
    if (!(this.heartbeatMs >= 1)) throw new ConfigError(`raft-heartbeat-ms must be >= 1, got ${this.heartbeatMs}`);
    if (Math.round(this.electionTimeoutMs / this.heartbeatMs) < ELECTION_TICKS_MIN) {
      throw new ConfigError(
        `raft-election-timeout-ms (${this.electionTimeoutMs}) must be at least ${ELECTION_TICKS_MIN} heartbeats (raft-heartbeat-ms ${this.heartbeatMs})`,
      );
    }
    if (!(this.snapshotEntries >= 1))
      throw new ConfigError(`raft snapshotEntries must be >= 1, got ${this.snapshotEntries}`);
    if (!(this.snapshotTrailingEntries >= 0)) throw new ConfigError('raft snapshotTrailingEntries must be >= 0');

    this.appliedIndex = mem.snapshot().metadata.index;
    let prng = opts.raft?.prng;
    if (opts.seed === undefined) {
      this.readContextPrefix = randomBytes(8).toString('hex');
    } else {
      const seeded = createPrng(opts.seed);
      const word = (): string =>
        seeded
          .nextInt(0, 2 ** 32)
          .toString(16)
          .padStart(8, '0');
      this.readContextPrefix = word() + word();
      prng ??= seeded;
    }
    this.node = new RaftNode(
      {
        ...opts.raft,
        id: opts.nodeId,
        peers: opts.peers,
        applied: this.appliedIndex,
        heartbeatTicks: 1,
        electionTicks: Math.round(this.electionTimeoutMs / this.heartbeatMs),
        // Real jitter: nodes that restart together must not draw the same timeouts.
        prng: prng ?? createPrng(randomInt(2 ** 31)),
      },
      mem,
    );
    this.transport = opts.transport({
      receive: (messages) => this.receive(messages),
      unreachable: (to) => {
        this.node.reportUnreachable(to);
        this.kick();
      },
      snapshotSent: (to, ok) => {
        if (ok) this.snapshotsSent++;
        this.node.reportSnapshot(to, ok);
        this.kick();
      },
    });
    this.tickTimer = this.clock.every(this.heartbeatMs, () => this.onTick());
    // A cluster of one needs no election timeout to find out it is the only voter.
    const voters = this.node.confState().voters;
    if (voters.length === 1 && voters[0] === this.nodeId) this.node.campaign();
    this.kick();
  }

  /** Loads the store, restores the state machine from the stored snapshot, starts the transport
   * and the tick. Resolves once the entries this node already knew committed have been
   * re-applied. */
  static async open(opts: RaftDriverOptions): Promise<RaftDriver> {
    const disk = opts.store;
    if (opts.peers.length > 0 && !opts.peers.includes(opts.nodeId)) {
      await disk.close();
      throw new ConfigError(`raft: node ${opts.nodeId} is not among the cluster nodes`);
    }
    const log = opts.logger.child({ module: 'raft' });
    let driver: RaftDriver | undefined;
    try {
      const loaded = await disk.load();
      const mem = new MemoryStorage();
      if (loaded.snapshot !== undefined) {
        mem.applySnapshot(loaded.snapshot);
        opts.stateMachine.restore(loaded.snapshot.data);
      }
      mem.append(loaded.entries);
      mem.setHardState(loaded.hardState);
      log.info(
        {
          term: loaded.hardState.term,
          commit: loaded.hardState.commit,
          snapshotIndex: loaded.snapshot?.metadata.index ?? 0,
          lastIndex: mem.lastIndex(),
        },
        'raft state loaded',
      );
      driver = new RaftDriver(opts, disk, mem, log);
      // Replay what this node already knows is committed before handing the state out, so the
      // caller sees the state it had before the restart and listeners miss nothing later.
      await driver.waitForApplied(Math.min(loaded.hardState.commit, mem.lastIndex()));
      return driver;
    } catch (err) {
      if (driver !== undefined) await driver.close();
      else await disk.close();
      throw err;
    }
  }

  // ---------------------------------------------------------------- observers

  get isLeader(): boolean {
    return !this.closed && this.node.basicStatus().role === Role.leader;
  }

  /** The leader as this node knows it, or 0 (NONE). */
  get leaderId(): NodeId {
    return this.closed ? NONE : this.node.basicStatus().lead;
  }

  /** Role, term, leader, commit and applied index, log bounds: cheap enough to ask per request. */
  basicStatus(): RaftDriverBasicStatus {
    const s = this.node.basicStatus();
    return {
      nodeId: this.nodeId,
      role: s.role,
      term: s.term,
      leaderId: s.lead,
      commit: s.commit,
      applied: this.appliedIndex,
      firstIndex: s.firstIndex,
      lastIndex: s.lastIndex,
    };
  }

  status(): RaftDriverStatus {
    const s = this.node.status();
    return {
      nodeId: this.nodeId,
      role: s.role,
      term: s.term,
      leaderId: s.lead,
      commit: s.commit,
      applied: this.appliedIndex,
      firstIndex: s.firstIndex,
      lastIndex: s.lastIndex,
      snapshotIndex: this.mem.snapshot().metadata.index,
      snapshotsReceived: this.snapshotsReceived,
      snapshotsSent: this.snapshotsSent,
      snapshotsTaken: this.snapshotsTaken,
      rejectedBatches: this.transport.rejectedBatchCount,
      droppedMessages: this.transport.droppedMessageCount,
      pendingProposals: this.proposals.size,
      pendingReads: this.reads.size,
      confState: s.confState,
      peers: [...s.progress]
        .filter(([id]) => id !== this.nodeId)
        .map(([nodeId, pr]) => ({
          nodeId,
          match: pr.match,
          next: pr.next,
          state: String(pr.state),
          inflight: pr.inflight,
        })),
    };
  }

  /** Resolves once the state machine has applied `index` (at once if it already has). */
  waitForApplied(index: number): Promise<void> {
    if (this.appliedIndex >= index) return Promise.resolve();
    if (this.closed) return Promise.reject(new RaftUnavailableError(UnavailableReason.closed, 'raft driver closed'));
    return new Promise((resolve, reject) => this.appliedWaiters.add({ index, resolve, reject }));
  }

  /** Registers a listener for leader changes; returns a function that removes it. */
  onLeaderChange(listener: LeaderChangeListener): () => void {
    this.leaderListeners.add(listener);
    return () => this.leaderListeners.delete(listener);
  }

  /** A storage failure or a state machine that threw stops the driver; without a listener the
   * error is rethrown (the process crashes, which is the safe outcome). */
  onFatal(listener: (err: Error) => void): void {
    this.fatalListeners.add(listener);
  }

  // ---------------------------------------------------------------- requests

  /** Proposes `data` (non-empty) on the leader; resolves once the entry committed and was
   * applied here. Rejects with NotLeaderError on a follower, ProposalDroppedError if leadership
   * changed and the entry was lost, RaftUnavailableError when overloaded, closed or timed out
   * (then the outcome is unknown). */
  propose(data: Uint8Array): Promise<{ index: number; term: number }> {
    assert(data.byteLength > 0, 'empty proposals are reserved for leader no-ops');
    if (this.closed) return Promise.reject(new RaftUnavailableError(UnavailableReason.closed, 'raft driver closed'));
    if (this.proposals.size >= limits.raftPendingProposalsMax) {
      return Promise.reject(
        new RaftUnavailableError(UnavailableReason.overloaded, 'too many pending proposals', this.leaderId),
      );
    }
    return this.track(this.node.propose(data));
  }

  /** Proposes a single-server membership change (add a learner, promote it, remove a member) on
   * the leader, one at a time; resolves once its entry committed and was applied here (the new
   * configuration is then in force). Rejects as propose() does, and with RaftUnavailableError
   * while another change is pending or the change does not fit the configuration. */
  proposeConfChange(change: ConfChange): Promise<{ index: number; term: number }> {
    if (this.closed) return Promise.reject(new RaftUnavailableError(UnavailableReason.closed, 'raft driver closed'));
    if (this.proposals.size >= limits.raftPendingProposalsMax) {
      return Promise.reject(
        new RaftUnavailableError(UnavailableReason.overloaded, 'too many pending proposals', this.leaderId),
      );
    }
    return this.track(this.node.proposeConfChange(change));
  }

  /** Waits for a proposal the core accepted to apply: its index settles it. */
  private track(result: ProposalResult): Promise<{ index: number; term: number }> {
    if (!result.ok) return Promise.reject(refusalError(result));
    const stale = this.proposals.get(result.index);
    if (stale !== undefined) {
      // An older proposal of ours at this index: another leader's entries replaced it here, and
      // now our own new one did. It may still commit (another node that holds it can win a later
      // election while ours does not commit), so its outcome is unknown, not lost.
      assert(stale.term < result.term, `two pending proposals at index ${result.index} in term ${result.term}`);
      this.proposals.delete(result.index);
      stale.reject(
        new RaftUnavailableError(
          UnavailableReason.timeout,
          `proposal at ${result.index} superseded here before its outcome was known; outcome unknown`,
          this.leaderId,
        ),
      );
    }
    this.kick();
    return new Promise((resolve, reject) => {
      this.proposals.set(result.index, {
        term: result.term,
        deadlineMs: this.clock.now() + this.proposalTimeoutMs,
        resolve,
        reject,
      });
    });
  }

  /** A linearizable barrier: resolves once this node has applied everything committed before the
   * call (on a follower through the leader, by ReadIndex). Rejects with RaftUnavailableError when
   * no leader answers within readIndexTimeoutMs. */
  readIndex(): Promise<void> {
    if (this.closed) return Promise.reject(new RaftUnavailableError(UnavailableReason.closed, 'raft driver closed'));
    if (this.reads.size >= limits.raftPendingReadsMax) {
      return Promise.reject(
        new RaftUnavailableError(UnavailableReason.overloaded, 'too many pending reads', this.leaderId),
      );
    }
    return new Promise((resolve, reject) => {
      const read: PendingRead = {
        context: '',
        issuedMs: -Infinity,
        index: undefined,
        deadlineMs: this.clock.now() + this.readIndexTimeoutMs,
        resolve,
        reject,
      };
      this.issueRead(read);
    });
  }

  /** `nodeId` was seen gone (RaftNode.leaderGone): if it leads, this node stops following it and
   * the first of the other voters campaigns on the next tick. */
  leaderGone(nodeId: NodeId): void {
    if (this.closed) return;
    this.node.leaderGone(nodeId);
    this.kick();
  }

  /** Asks for leadership to move to `to` (default: the most caught-up other voter). Resolves true
   * once this node sees `to` lead, false if no transfer could start or it did not finish within
   * `timeoutMs` (default two election timeouts). */
  transferLeadership(to?: NodeId, timeoutMs = 2 * this.electionTimeoutMs): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    const target = to ?? this.bestTransferTarget();
    if (target === undefined) return Promise.resolve(false);
    if (this.leaderId === target) return Promise.resolve(true);
    if (!this.node.transferLeadership(target)) return Promise.resolve(false);
    this.kick();
    return new Promise((resolve) => {
      const timer = this.clock.schedule(timeoutMs, () => {
        unsubscribe();
        resolve(false);
      });
      const unsubscribe = this.onLeaderChange((leader) => {
        if (leader !== target) return;
        timer.cancel();
        unsubscribe();
        resolve(true);
      });
    });
  }

  private bestTransferTarget(): NodeId | undefined {
    const status = this.node.status();
    let best: NodeId | undefined;
    let bestMatch = -1;
    for (const [id, pr] of status.progress) {
      if (id === this.nodeId || pr.isLearner || !status.confState.voters.includes(id)) continue;
      if (pr.match > bestMatch) {
        best = id;
        bestMatch = pr.match;
      }
    }
    return best;
  }

  /** Stops ticking and taking messages, finishes the Ready in progress, fails what is pending
   * and closes the clients and the database. It does not hand leadership over (a crash does
   * not either); call transferLeadership first for a graceful stop. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.tickTimer.cancel();
    this.transport.close();
    await this.loopDone;
    this.failAll(new RaftUnavailableError(UnavailableReason.closed, 'raft driver closed'));
    this.leaderListeners.clear();
    await this.disk.close();
    this.log.info('raft driver closed');
  }

  // ---------------------------------------------------------------- inputs

  private receive(messages: readonly RaftMessage[]): void {
    if (this.closed) return;
    try {
      for (const m of messages) this.node.step(m);
    } catch (err) {
      this.fatal(err);
      return;
    }
    this.kick();
  }

  private onTick(): void {
    if (this.closed) return;
    this.node.tick();
    const now = this.clock.now();
    for (const [index, p] of this.proposals) {
      if (now < p.deadlineMs) continue;
      this.proposals.delete(index);
      p.reject(
        new RaftUnavailableError(
          UnavailableReason.timeout,
          `proposal at ${index} not applied in time; outcome unknown`,
          this.leaderId,
        ),
      );
    }
    for (const read of [...this.reads.values()]) {
      if (read.index !== undefined && now < read.deadlineMs) continue;
      if (now >= read.deadlineMs) {
        this.reads.delete(read.context);
        const noLeader = this.leaderId === NONE;
        read.reject(
          new RaftUnavailableError(
            noLeader ? UnavailableReason.noLeader : UnavailableReason.timeout,
            noLeader ? 'no raft leader' : 'read index not confirmed in time',
            this.leaderId,
          ),
        );
      } else if (now - read.issuedMs >= this.electionTimeoutMs) {
        // The request or its answer was lost (a leader change, a dropped message): ask again.
        this.issueRead(read);
      }
    }
    this.kick();
  }

  private issueRead(read: PendingRead): void {
    this.reads.delete(read.context);
    read.context = `${this.readContextPrefix}${(this.readCounter++).toString(16).padStart(12, '0')}`;
    this.reads.set(read.context, read);
    const result = this.node.readIndex(Buffer.from(read.context, 'hex'));
    if (result.ok) {
      read.issuedMs = this.clock.now();
      this.kick();
    } else if (result.reason === ReadIndexRefusal.tooManyPending) {
      this.reads.delete(read.context);
      read.reject(
        new RaftUnavailableError(UnavailableReason.overloaded, 'the leader has too many pending reads', this.leaderId),
      );
    } else {
      read.issuedMs = -Infinity; // no leader yet: retried on the next tick until the deadline
    }
  }

  // ---------------------------------------------------------------- the Ready loop

  /** Schedules Ready processing for the end of this turn of the event loop. */
  private kick(): void {
    if (this.closed || this.scheduled) return;
    this.scheduled = true;
    this.clock.soon(() => {
      this.scheduled = false;
      if (this.processing) return; // the running loop picks the new work up before it stops
      this.processing = true;
      this.loopDone = this.runReadies();
    });
  }

  private async runReadies(): Promise<void> {
    try {
      while (!this.closed && this.node.hasReady()) await this.handleReady(this.node.ready());
    } catch (err) {
      this.fatal(err);
    } finally {
      this.processing = false;
    }
  }

  private async handleReady(rd: Ready): Promise<void> {
    // 1. Persist, durably when the Ready says so. A snapshot from the leader replaces the log
    //    and the leader counts it as held once we answer, so it is synced too.
    await this.disk.write({
      snapshot: rd.snapshot,
      entries: rd.entries,
      hardState: rd.hardState,
      sync: rd.mustSync || rd.snapshot !== undefined,
    });
    if (rd.snapshot !== undefined) this.mem.applySnapshot(rd.snapshot);
    this.mem.append(rd.entries);
    if (rd.hardState !== undefined) this.mem.setHardState(rd.hardState);
    if (this.closed) return; // killed while writing: say nothing more (as a crash would)

    // 2. Send.
    const filter = this.opts.outboundFilter;
    for (const m of rd.messages) {
      assert(m.to !== this.nodeId, `the core addressed a ${m.type} to itself`);
      if (filter === undefined || filter(m)) this.transport.send(m);
    }

    // 3. Apply.
    if (rd.snapshot !== undefined)
      this.installSnapshot(rd.snapshot.metadata.index, rd.snapshot.metadata.term, rd.snapshot.data);
    for (const e of rd.committedEntries) {
      assert(e.index === this.appliedIndex + 1, `applying ${e.index} after ${this.appliedIndex}`);
      if (e.type === EntryType.normal && e.data.byteLength > 0) this.opts.stateMachine.apply(e);
      this.appliedIndex = e.index;
      this.settleProposal(e);
    }
    for (const rs of rd.readStates) {
      const read = this.reads.get(Buffer.from(rs.context).toString('hex'));
      if (read !== undefined) read.index = rs.index;
    }

    // 4. Advance.
    this.node.advance(rd);
    this.serveReads();
    for (const waiter of this.appliedWaiters) {
      if (waiter.index > this.appliedIndex) continue;
      this.appliedWaiters.delete(waiter);
      waiter.resolve();
    }
    // Messages of a newer term may have arrived while this Ready was written: if its leader is no
    // longer ours, say nothing (listeners would pair it with the newer term); the next Ready tells.
    const lead = rd.softState?.lead;
    if (lead !== undefined && lead !== this.knownLeader && lead === this.node.basicStatus().lead) {
      this.leaderChanged(lead);
    }
    await this.maybeSnapshot();
  }

  private installSnapshot(index: number, term: number, data: Uint8Array): void {
    this.opts.stateMachine.restore(data);
    this.appliedIndex = index;
    this.snapshotsReceived++;
    this.log.info({ index, term, bytes: data.byteLength }, 'raft snapshot installed');
    // A proposal covered by the snapshot committed only if it is the snapshot's last entry or
    // earlier in the same term; which cannot be told, except that a later term is certainly lost.
    for (const [at, p] of this.proposals) {
      if (at > index) continue;
      this.proposals.delete(at);
      if (p.term > term) p.reject(new ProposalDroppedError(at, p.term, this.leaderId));
      else
        p.reject(
          new RaftUnavailableError(
            UnavailableReason.timeout,
            `proposal at ${at} covered by a snapshot; outcome unknown`,
            this.leaderId,
          ),
        );
    }
  }

  /** A proposal settles when its index applies, as nothing before can tell: the index holding
   * another term here (a new leader's entries replaced ours) does not mean our entry is lost,
   * as another node that holds it may still win an election and commit it. */
  private settleProposal(e: Entry): void {
    const p = this.proposals.get(e.index);
    if (p === undefined) return;
    this.proposals.delete(e.index);
    if (e.term === p.term) p.resolve({ index: e.index, term: e.term });
    else p.reject(new ProposalDroppedError(e.index, p.term, this.leaderId));
  }

  private serveReads(): void {
    for (const [context, read] of this.reads) {
      if (read.index === undefined || read.index > this.appliedIndex) continue;
      this.reads.delete(context);
      read.resolve();
    }
  }

  private leaderChanged(leader: NodeId): void {
    const previous = this.knownLeader;
    this.knownLeader = leader;
    const term = this.node.basicStatus().term;
    this.log.info({ leader, previous, term, self: leader === this.nodeId }, 'raft leader changed');
    for (const listener of [...this.leaderListeners]) {
      try {
        listener(leader, term);
      } catch (err) {
        this.log.error({ err }, 'raft leader-change listener threw');
      }
    }
  }

  /** Every snapshotEntries applied entries: snapshot the state machine, keep a tail of entries
   * for followers that are only a little behind, drop the rest. */
  private async maybeSnapshot(): Promise<void> {
    const snapIndex = this.mem.snapshot().metadata.index;
    if (this.appliedIndex - snapIndex < this.snapshotEntries) return;
    const snapshot = this.mem.createSnapshot(
      this.appliedIndex,
      this.node.appliedConfState(),
      this.opts.stateMachine.snapshot(),
    );
    const compactIndex = Math.max(0, this.appliedIndex - this.snapshotTrailingEntries);
    this.mem.compact(compactIndex);
    await this.disk.saveSnapshotAndCompact(snapshot, compactIndex);
    this.snapshotsTaken++;
    this.log.debug({ index: this.appliedIndex, compactIndex, bytes: snapshot.data.byteLength }, 'raft snapshot taken');
  }

  // ---------------------------------------------------------------- failure

  private failAll(err: Error): void {
    for (const p of this.proposals.values()) p.reject(err);
    this.proposals.clear();
    for (const r of this.reads.values()) r.reject(err);
    this.reads.clear();
    for (const w of this.appliedWaiters) w.reject(err);
    this.appliedWaiters.clear();
  }

  private fatal(cause: unknown): void {
    if (this.fatalError !== undefined) return;
    const err = cause instanceof Error ? cause : new Error(String(cause));
    this.fatalError = err;
    this.log.fatal({ err }, 'raft driver stopped on a fatal error');
    if (!this.closed) {
      this.closed = true;
      this.tickTimer.cancel();
      this.transport.close();
      this.failAll(new RaftUnavailableError(UnavailableReason.closed, `raft driver stopped: ${err.message}`));
      void this.disk.close().catch(() => undefined);
    }
    if (this.fatalListeners.size === 0) {
      this.clock.soon(() => {
        throw err;
      });
      return;
    }
    for (const listener of this.fatalListeners) listener(err);
  }
}

function refusalError(result: Extract<ProposalResult, { ok: false }>): Error {
  switch (result.reason) {
    case ProposalRefusal.notLeader:
      return new NotLeaderError(result.leaderId);
    case ProposalRefusal.transferringLeadership:
      return new NotLeaderError(NONE, 'leadership transfer under way; retry on the new leader');
    case ProposalRefusal.tooLarge:
      return new RaftUnavailableError(
        UnavailableReason.tooLarge,
        result.detail ?? 'proposal too large',
        result.leaderId,
      );
    case ProposalRefusal.uncommittedLimit:
      return new RaftUnavailableError(UnavailableReason.overloaded, 'too many uncommitted proposals', result.leaderId);
    default:
      return new RaftUnavailableError(
        UnavailableReason.overloaded,
        `proposal refused: ${result.reason}${result.detail === undefined ? '' : ` (${result.detail})`}`,
        result.leaderId,
      );
  }
}
