// The Raft state machine of one node (Ongaro's dissertation; the contract of etcd-io/raft).
// Pure and synchronous: time is tick(), input is step(message), and everything the outside
// must do (persist, send, apply) comes back in one Ready, acknowledged by advance().
//
// Role logic is one step function per role, swapped on a role change.
import { assert } from '../common/index.js';
import { type RaftConfig, resolveConfig, type ResolvedRaftConfig } from './config.js';
import { applyConfChange, type ConfChange, decodeConfChangeEntry, encodeConfChangeEntry } from './conf-change.js';
import { bytesEqual, CAMPAIGN_TRANSFER_CONTEXT, message, MessageType, type RaftMessage } from './messages.js';
import { type Progress, ProgressState } from './progress.js';
import { ProposalRefusal, type ProposalResult, ReadIndexRefusal, type ReadIndexResult } from './proposal.js';
import { RaftLog } from './raft-log.js';
import { ReadOnly } from './read-only.js';
import type { Ready } from './ready.js';
import type { Storage } from './storage.js';
import { ProgressTracker, VoteResult } from './tracker.js';
import {
  type ConfState,
  type Entry,
  entryPayloadBytes,
  entrySizeBytes,
  EntryType,
  type HardState,
  isHardStateEqual,
  type NodeId,
  NONE,
  type ReadState,
  type SoftState,
  StateRole,
} from './types.js';

type CampaignKind = 'preElection' | 'election' | 'transfer';

export interface ProgressStatus {
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly isLearner: boolean;
  readonly inflight: number;
}

export interface BasicStatus {
  readonly id: NodeId;
  readonly term: number;
  readonly vote: NodeId;
  readonly lead: NodeId;
  readonly role: StateRole;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
}

export interface RaftStatus extends BasicStatus {
  readonly leadTransferee: NodeId;
  readonly confState: ConfState;
  /** Per-member replication progress; only on the leader. */
  readonly progress: ReadonlyMap<NodeId, ProgressStatus>;
}

export class RaftNode {
  readonly id: NodeId;
  private readonly cfg: ResolvedRaftConfig;
  private readonly log: RaftLog;
  private readonly trk: ProgressTracker;
  private readonly readOnly: ReadOnly;

  private term = 0;
  private vote: NodeId = NONE;
  private lead: NodeId = NONE;
  private role: StateRole = StateRole.follower;
  private stepRole: (m: RaftMessage) => void = (m) => this.stepFollower(m);

  /** Ticks since the last election timeout reset (follower/candidate) or transfer start (leader). */
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;

  private leadTransferee: NodeId = NONE;
  /** Index of the latest configuration entry proposed by this leader (or lastIndex at election);
   * a new change waits until applied reaches it. */
  private pendingConfIndex = 0;
  /** Index of the configuration entry (or snapshot) that the tracker's configuration reflects. */
  private confIndex = 0;
  /** The configuration as of the applied index — what a snapshot at `applied` must record. */
  private appliedConf: ConfState;
  /** Payload bytes appended by this leader and not yet applied. */
  private uncommittedBytes = 0;
  /** ReadIndex requests received before this leader committed in its term. */
  private pendingReadIndex: RaftMessage[] = [];
  /** Proposals were appended since the last Ready: broadcast them as one batch per follower. */
  private broadcastPending = false;

  private msgs: RaftMessage[] = [];
  private readStates: ReadState[] = [];
  private prevSoftState: SoftState;
  private prevHardState: HardState;
  private readyOutstanding = false;

  constructor(config: RaftConfig, storage: Storage) {
    this.cfg = resolveConfig(config);
    this.id = this.cfg.id;
    this.log = new RaftLog(storage);
    this.trk = new ProgressTracker(this.cfg.maxInflightMsgs, this.cfg.maxInflightBytes);
    this.readOnly = new ReadOnly(this.cfg.maxPendingReadIndex);

    const { hardState, confState } = storage.initialState();
    // Entries may be kept below the snapshot (compaction lags it); the state machine restarts
    // from the snapshot, so that is where applying resumes.
    const snapIndex = storage.snapshot().metadata.index;
    const first = this.log.firstIndex();
    const last = this.log.lastIndex();
    assert(
      snapIndex >= first - 1 && snapIndex <= last,
      `snapshot ${snapIndex} outside the log [${first - 1}, ${last}]`,
    );
    assert(hardState.commit <= last, `stored commit ${hardState.commit} beyond last index ${last}`);
    this.term = hardState.term;
    this.vote = hardState.vote;
    this.log.committed = Math.max(hardState.commit, snapIndex);

    const stored = confState.voters.length + confState.learners.length > 0;
    const base: ConfState = stored ? confState : { voters: this.cfg.peers, learners: this.cfg.learners };
    this.trk.setConf(base, last + 1);
    this.confIndex = snapIndex;
    this.appliedConf = base;
    // Adopt every committed configuration now rather than as entries are re-applied: campaigning
    // with a configuration older than a committed one could elect a second leader.
    const applied = Math.min(Math.max(this.cfg.applied, snapIndex), this.log.committed);
    for (const e of this.log.slice(snapIndex + 1, this.log.committed + 1, Infinity) ?? []) {
      if (e.type !== EntryType.confChange) continue;
      const { confState: next } = decodeConfChangeEntry(e.data);
      this.trk.setConf(next, last + 1);
      this.confIndex = e.index;
      if (e.index <= applied) this.appliedConf = next;
    }
    this.log.appliedTo(applied);

    this.becomeFollower(this.term, NONE);
    this.prevHardState = hardState;
    this.prevSoftState = this.softState();
  }

