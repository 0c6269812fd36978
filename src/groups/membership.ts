// The classic group membership protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) on one
// group, with Kafka's rules:
// * A rebalance (PreparingRebalance) waits until every known member has rejoined, or until the
//   longest rebalance timeout; members that did not rejoin are dropped. The first rebalance of an
//   empty group waits `initialRebalanceDelayMs` more (extended while new members keep arriving,
//   never past the rebalance timeout) so a group starting many consumers rebalances once.
// * Completing the join bumps the generation, selects a protocol every member supports, answers
//   every waiting JoinGroup (the leader gets the members' metadata) and enters CompletingRebalance.
// * The leader's SyncGroup carries the assignment; it is written to __consumer_offsets and, once
//   durable, every member gets its part (empty bytes when the leader gave it none): Stable.
// * A member that sends nothing for its session timeout is removed, which triggers a rebalance;
//   a member waiting on the coordinator (in a join or a sync) is not expired meanwhile.
// * A rebalance that waits for nobody completes at once: when the last member leaves or expires,
//   the group is Empty (new generation stored) by the time the LeaveGroup is answered.
// * v4+ clients with no member id get MEMBER_ID_REQUIRED and a fresh id to join with.
// * Static members (group.instance.id) keep their place across restarts: a rejoin without a
//   member id takes over the instance's membership, and the old member id is fenced. In a Stable
//   group that changes nothing else, leader or follower (rejoinStaticMember).
// Every timer comes from the Scheduler, so the whole machine runs on a fake clock in tests.
import { assert, ErrorCode, limits, type Logger } from '../common/index.js';
import { ClassicGroup, GroupState } from './group.js';
import { EMPTY_BYTES, Member, type JoinResult, type MemberProtocol, type SyncResult } from './member.js';
import type { GroupMetadataValue } from './records.js';
import type { Scheduler } from './scheduler.js';

export interface JoinGroupParams {
  readonly groupId: string;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly sessionTimeoutMs: number;
  /** v0 has none: the caller passes the session timeout. */
  readonly rebalanceTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: readonly MemberProtocol[];
  /** JoinGroup v4+: an unknown member first gets MEMBER_ID_REQUIRED and an id. */
  readonly requireKnownMemberId: boolean;
}

export interface SyncGroupParams {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** v5+; null: not checked. */
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignments: readonly { memberId: string; assignment: Buffer }[];
}

export interface HeartbeatParams {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface MemberIdentity {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface LeaveResult {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly errorCode: number;
}

/** What a rejoin may change on a member, kept to undo it. */
interface MemberSnapshot {
  readonly protocols: readonly MemberProtocol[];
  readonly clientId: string;
  readonly clientHost: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
}

export interface MembershipOptions {
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  readonly initialRebalanceDelayMs: number;
  /** Told when a group begins a rebalance (the rebalance counter). */
  readonly onRebalance?: (groupId: string) => void;
}

export interface MembershipDeps {
  readonly options: MembershipOptions;
  readonly scheduler: Scheduler;
  readonly log: Logger;
  newMemberId(prefix: string): string;
  /** Writes the group's metadata record; resolves with NONE once durable, else the error to answer. */
  storeGroup(group: ClassicGroup, value: GroupMetadataValue): Promise<number>;
}

export function joinError(errorCode: number, memberId = ''): JoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId, members: [] };
}

export function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES };
}

export class GroupMembership {
  constructor(private readonly deps: MembershipDeps) {}

  private get now(): number {
    return this.deps.scheduler.now();
  }

  // ------------------------------------------------------------------ JoinGroup

  /** `group` exists (the caller creates it for an unknown member) and is not Dead. */
  join(group: ClassicGroup, req: JoinGroupParams): Promise<JoinResult> {
    const { minSessionTimeoutMs, maxSessionTimeoutMs } = this.deps.options;
    if (req.sessionTimeoutMs < minSessionTimeoutMs || req.sessionTimeoutMs > maxSessionTimeoutMs) {
      return Promise.resolve(joinError(ErrorCode.INVALID_SESSION_TIMEOUT, req.memberId));
    }
    const self = req.memberId === '' ? null : (group.members.get(req.memberId) ?? null);
    if (!group.supportsProtocols(req.protocolType, req.protocols, self)) {
      return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
    }
    return req.memberId === '' ? this.joinUnknownMember(group, req) : this.joinKnownMember(group, req);
  }