  // ---------------------------------------------------------------- inputs

  /** Advances logical time by one tick. */
  tick(): void {
    if (this.role === StateRole.leader) this.tickHeartbeat();
    else this.tickElection();
  }

  /** Processes a message from a peer. */
  step(m: RaftMessage): void {
    if (m.to !== this.id) return; // misrouted; not ours to answer
    if (m.type === MessageType.MsgHup) {
      this.hup(false);
      return;
    }
    if (m.term === 0) {
      // Forwarded requests (MsgReadIndex, MsgTransferLeader) carry no term.
    } else if (m.term > this.term) {
      if (m.type === MessageType.MsgVote || m.type === MessageType.MsgPreVote) {
        const force = bytesEqual(m.context, CAMPAIGN_TRANSFER_CONTEXT);
        const inLease =
          this.cfg.checkQuorum &&
          this.lead !== NONE &&
          (this.role === StateRole.leader || this.electionElapsed < this.cfg.electionTicks);
        // Leader stickiness (thesis 4.2.3): while a leader is heard from, a vote request comes
        // from a disruptive server; ignore it without even adopting its term.
        if (!force && inLease) return;
      }
      if (m.type === MessageType.MsgPreVote) {
        // A pre-vote never changes anyone's term.
      } else if (m.type === MessageType.MsgPreVoteResp && !m.reject) {
        // Granted pre-votes carry the future term we asked about; we adopt it on winning.
      } else if (
        m.type === MessageType.MsgApp ||
        m.type === MessageType.MsgHeartbeat ||
        m.type === MessageType.MsgSnap
      ) {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if (
        (this.cfg.checkQuorum || this.cfg.preVote) &&
        (m.type === MessageType.MsgHeartbeat || m.type === MessageType.MsgApp)
      ) {
        // A stale leader cut off from the cluster learns our term from this and steps down;
        // with pre-vote or check-quorum nothing else would tell it.
        this.send({ type: MessageType.MsgAppResp, to: m.from });
      } else if (m.type === MessageType.MsgPreVote) {
        this.send({ type: MessageType.MsgPreVoteResp, to: m.from, reject: true });
      }
      return;
    }

    if (m.type === MessageType.MsgVote || m.type === MessageType.MsgPreVote) {
      this.handleVoteRequest(m);
      return;
    }
    this.stepRole(m);
  }

  /** Starts an election now (through pre-vote if enabled), as if the election timeout expired. */
  campaign(): void {
    this.hup(false);
  }

  /**
   * The application learned that `id`, the leader this node follows, is gone: its connection
   * dropped and its address answers nothing. This node stops taking it as leader, so its lease
   * (leader stickiness) no longer refuses other candidates' votes. The lowest-id other voter
   * campaigns on the next tick; the rest keep their election timeouts as they run, so the
   * survivors, who learn it at about the same moment, do not split their votes. A wrong report
   * costs at most an election: a leader that is alive takes its followers back with its next
   * heartbeat, or loses to a candidate by the usual rules.
   */
  leaderGone(id: NodeId): void {
    if (id === NONE || this.role === StateRole.leader || this.lead !== id) return;
    this.lead = NONE;
    if (this.sortedVoters().find((v) => v !== id) !== this.id || !this.promotable()) return;
    this.electionElapsed = Math.max(this.electionElapsed, this.randomizedElectionTimeout - 1);
  }

  /** Appends `data` to the log if this node is the leader. */
  propose(data: Uint8Array): ProposalResult {
    const refusal = this.checkProposal(data.byteLength);
    if (refusal !== undefined) return refusal;
    const entry = this.appendEntry(EntryType.normal, data);
    return { ok: true, index: entry.index, term: entry.term };
  }

  /** Proposes a single-server membership change. Refused while another change is not yet
   * applied, and until this leader has committed an entry of its term (the fix for the
   * single-server change bug found on raft-dev in 2015). */
  proposeConfChange(change: ConfChange): ProposalResult {
    if (this.role === StateRole.leader && !this.committedEntryInCurrentTerm()) {
      return this.refuse(ProposalRefusal.notCommittedInTerm);
    }
    if (this.role === StateRole.leader && this.pendingConfIndex > this.log.applied) {
      return this.refuse(ProposalRefusal.confChangePending, `change at ${this.pendingConfIndex} not yet applied`);
    }
    const outcome = applyConfChange(this.trk.confState(), change);
    if (!outcome.ok) return this.refuse(ProposalRefusal.invalidConfChange, outcome.detail);
    const data = encodeConfChangeEntry({ change, confState: outcome.confState });
    const refusal = this.checkProposal(data.byteLength);
    if (refusal !== undefined) return refusal;
    const entry = this.appendEntry(EntryType.confChange, data);
    this.pendingConfIndex = entry.index;
    return { ok: true, index: entry.index, term: entry.term };
  }

  /** Hands leadership to `to` (on the leader) or forwards the request to the leader. Returns
   * false if no leader is known. The outcome shows in a later Ready's softState. */
  transferLeadership(to: NodeId): boolean {
    if (this.role === StateRole.leader) {
      this.handleTransferLeader(to);
      return true;
    }
    if (this.lead === NONE) return false;
    this.msgs.push(message({ type: MessageType.MsgTransferLeader, from: to, to: this.lead, term: 0 }));
    return true;
  }

  /** Asks for a linearizable read point. `context` identifies the request (unique per cluster,
   * e.g. node id + counter); the answer is a ReadState in a later Ready. */
  readIndex(context: Uint8Array): ReadIndexResult {
    if (this.role === StateRole.leader) {
      if (this.readOnly.full() || this.pendingReadIndex.length >= this.cfg.maxPendingReadIndex) {
        return { ok: false, reason: ReadIndexRefusal.tooManyPending };
      }
      this.handleReadIndex(message({ type: MessageType.MsgReadIndex, from: this.id, to: this.id, term: 0, context }));
      return { ok: true };
    }
    if (this.lead === NONE) return { ok: false, reason: ReadIndexRefusal.noLeader };
    this.msgs.push(message({ type: MessageType.MsgReadIndex, from: this.id, to: this.lead, term: 0, context }));
    return { ok: true };
  }

  /** The transport could not reach `id`: stop pipelining to it and probe instead. */
  reportUnreachable(id: NodeId): void {
    const pr = this.trk.progress.get(id);
    if (this.role !== StateRole.leader || pr === undefined) return;
    if (pr.state === ProgressState.replicate) pr.becomeProbe();
  }

  /** The transport finished (ok) or failed to deliver a MsgSnap to `id`. */
  reportSnapshot(id: NodeId, ok: boolean): void {
    const pr = this.trk.progress.get(id);
    if (this.role !== StateRole.leader || pr === undefined || pr.state !== ProgressState.snapshot) return;
    if (!ok) pr.pendingSnapshot = 0;
    pr.becomeProbe();
    // Wait for the next heartbeat reply before probing: the follower may still be installing.
    pr.probeSent = true;
  }

  // ---------------------------------------------------------------- Ready / advance

  hasReady(): boolean {
    if (this.readyOutstanding) return false;
    if (this.broadcastPending && this.role === StateRole.leader) return true;
    const soft = this.softState();
    if (soft.lead !== this.prevSoftState.lead || soft.role !== this.prevSoftState.role) return true;
    if (!isHardStateEqual(this.hardState(), this.prevHardState)) return true;
    return (
      this.log.unstable.snapshot !== undefined ||
      this.log.unstable.entries.length > 0 ||
      this.msgs.length > 0 ||
      this.readStates.length > 0 ||
      this.log.hasNextCommittedEntries()
    );
  }

  ready(): Ready {
    assert(!this.readyOutstanding, 'ready() called before advance() of the previous Ready');
    if (this.broadcastPending) {
      this.broadcastPending = false;
      if (this.role === StateRole.leader) this.bcastAppend();
    }
    const soft = this.softState();
    const hard = this.hardState();
    const softChanged = soft.lead !== this.prevSoftState.lead || soft.role !== this.prevSoftState.role;
    const hardChanged = !isHardStateEqual(hard, this.prevHardState);
    const entries = this.log.unstable.entries.slice();
    const snapshot = this.log.unstable.snapshot;
    const committedEntries = this.log.nextCommittedEntries(this.cfg.maxCommittedBytesPerReady);
    const rd: Ready = {
      ...(softChanged ? { softState: soft } : {}),
      ...(hardChanged ? { hardState: hard } : {}),
      entries,
      ...(snapshot !== undefined ? { snapshot } : {}),
      committedEntries,
      messages: this.msgs,
      readStates: this.readStates,
      mustSync: entries.length > 0 || hard.term !== this.prevHardState.term || hard.vote !== this.prevHardState.vote,
    };
    this.msgs = [];
    this.readStates = [];
    this.prevSoftState = soft;
    this.prevHardState = hard;
    const lastCommitted = committedEntries[committedEntries.length - 1];
    if (lastCommitted !== undefined) this.log.applying = lastCommitted.index;
    this.readyOutstanding = true;
    return rd;
  }

  /** The driver persisted, sent and applied `rd` (see ready.ts for the order). */
  advance(rd: Ready): void {
    assert(this.readyOutstanding, 'advance() without an outstanding Ready');
    this.readyOutstanding = false;
    if (rd.snapshot !== undefined) {
      const meta = rd.snapshot.metadata;
      this.log.unstable.stableSnapTo(meta.index);
      if (meta.index > this.log.applied) {
        this.log.appliedTo(meta.index);
        this.appliedConf = meta.confState;
      }
    }
    const lastEntry = rd.entries[rd.entries.length - 1];
    if (lastEntry !== undefined) this.log.unstable.stableTo(lastEntry.index, lastEntry.term);
    for (const e of rd.committedEntries) {
      if (this.role === StateRole.leader)
        this.uncommittedBytes = Math.max(0, this.uncommittedBytes - entryPayloadBytes(e));
      if (e.type !== EntryType.confChange || e.index <= this.log.applied) continue;
      const { confState } = decodeConfChangeEntry(e.data);
      this.appliedConf = confState;
      if (e.index > this.confIndex) this.applyConfState(confState, e.index);
    }
    const lastApplied = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastApplied !== undefined && lastApplied.index > this.log.applied) this.log.appliedTo(lastApplied.index);
  }