  private joinUnknownMember(group: ClassicGroup, req: JoinGroupParams): Promise<JoinResult> {
    if (req.groupInstanceId !== null) {
      const newId = this.deps.newMemberId(req.groupInstanceId);
      if (group.staticMembers.has(req.groupInstanceId)) return this.rejoinStaticMember(group, req, newId);
      if (group.size >= limits.groupMembersMax) return Promise.resolve(joinError(ErrorCode.GROUP_MAX_SIZE_REACHED));
      return this.addMemberAndRebalance(group, newId, req);
    }
    if (group.size + group.pendingMembers.size >= limits.groupMembersMax) {
      return Promise.resolve(joinError(ErrorCode.GROUP_MAX_SIZE_REACHED));
    }
    const newId = this.deps.newMemberId(req.clientId);
    if (req.requireKnownMemberId) {
      // The id is only reserved: the member joins when it comes back with it, within its session.
      const timer = this.deps.scheduler.schedule(req.sessionTimeoutMs, () => {
        if (group.pendingMembers.get(newId) !== timer) return;
        group.pendingMembers.delete(newId);
        this.tryCompleteJoin(group);
      });
      group.pendingMembers.set(newId, timer);
      return Promise.resolve(joinError(ErrorCode.MEMBER_ID_REQUIRED, newId));
    }
    return this.addMemberAndRebalance(group, newId, req);
  }

  private joinKnownMember(group: ClassicGroup, req: JoinGroupParams): Promise<JoinResult> {
    const pending = group.pendingMembers.get(req.memberId);
    if (pending) {
      pending.cancel();
      group.pendingMembers.delete(req.memberId);
      return this.addMemberAndRebalance(group, req.memberId, req);
    }
    if (req.groupInstanceId !== null && group.staticMembers.get(req.groupInstanceId) !== req.memberId) {
      return Promise.resolve(joinError(ErrorCode.FENCED_INSTANCE_ID, req.memberId));
    }
    const member = group.members.get(req.memberId);
    if (!member) return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
    switch (group.state) {
      case GroupState.PreparingRebalance:
        return this.updateMemberAndRebalance(group, member, req, 'member rejoined');
      case GroupState.CompletingRebalance:
        // A retried join of this very generation: answer it again rather than start over.
        if (member.sameProtocols(req.protocols)) {
          this.scheduleSession(group, member);
          return Promise.resolve(this.joinResponse(group, member));
        }
        return this.updateMemberAndRebalance(group, member, req, 'member changed its protocols');
      case GroupState.Stable:
        // A follower rejoining unchanged just gets the current generation; the leader rejoining
        // (it may have seen metadata change) or a changed subscription needs a new assignment.
        if (!group.isLeader(member.memberId) && member.sameProtocols(req.protocols)) {
          this.scheduleSession(group, member);
          return Promise.resolve(this.joinResponse(group, member));
        }
        return this.updateMemberAndRebalance(
          group,
          member,
          req,
          group.isLeader(member.memberId) ? 'leader rejoined' : 'member changed its protocols',
        );
      case GroupState.Empty:
      case GroupState.Dead:
        return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
    }
  }