  // ---------------------------------------------------------------- observers

  status(): RaftStatus {
    const progress = new Map<NodeId, ProgressStatus>();
    if (this.role === StateRole.leader) {
      for (const [id, pr] of this.trk.progress) {
        progress.set(id, {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          isLearner: pr.isLearner,
          inflight: pr.inflights.size(),
        });
      }
    }
    return { ...this.basicStatus(), leadTransferee: this.leadTransferee, confState: this.trk.confState(), progress };
  }

  /** The cheap part of status(), without allocating per-member data. */
  basicStatus(): BasicStatus {
    return {
      id: this.id,
      term: this.term,
      vote: this.vote,
      lead: this.lead,
      role: this.role,
      commit: this.log.committed,
      applied: this.log.applied,
      firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(),
    };
  }

  softState(): SoftState {
    return { lead: this.lead, role: this.role };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  /** The configuration in force now (may run ahead of the applied index after a restart). */
  confState(): ConfState {
    return this.trk.confState();
  }

  /** The configuration as of the applied index: record this in a snapshot taken at `applied`. */
  appliedConfState(): ConfState {
    return this.appliedConf;
  }

  /** Entries [lo, hi) of this node's log, for tests and checkers. Undefined if compacted. */
  logEntries(lo: number, hi: number): Entry[] | undefined {
    return this.log.slice(lo, Math.min(hi, this.log.lastIndex() + 1), Infinity);
  }

  /** The term of log entry `index`, or undefined if compacted or absent. */
  logTerm(index: number): number | undefined {
    return this.log.term(index);
  }

  // ---------------------------------------------------------------- timers

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    for (const [id, pr] of this.trk.progress) {
      if (id === this.id) continue;
      pr.ticksSinceHeard++;
      if (pr.state === ProgressState.snapshot && ++pr.snapshotTicks >= 4 * this.cfg.electionTicks) {
        // The snapshot or its acknowledgement was lost; probe again (which resends it if needed).
        pr.becomeProbe();
      }
    }
    // Check-quorum, evaluated every tick: a leader that has not heard from a quorum of voters
    // for one election timeout steps down, before any follower's (longer) timeout lets a new
    // leader be elected, so two leaders never both believe they hold a lease.
    if (this.cfg.checkQuorum && !this.trk.quorumActive(this.id, this.cfg.electionTicks)) {
      this.becomeFollower(this.term, NONE);
      return;
    }
    if (this.electionElapsed >= this.cfg.electionTicks) {
      this.electionElapsed = 0;
      // A transfer that did not finish within an election timeout is abandoned.
      if (this.leadTransferee !== NONE) this.leadTransferee = NONE;
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat();
    }
  }

  // ---------------------------------------------------------------- role changes

  private becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.role = StateRole.follower;
    this.stepRole = (m) => this.stepFollower(m);
  }

  private becomePreCandidate(): void {
    assert(this.role !== StateRole.leader, 'leader cannot become pre-candidate');
    // Changes neither term nor vote: a pre-candidate that loses has disturbed nobody.
    this.trk.resetVotes();
    this.lead = NONE;
    this.role = StateRole.preCandidate;
    this.stepRole = (m) => this.stepCandidate(m);
  }

  private becomeCandidate(): void {
    assert(this.role !== StateRole.leader, 'leader cannot become candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = StateRole.candidate;
    this.stepRole = (m) => this.stepCandidate(m);
  }

  private becomeLeader(): void {
    assert(this.role === StateRole.candidate, 'only a candidate becomes leader');
    this.reset(this.term);
    this.lead = this.id;
    this.role = StateRole.leader;
    this.stepRole = (m) => this.stepLeader(m);
    const self = this.trk.progress.get(this.id);
    assert(self !== undefined, 'a leader is a member');
    self.match = this.log.lastIndex();
    self.becomeReplicate();
    // No configuration change until every entry from earlier terms is applied.
    this.pendingConfIndex = this.log.lastIndex();
    // The no-op of paper 5.4.2 / figure 8: entries of earlier terms commit only indirectly,
    // once an entry of this term is replicated to a quorum.
    this.appendEntry(EntryType.normal, new Uint8Array(0));
  }

  private reset(term: number): void {
    assert(term >= this.term, `term moved backwards: ${this.term} -> ${term}`);
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.cfg.electionTicks + this.cfg.prng.nextInt(0, this.cfg.electionTicks);
    this.leadTransferee = NONE;
    this.trk.resetVotes();
    this.trk.resetProgress(this.log.lastIndex() + 1);
    this.pendingConfIndex = 0;
    this.uncommittedBytes = 0;
    this.readOnly.reset();
    this.pendingReadIndex = [];
    this.broadcastPending = false;
  }

  private promotable(): boolean {
    return this.trk.isVoter(this.id) && !this.log.hasPendingSnapshot();
  }

  // ---------------------------------------------------------------- elections

  private hup(transfer: boolean): void {
    if (this.role === StateRole.leader) return;
    if (!this.promotable()) return;
    // A committed configuration change not yet applied would change who may vote.
    if (this.hasUnappliedConfChanges()) return;
    this.campaignAs(transfer ? 'transfer' : this.cfg.preVote ? 'preElection' : 'election');
  }

  private campaignAs(kind: CampaignKind): void {
    let voteType: typeof MessageType.MsgVote | typeof MessageType.MsgPreVote;
    let term: number;
    if (kind === 'preElection') {
      this.becomePreCandidate();
      voteType = MessageType.MsgPreVote;
      term = this.term + 1; // the term we would campaign in; ours stays unchanged
    } else {
      this.becomeCandidate();
      voteType = MessageType.MsgVote;
      term = this.term;
    }
    this.trk.recordVote(this.id, true);
    if (this.trk.voteResult() === VoteResult.won) {
      // A single voter wins at once.
      if (kind === 'preElection') this.campaignAs('election');
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const id of this.sortedVoters()) {
      if (id === this.id) continue;
      this.send({
        type: voteType,
        to: id,
        term,
        index: lastIndex,
        logTerm: lastTerm,
        ...(kind === 'transfer' ? { context: CAMPAIGN_TRANSFER_CONTEXT } : {}),
      });
    }
  }

  private handleVoteRequest(m: RaftMessage): void {
    const isPre = m.type === MessageType.MsgPreVote;
    const respType = isPre ? MessageType.MsgPreVoteResp : MessageType.MsgVoteResp;
    // Paper 5.2: at most one vote per term, first come first served; a pre-vote for a future
    // term is free. Learners answer too: one just promoted may not know it yet, and the
    // candidate counts only those its configuration lists as voters.
    const canVote = this.vote === m.from || (this.vote === NONE && this.lead === NONE) || (isPre && m.term > this.term);
    // Paper 5.4.1: only for a candidate whose log is at least as up-to-date as ours.
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      this.send({ type: respType, to: m.from, term: m.term });
      if (!isPre) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: respType, to: m.from, reject: true });
    }
  }

  // ---------------------------------------------------------------- role step functions

  private stepFollower(m: RaftMessage): void {
    switch (m.type) {
      case MessageType.MsgApp:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return;
      case MessageType.MsgHeartbeat:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case MessageType.MsgSnap:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case MessageType.MsgTransferLeader:
        if (this.lead !== NONE) this.msgs.push({ ...m, to: this.lead });
        return;
      case MessageType.MsgTimeoutNow:
        // The leader chose us: campaign now, with a real vote (no pre-vote) that voters accept
        // despite leader stickiness.
        this.hup(true);
        return;
      case MessageType.MsgReadIndex:
        if (this.lead !== NONE) this.msgs.push({ ...m, to: this.lead });
        return;
      case MessageType.MsgReadIndexResp:
        this.readStates.push({ index: m.index, context: m.context });
        return;
      default:
        return; // stale responses from an earlier role
    }
  }

  private stepCandidate(m: RaftMessage): void {
    const myVoteResp = this.role === StateRole.preCandidate ? MessageType.MsgPreVoteResp : MessageType.MsgVoteResp;
    switch (m.type) {
      case MessageType.MsgApp:
        this.becomeFollower(m.term, m.from); // a leader exists in our term
        this.handleAppendEntries(m);
        return;
      case MessageType.MsgHeartbeat:
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case MessageType.MsgSnap:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case myVoteResp: {
        this.trk.recordVote(m.from, !m.reject);
        const result = this.trk.voteResult();
        if (result === VoteResult.won) {
          if (this.role === StateRole.preCandidate) this.campaignAs('election');
          else this.becomeLeader();
        } else if (result === VoteResult.lost) {
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
      default:
        return;
    }
  }

  private stepLeader(m: RaftMessage): void {
    switch (m.type) {
      case MessageType.MsgAppResp:
        this.handleAppendResponse(m);
        return;
      case MessageType.MsgHeartbeatResp:
        this.handleHeartbeatResponse(m);
        return;
      case MessageType.MsgReadIndex:
        if (!this.readOnly.full() && this.pendingReadIndex.length < this.cfg.maxPendingReadIndex)
          this.handleReadIndex(m);
        return;
      case MessageType.MsgTransferLeader:
        this.handleTransferLeader(m.from);
        return;
      case MessageType.MsgApp:
      case MessageType.MsgHeartbeat:
      case MessageType.MsgSnap:
        assert(false, `two leaders in term ${this.term}: ${this.id} and ${m.from}`);
        return;
      default:
        return;
    }
  }

  // ---------------------------------------------------------------- follower handlers

  private handleAppendEntries(m: RaftMessage): void {
    if (m.index < this.log.committed) {
      // Already committed here: tell the leader where we are instead of re-checking.
      this.send({ type: MessageType.MsgAppResp, to: m.from, index: this.log.committed });
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      this.send({ type: MessageType.MsgAppResp, to: m.from, index: lastNew });
      return;
    }
    // Fast backtracking: point the leader at the last entry that could still match, skipping
    // whole terms of our divergent tail instead of one entry per round trip.
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.send({
      type: MessageType.MsgAppResp,
      to: m.from,
      index: m.index,
      reject: true,
      rejectHint: hint.index,
      logTerm: hint.term,
    });
  }

  private handleHeartbeat(m: RaftMessage): void {
    this.log.commitTo(m.commit);
    this.send({ type: MessageType.MsgHeartbeatResp, to: m.from, context: m.context });
  }

  private handleSnapshot(m: RaftMessage): void {
    const snap = m.snapshot;
    // `== null`: a protobuf decoder may hand an absent message field over as null.
    if (snap == null) return;
    const { index, term, confState } = snap.metadata;
    if (index <= this.log.committed) {
      this.send({ type: MessageType.MsgAppResp, to: m.from, index: this.log.committed });
      return;
    }
    if (this.log.matchTerm(index, term)) {
      // We hold the snapshot's last entry: just fast-forward the commit.
      this.log.commitTo(index);
      this.send({ type: MessageType.MsgAppResp, to: m.from, index: this.log.committed });
      return;
    }
    this.log.restore(snap);
    this.trk.setConf(confState, this.log.lastIndex() + 1);
    this.confIndex = index;
    this.send({ type: MessageType.MsgAppResp, to: m.from, index: this.log.lastIndex() });
  }

  // ---------------------------------------------------------------- leader handlers

  private handleAppendResponse(m: RaftMessage): void {
    const pr = this.trk.progress.get(m.from);
    if (pr === undefined) return;
    pr.ticksSinceHeard = 0;
    if (m.reject) {
      let nextProbe = m.rejectHint;
      if (m.logTerm > 0) nextProbe = this.log.findConflictByTerm(m.rejectHint, m.logTerm).index;
      if (pr.maybeDecrTo(m.index, nextProbe)) {
        if (pr.state === ProgressState.replicate) pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index) && !(pr.match === m.index && pr.state === ProgressState.probe)) return;
    if (pr.state === ProgressState.probe) {
      pr.becomeReplicate();
    } else if (pr.state === ProgressState.snapshot && pr.match + 1 >= this.log.firstIndex()) {
      // The follower installed the snapshot (or caught up otherwise): resume from its match.
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === ProgressState.replicate) {
      pr.inflights.freeLE(m.index);
    }
    if (this.maybeCommit()) {
      this.bcastAppend();
    } else if (wasPaused) {
      this.sendAppend(m.from);
    }
    // Pipelining: fill the in-flight window with whatever is left to send.
    for (let i = 0; i < this.cfg.maxInflightMsgs && this.maybeSendAppend(m.from, false); i++);
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(m.from);
  }

  private handleHeartbeatResponse(m: RaftMessage): void {
    const pr = this.trk.progress.get(m.from);
    if (pr === undefined) return;
    pr.ticksSinceHeard = 0;
    pr.probeSent = false;
    // A full window with a live follower means appends were lost (a dropping network reports
    // nothing): free one slot so the next append goes out; if the follower misses what came
    // before, it rejects it and the leader falls back to probing.
    if (pr.state === ProgressState.replicate && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.match < this.log.lastIndex()) this.sendAppend(m.from);
    if (m.context.byteLength === 0) return;
    const acks = this.readOnly.recvAck(m.from, m.context);
    if (acks === undefined || !this.trk.hasQuorum(acks)) return;
    for (const status of this.readOnly.advance(m.context)) this.respondReadIndex(status.request, status.index);
  }

  private handleReadIndex(m: RaftMessage): void {
    if (this.trk.voters.size === 1 && this.trk.isVoter(this.id)) {
      this.respondReadIndex(m, this.log.committed);
      return;
    }
    // Until an entry of this term commits, our commit index may lag what an earlier leader
    // committed (thesis 6.4): postpone.
    if (!this.committedEntryInCurrentTerm()) {
      this.pendingReadIndex.push(m);
      return;
    }
    this.sendReadIndexRequest(m);
  }

  private sendReadIndexRequest(m: RaftMessage): void {
    this.readOnly.addRequest(this.log.committed, m);
    const acks = this.readOnly.recvAck(this.id, m.context);
    if (acks !== undefined && this.trk.hasQuorum(acks)) {
      for (const status of this.readOnly.advance(m.context)) this.respondReadIndex(status.request, status.index);
      return;
    }
    this.bcastHeartbeatWithContext(m.context);
  }

  private respondReadIndex(request: RaftMessage, index: number): void {
    if (request.from === this.id || request.from === NONE) {
      this.readStates.push({ index, context: request.context });
    } else {
      this.send({ type: MessageType.MsgReadIndexResp, to: request.from, index, context: request.context });
    }
  }

  private releasePendingReadIndex(): void {
    if (this.pendingReadIndex.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const pending = this.pendingReadIndex;
    this.pendingReadIndex = [];
    for (const m of pending) this.sendReadIndexRequest(m);
  }

  private handleTransferLeader(target: NodeId): void {
    if (!this.trk.isVoter(target)) return; // learners and strangers cannot lead
    if (this.leadTransferee !== NONE) {
      if (this.leadTransferee === target) return;
      this.leadTransferee = NONE;
    }
    if (target === this.id) return;
    // The transfer must finish within an election timeout (counted from now).
    this.electionElapsed = 0;
    this.leadTransferee = target;
    const pr = this.trk.progress.get(target);
    assert(pr !== undefined, 'voters have progress');
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(target);
    else this.sendAppend(target);
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send({ type: MessageType.MsgTimeoutNow, to });
  }

  // ---------------------------------------------------------------- replication

  private checkProposal(sizeBytes: number): ProposalResult | undefined {
    if (this.role !== StateRole.leader || !this.trk.isVoter(this.id)) return this.refuse(ProposalRefusal.notLeader);
    if (this.leadTransferee !== NONE) return this.refuse(ProposalRefusal.transferringLeadership);
    if (sizeBytes > this.cfg.maxProposalBytes) return this.refuse(ProposalRefusal.tooLarge, `${sizeBytes} bytes`);
    // A leader that cannot commit (lost quorum, slow followers) refuses instead of growing
    // without bound. An empty budget always admits one proposal so a large one is not stuck.
    if (this.uncommittedBytes > 0 && this.uncommittedBytes + sizeBytes > this.cfg.maxUncommittedBytes) {
      return this.refuse(ProposalRefusal.uncommittedLimit, `${this.uncommittedBytes} bytes uncommitted`);
    }
    return undefined;
  }

  private refuse(reason: ProposalRefusal, detail?: string): ProposalResult {
    return detail === undefined
      ? { ok: false, reason, leaderId: this.lead }
      : { ok: false, reason, leaderId: this.lead, detail };
  }

  private appendEntry(type: EntryType, data: Uint8Array): Entry {
    const entry: Entry = { term: this.term, index: this.log.lastIndex() + 1, type, data };
    this.log.append([entry]);
    this.uncommittedBytes += entryPayloadBytes(entry);
    const self = this.trk.progress.get(this.id);
    assert(self !== undefined, 'a leader is a member');
    // Counting our own unpersisted entry is safe: no ack for it can arrive before the Ready
    // carrying it is persisted, because every message is sent only after its Ready persisted.
    self.maybeUpdate(entry.index);
    this.maybeCommit();
    this.broadcastPending = true;
    return entry;
  }

  private committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  /** Paper 5.3/5.4.2: commit the highest index a quorum holds, only if it is of this term. */
  private maybeCommit(): boolean {
    const index = this.trk.committedIndex();
    if (index <= this.log.committed || this.log.term(index) !== this.term) return false;
    this.log.commitTo(index);
    this.releasePendingReadIndex();
    return true;
  }

  private sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  /** Sends the next batch of entries to `to` if its progress allows. Returns whether a message
   * was sent (an empty append only if `sendIfEmpty`, to carry the commit index or probe). */
  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.trk.progress.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    assert(pr.next <= this.log.lastIndex() + 1, `next ${pr.next} of ${to} beyond last index ${this.log.lastIndex()}`);
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    const entries = prevTerm === undefined ? undefined : this.log.entriesFrom(pr.next, this.cfg.maxSizePerMsgBytes);
    if (prevTerm === undefined || entries === undefined) return this.sendSnapshot(to, pr);
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({
      type: MessageType.MsgApp,
      to,
      index: prevIndex,
      logTerm: prevTerm,
      entries,
      commit: this.log.committed,
    });
    let bytes = 0;
    for (const e of entries) bytes += entrySizeBytes(e);
    pr.sentEntries(entries.length, prevIndex + entries.length, bytes);
    return true;
  }

  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    // Do not ship a snapshot to a node that does not answer.
    if (pr.ticksSinceHeard >= this.cfg.electionTicks) return false;
    const snapshot = this.log.snapshot();
    assert(snapshot.metadata.index > 0, 'entries were compacted but no snapshot exists');
    this.send({ type: MessageType.MsgSnap, to, snapshot });
    pr.becomeSnapshot(snapshot.metadata.index);
    return true;
  }

  private bcastAppend(): void {
    for (const id of this.sortedMembers()) if (id !== this.id) this.sendAppend(id);
  }

  private bcastHeartbeat(): void {
    this.bcastHeartbeatWithContext(this.readOnly.lastPendingContext());
  }

  private bcastHeartbeatWithContext(context: Uint8Array | undefined): void {
    for (const id of this.sortedMembers()) {
      if (id === this.id) continue;
      const pr = this.trk.progress.get(id);
      assert(pr !== undefined, 'members have progress');
      // Never tell a follower to commit past what it is known to hold.
      const commit = Math.min(pr.match, this.log.committed);
      this.send({ type: MessageType.MsgHeartbeat, to: id, commit, ...(context !== undefined ? { context } : {}) });
    }
  }

  // ---------------------------------------------------------------- membership

  private hasUnappliedConfChanges(): boolean {
    if (this.log.applied >= this.log.committed) return false;
    const entries = this.log.slice(this.log.applied + 1, this.log.committed + 1, Infinity) ?? [];
    return entries.some((e) => e.type === EntryType.confChange);
  }

  private applyConfState(conf: ConfState, index: number): void {
    this.trk.setConf(conf, this.log.lastIndex() + 1);
    this.confIndex = index;
    if (this.role !== StateRole.leader) return;
    if (!this.trk.isVoter(this.id)) {
      // Removed (or demoted): a leader outside the configuration must not go on leading.
      this.becomeFollower(this.term, NONE);
      return;
    }
    if (this.leadTransferee !== NONE && !this.trk.isVoter(this.leadTransferee)) this.leadTransferee = NONE;
    // The quorum may have shrunk: entries may now be committed.
    if (this.maybeCommit()) this.bcastAppend();
    else for (const id of this.sortedMembers()) if (id !== this.id) this.maybeSendAppend(id, false);
  }

  // ---------------------------------------------------------------- helpers

  private send(fields: Pick<RaftMessage, 'type' | 'to'> & Partial<RaftMessage>): void {
    this.msgs.push(message({ from: this.id, term: this.term, ...fields }));
  }

  private sortedVoters(): NodeId[] {
    return [...this.trk.voters].sort((a, b) => a - b);
  }

  private sortedMembers(): NodeId[] {
    return [...this.trk.progress.keys()].sort((a, b) => a - b);
  }
}