  /**
   * A static member came back without its member id (it restarted): it takes over the instance's
   * place under a new id, keeping its assignment, and the old id is fenced. As Kafka's
   * updateStaticMemberAndRebalance (KIP-345, 2.5+): in a Stable group whose chosen protocol it
   * leaves unchanged nothing rebalances, whichever member it is. The new id is stored, then the
   * member gets the current generation with the leader id as it was before the swap and no member
   * list: a restarted leader thus reads itself as a follower and syncs for its stored assignment
   * instead of assigning anew (Kafka does the same before JoinGroup v9's skipAssignment). A swap
   * during a rebalance, or one that changes the group's protocol, rebalances.
   */
  private rejoinStaticMember(group: ClassicGroup, req: JoinGroupParams, newId: string): Promise<JoinResult> {
    const instanceId = req.groupInstanceId;
    assert(instanceId !== null, 'only static members rejoin by instance id');
    assert(!group.is(GroupState.Empty) && !group.is(GroupState.Dead), 'a group with a static member has members');
    const oldId = group.staticMembers.get(instanceId)!;
    const old = group.members.get(oldId)!;
    // Whatever the old incarnation was waiting for is answered: it has been replaced.
    old.awaitingJoin?.(joinError(ErrorCode.FENCED_INSTANCE_ID, oldId));
    old.awaitingJoin = null;
    old.awaitingSync?.(syncError(ErrorCode.FENCED_INSTANCE_ID));
    old.awaitingSync = null;
    const leaderBefore = group.leaderId;
    const member = group.replaceStaticMember(instanceId, newId);
    this.deps.log.info(
      { groupId: group.groupId, instanceId, oldId, newId },
      'static member rejoined with a new member id',
    );
    if (!group.is(GroupState.Stable))
      return this.updateMemberAndRebalance(group, member, req, 'static member rejoined');
    const before = this.updateMember(group, member, req);
    if (group.selectProtocol() !== group.protocolName) {
      return this.updateMemberAndRebalance(group, member, req, 'static member rejoined with a change of protocol');
    }
    this.scheduleSession(group, member);
    const generationId = group.generationId;
    return new Promise<JoinResult>((resolve) => {
      // Waiting like any joiner: a rebalance that starts meanwhile counts it in and answers it.
      member.awaitingJoin = resolve;
      void this.deps.storeGroup(group, group.toRecordValue()).then((errorCode) => {
        // Answered by a rebalance, fenced by a newer restart, or counted in a rebalance under way
        // (whose stored assignment will carry the new id): nothing more to answer here.
        if (member.awaitingJoin !== resolve || !group.is(GroupState.Stable)) return;
        assert(group.generationId === generationId, 'a new generation answers every joiner');
        assert(group.staticMembers.get(instanceId) === newId, 'a newer restart answers the one it fences');
        member.awaitingJoin = null;
        if (errorCode !== ErrorCode.NONE) {
          // The log still names the old id: so does the group again, and the client retries.
          this.setMember(group, member, before);
          group.replaceStaticMember(instanceId, oldId);
          this.scheduleSession(group, member);
          resolve(joinError(errorCode));
          return;
        }
        this.scheduleSession(group, member);
        resolve({ ...this.joinResponse(group, member), leader: leaderBefore ?? '', members: [] });
      });
    });
  }

  /** Takes what a rejoin brings (protocols, client, timeouts); returns what it replaced. */
  private updateMember(group: ClassicGroup, member: Member, req: JoinGroupParams): MemberSnapshot {
    const before: MemberSnapshot = {
      protocols: member.protocols,
      clientId: member.clientId,
      clientHost: member.clientHost,
      sessionTimeoutMs: member.sessionTimeoutMs,
      rebalanceTimeoutMs: member.rebalanceTimeoutMs,
    };
    this.setMember(group, member, req);
    return before;
  }

  private setMember(group: ClassicGroup, member: Member, snapshot: MemberSnapshot): void {
    group.updateProtocols(member, snapshot.protocols);
    member.clientId = snapshot.clientId;
    member.clientHost = snapshot.clientHost;
    member.sessionTimeoutMs = snapshot.sessionTimeoutMs;
    member.rebalanceTimeoutMs = snapshot.rebalanceTimeoutMs;
  }

  private addMemberAndRebalance(group: ClassicGroup, memberId: string, req: JoinGroupParams): Promise<JoinResult> {
    const member = new Member(
      memberId,
      req.groupInstanceId,
      req.clientId,
      req.clientHost,
      req.rebalanceTimeoutMs,
      req.sessionTimeoutMs,
      req.protocolType,
      req.protocols,
    );
    return new Promise<JoinResult>((resolve) => {
      member.awaitingJoin = resolve;
      group.add(member);
      if (group.initialJoinDelay) group.initialJoinDelay.newMemberAdded = true;
      this.maybePrepareRebalance(group, `member ${memberId} joined`);
      this.tryCompleteJoin(group);
    });
  }

  private updateMemberAndRebalance(
    group: ClassicGroup,
    member: Member,
    req: JoinGroupParams,
    reason: string,
  ): Promise<JoinResult> {
    return new Promise<JoinResult>((resolve) => {
      // A second join from the same member while the first waits: the first is superseded.
      member.awaitingJoin?.(joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
      this.updateMember(group, member, req);
      member.awaitingJoin = resolve;
      this.maybePrepareRebalance(group, reason);
      this.tryCompleteJoin(group);
    });
  }

  private joinResponse(group: ClassicGroup, member: Member): JoinResult {
    const protocolName = group.protocolName;
    assert(protocolName !== null, 'a generation with members has a protocol');
    const leader = group.leaderId ?? '';
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName,
      leader,
      memberId: member.memberId,
      members:
        leader === member.memberId
          ? [...group.members.values()].map((m) => ({
              memberId: m.memberId,
              groupInstanceId: m.groupInstanceId,
              metadata: m.metadataFor(protocolName),
            }))
          : [],
    };
  }

  // ------------------------------------------------------------------ rebalancing

  maybePrepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.is(GroupState.Stable) || group.is(GroupState.CompletingRebalance) || group.is(GroupState.Empty)) {
      this.prepareRebalance(group, reason);
    }
  }

  private prepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.is(GroupState.CompletingRebalance)) this.resetAssignments(group, ErrorCode.REBALANCE_IN_PROGRESS);
    group.syncTimer?.cancel();
    group.syncTimer = null;
    group.pendingSyncMembers.clear();
    const wasEmpty = group.is(GroupState.Empty);
    group.transitionTo(GroupState.PreparingRebalance, this.now);
    this.deps.options.onRebalance?.(group.groupId);
    const rebalanceTimeoutMs = group.rebalanceTimeoutMs();
    const initialDelayMs = this.deps.options.initialRebalanceDelayMs;
    group.joinTimer?.cancel();
    if (wasEmpty && initialDelayMs > 0) {
      group.initialJoinDelay = { remainingMs: Math.max(rebalanceTimeoutMs - initialDelayMs, 0), newMemberAdded: false };
      this.scheduleJoinTimer(group, Math.min(initialDelayMs, rebalanceTimeoutMs));
    } else {
      group.initialJoinDelay = null;
      this.scheduleJoinTimer(group, rebalanceTimeoutMs);
    }
    this.deps.log.info(
      { groupId: group.groupId, generationId: group.generationId, reason, members: group.size },
      'preparing to rebalance group',
    );
    // As Kafka's tryCompleteElseWatch: a rebalance nobody needs to rejoin completes now. So the
    // last member's LeaveGroup (or session expiry) leaves the group Empty before it is answered.
    this.tryCompleteJoin(group);
  }

  private scheduleJoinTimer(group: ClassicGroup, delayMs: number): void {
    const timer = this.deps.scheduler.schedule(delayMs, () => {
      if (group.joinTimer !== timer) return;
      group.joinTimer = null;
      this.onJoinTimer(group);
    });
    group.joinTimer = timer;
  }

  private onJoinTimer(group: ClassicGroup): void {
    if (!group.is(GroupState.PreparingRebalance)) return;
    const delay = group.initialJoinDelay;
    if (delay && delay.newMemberAdded && delay.remainingMs > 0) {
      const initialDelayMs = this.deps.options.initialRebalanceDelayMs;
      const next = Math.min(initialDelayMs, delay.remainingMs);
      group.initialJoinDelay = { remainingMs: Math.max(delay.remainingMs - initialDelayMs, 0), newMemberAdded: false };
      this.scheduleJoinTimer(group, next);
      return;
    }
    this.completeJoin(group);
  }

  /** Completes the join early once every member is in, except during the initial delay. */
  tryCompleteJoin(group: ClassicGroup): void {
    if (group.is(GroupState.PreparingRebalance) && group.initialJoinDelay === null && group.allMembersJoined())
      this.completeJoin(group);
  }

  private completeJoin(group: ClassicGroup): void {
    assert(group.is(GroupState.PreparingRebalance), 'a join completes from PreparingRebalance');
    group.joinTimer?.cancel();
    group.joinTimer = null;
    group.initialJoinDelay = null;
    for (const member of group.notYetRejoined()) {
      this.deps.log.info(
        { groupId: group.groupId, memberId: member.memberId },
        'member did not rejoin in time; removing it',
      );
      this.dropMember(group, member);
    }
    for (const timer of group.pendingMembers.values()) timer.cancel();
    group.pendingMembers.clear();
    group.generationId += 1;
    if (group.size === 0) {
      group.protocolName = null;
      group.leaderId = null;
      group.transitionTo(GroupState.Empty, this.now);
      this.deps.log.info({ groupId: group.groupId, generationId: group.generationId }, 'group is empty');
      void this.deps.storeGroup(group, group.toRecordValue());
      return;
    }
    group.protocolName = group.selectProtocol();
    group.transitionTo(GroupState.CompletingRebalance, this.now);
    for (const member of group.members.values()) {
      member.assignment = EMPTY_BYTES;
      group.pendingSyncMembers.add(member.memberId);
    }
    this.deps.log.info(
      {
        groupId: group.groupId,
        generationId: group.generationId,
        protocol: group.protocolName,
        leader: group.leaderId,
        members: group.size,
      },
      'group rebalanced; waiting for the leader to assign',
    );
    for (const member of group.members.values()) {
      const respond = member.awaitingJoin;
      assert(respond !== null, 'every remaining member rejoined');
      member.awaitingJoin = null;
      this.scheduleSession(group, member);
      respond(this.joinResponse(group, member));
    }
    // Members that never send SyncGroup are dropped after the rebalance timeout, and the group rebalances.
    const generationId = group.generationId;
    const timer = this.deps.scheduler.schedule(group.rebalanceTimeoutMs(), () => {
      if (group.syncTimer !== timer) return;
      group.syncTimer = null;
      this.onPendingSyncExpired(group, generationId);
    });
    group.syncTimer = timer;
  }

  private onPendingSyncExpired(group: ClassicGroup, generationId: number): void {
    if (group.generationId !== generationId || group.pendingSyncMembers.size === 0) return;
    if (!group.is(GroupState.CompletingRebalance) && !group.is(GroupState.Stable)) return;
    for (const memberId of [...group.pendingSyncMembers]) {
      const member = group.members.get(memberId);
      this.deps.log.info({ groupId: group.groupId, memberId }, 'member did not sync in time; removing it');
      if (member) this.dropMember(group, member);
    }
    this.prepareRebalance(group, 'members did not sync in time');
  }

  /** Answers waiting SyncGroups with `errorCode` and forgets the generation's assignment. */
  private resetAssignments(group: ClassicGroup, errorCode: number): void {
    for (const member of group.members.values()) {
      member.assignment = EMPTY_BYTES;
      const respond = member.awaitingSync;
      member.awaitingSync = null;
      respond?.(syncError(errorCode));
    }
  }

  // ------------------------------------------------------------------ SyncGroup

  sync(group: ClassicGroup, req: SyncGroupParams): Promise<SyncResult> {
    if (req.groupInstanceId !== null && group.staticMembers.get(req.groupInstanceId) !== req.memberId) {
      return Promise.resolve(syncError(ErrorCode.FENCED_INSTANCE_ID));
    }
    const member = group.members.get(req.memberId);
    if (!member) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (req.generationId !== group.generationId) return Promise.resolve(syncError(ErrorCode.ILLEGAL_GENERATION));
    if (
      (req.protocolType !== null && req.protocolType !== group.protocolType) ||
      (req.protocolName !== null && req.protocolName !== group.protocolName)
    ) {
      return Promise.resolve(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    switch (group.state) {
      case GroupState.Empty:
      case GroupState.Dead:
        return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      case GroupState.PreparingRebalance:
        return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case GroupState.Stable:
        group.pendingSyncMembers.delete(member.memberId);
        this.scheduleSession(group, member);
        return Promise.resolve(this.syncResponse(group, member));
      case GroupState.CompletingRebalance:
        return new Promise<SyncResult>((resolve) => {
          member.awaitingSync?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
          member.awaitingSync = resolve;
          group.pendingSyncMembers.delete(member.memberId);
          this.scheduleSession(group, member);
          if (group.isLeader(member.memberId)) void this.storeAssignment(group, req.assignments);
        });
    }
  }

  private syncResponse(group: ClassicGroup, member: Member): SyncResult {
    return {
      errorCode: ErrorCode.NONE,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      assignment: member.assignment,
    };
  }

  private async storeAssignment(group: ClassicGroup, assignments: SyncGroupParams['assignments']): Promise<void> {
    const generationId = group.generationId;
    const byMember = new Map<string, Buffer>();
    for (const a of assignments) if (group.has(a.memberId)) byMember.set(a.memberId, a.assignment);
    const value = group.toRecordValue((memberId) => byMember.get(memberId) ?? EMPTY_BYTES);
    const errorCode = await this.deps.storeGroup(group, value);
    // While the write was in flight the group may have moved on; its waiters were answered then.
    if (group.generationId !== generationId || !group.is(GroupState.CompletingRebalance)) return;
    if (errorCode !== ErrorCode.NONE) {
      this.resetAssignments(group, errorCode);
      this.prepareRebalance(group, 'storing the assignment failed');
      return;
    }
    for (const member of group.members.values()) {
      member.assignment = byMember.get(member.memberId) ?? EMPTY_BYTES;
      const respond = member.awaitingSync;
      member.awaitingSync = null;
      respond?.(this.syncResponse(group, member));
    }
    group.transitionTo(GroupState.Stable, this.now);
    this.deps.log.info({ groupId: group.groupId, generationId }, 'group is stable');
  }

  // ------------------------------------------------------------------ Heartbeat, LeaveGroup

  heartbeat(group: ClassicGroup, req: HeartbeatParams): number {
    if (req.groupInstanceId !== null && group.staticMembers.get(req.groupInstanceId) !== req.memberId)
      return ErrorCode.FENCED_INSTANCE_ID;
    const member = group.members.get(req.memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    switch (group.state) {
      case GroupState.Empty:
      case GroupState.Dead:
        return ErrorCode.UNKNOWN_MEMBER_ID;
      case GroupState.PreparingRebalance:
        this.scheduleSession(group, member);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      case GroupState.CompletingRebalance:
      case GroupState.Stable:
        this.scheduleSession(group, member);
        return ErrorCode.NONE;
    }
  }

  leave(group: ClassicGroup, identities: readonly MemberIdentity[]): LeaveResult[] {
    return identities.map((identity) => ({ ...identity, errorCode: this.leaveOne(group, identity) }));
  }

  private leaveOne(group: ClassicGroup, identity: MemberIdentity): number {
    let memberId = identity.memberId;
    if (identity.groupInstanceId !== null) {
      const current = group.staticMembers.get(identity.groupInstanceId);
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (memberId !== '' && memberId !== current) return ErrorCode.FENCED_INSTANCE_ID;
      memberId = current;
    } else {
      const pending = group.pendingMembers.get(memberId);
      if (pending) {
        pending.cancel();
        group.pendingMembers.delete(memberId);
        this.tryCompleteJoin(group);
        return ErrorCode.NONE;
      }
    }
    const member = group.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.deps.log.info({ groupId: group.groupId, memberId }, 'member left the group');
    this.removeMemberAndRebalance(group, member);
    return ErrorCode.NONE;
  }

  /** Removes a member that left or expired, and rebalances the rest. */
  removeMemberAndRebalance(group: ClassicGroup, member: Member): void {
    this.dropMember(group, member);
    switch (group.state) {
      case GroupState.Stable:
      case GroupState.CompletingRebalance:
        this.maybePrepareRebalance(group, `member ${member.memberId} left`);
        return;
      case GroupState.PreparingRebalance:
        this.tryCompleteJoin(group);
        return;
      case GroupState.Empty:
      case GroupState.Dead:
        return;
    }
  }

  private dropMember(group: ClassicGroup, member: Member): void {
    member.awaitingJoin?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    member.awaitingJoin = null;
    member.awaitingSync?.(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    member.awaitingSync = null;
    group.remove(member.memberId);
  }

  // ------------------------------------------------------------------ sessions

  /** (Re)starts a member's session: it is removed if nothing arrives from it for its session timeout. */
  scheduleSession(group: ClassicGroup, member: Member): void {
    member.cancelSession();
    const timer = this.deps.scheduler.schedule(member.sessionTimeoutMs, () => {
      if (member.sessionTimer !== timer) return;
      member.sessionTimer = null;
      if (group.members.get(member.memberId) !== member) return;
      if (member.awaitingJoin !== null || member.awaitingSync !== null) {
        // Waiting on us, not silent: the rebalance and sync timeouts bound that wait.
        this.scheduleSession(group, member);
        return;
      }
      this.deps.log.info(
        { groupId: group.groupId, memberId: member.memberId, sessionTimeoutMs: member.sessionTimeoutMs },
        'member session expired',
      );
      this.removeMemberAndRebalance(group, member);
    });
    member.sessionTimer = timer;
  }

  /** The coordinator stops serving the group (partition moved or node stopping): answer every waiter. */
  shutdown(group: ClassicGroup, errorCode: number): void {
    group.joinTimer?.cancel();
    group.joinTimer = null;
    group.syncTimer?.cancel();
    group.syncTimer = null;
    for (const timer of group.pendingMembers.values()) timer.cancel();
    group.pendingMembers.clear();
    for (const member of group.members.values()) {
      member.cancelSession();
      member.awaitingJoin?.(joinError(errorCode, member.memberId));
      member.awaitingJoin = null;
      member.awaitingSync?.(syncError(errorCode));
      member.awaitingSync = null;
    }
    group.transitionTo(GroupState.Dead, this.now);
  }
}
