// A classic consumer group: its state, generation, members, chosen protocol and committed offsets.
// State changes go through `transitionTo`, which asserts Kafka's state graph:
//   Empty -> PreparingRebalance -> CompletingRebalance -> Stable -> PreparingRebalance ...
//   and any state -> Dead (group deleted or moved away).
// The coordinator (coordinator.ts) decides when to change; this class keeps the bookkeeping
// consistent (leader, static-member map, protocol votes) and holds no timers of its own.
import { assert } from '../common/index.js';
import { decodeConsumerSubscription } from './consumer-protocol.js';
import { Member, type MemberProtocol } from './member.js';
import type { GroupMetadataValue, OffsetCommitValue } from './records.js';
import type { ScheduledTask } from './scheduler.js';

export const GroupState = {
  Empty: 'Empty',
  PreparingRebalance: 'PreparingRebalance',
  CompletingRebalance: 'CompletingRebalance',
  Stable: 'Stable',
  Dead: 'Dead',
} as const;
export type GroupState = (typeof GroupState)[keyof typeof GroupState];

const VALID_PREVIOUS: Readonly<Record<GroupState, readonly GroupState[]>> = {
  Empty: [GroupState.PreparingRebalance],
  PreparingRebalance: [GroupState.Empty, GroupState.Stable, GroupState.CompletingRebalance],
  CompletingRebalance: [GroupState.PreparingRebalance],
  Stable: [GroupState.CompletingRebalance],
  Dead: [
    GroupState.Empty,
    GroupState.PreparingRebalance,
    GroupState.CompletingRebalance,
    GroupState.Stable,
    GroupState.Dead,
  ],
};

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

export interface CommittedOffset extends OffsetCommitValue {
  readonly topic: string;
  readonly partition: number;
  /** Offset of its record in __consumer_offsets: of two commits, the later record wins. */
  readonly logOffset: number;
}

export function offsetKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export class ClassicGroup {
  private stateValue: GroupState = GroupState.Empty;
  stateTimestampMs: number;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, Member>();
  /** group.instance.id -> member id of the static member currently holding it. */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED that have not joined with them yet. */
  readonly pendingMembers = new Map<string, ScheduledTask>();
  /** Members of the current generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  readonly offsets = new Map<string, CommittedOffset>();
  /** The rebalance (join) timer and the pending-sync timer of the current generation. */
  joinTimer: ScheduledTask | null = null;
  syncTimer: ScheduledTask | null = null;
  /** The first rebalance of an empty group waits `initialRebalanceDelayMs`, extended while members arrive. */
  initialJoinDelay: { remainingMs: number; newMemberAdded: boolean } | null = null;
  /** Protocol name -> how many members support it (protocol selection needs one all support). */
  private readonly protocolVotes = new Map<string, number>();

  constructor(
    readonly groupId: string,
    nowMs: number,
  ) {
    this.stateTimestampMs = nowMs;
  }

  get state(): GroupState {
    return this.stateValue;
  }

  is(state: GroupState): boolean {
    return this.stateValue === state;
  }

  transitionTo(state: GroupState, nowMs: number): void {
    assert(
      VALID_PREVIOUS[state].includes(this.stateValue),
      `group ${this.groupId}: ${this.stateValue} -> ${state} is not a valid transition`,
    );
    this.stateValue = state;
    this.stateTimestampMs = nowMs;
  }

  get size(): number {
    return this.members.size;
  }

  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  /** Adds a member; the first member of a group becomes its leader. */
  add(member: Member): void {
    assert(!this.members.has(member.memberId), `member ${member.memberId} added twice`);
    if (this.members.size === 0) this.protocolType = member.protocolType;
    assert(this.protocolType === member.protocolType, 'members of a group share its protocol type');
    this.members.set(member.memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    for (const p of member.protocols) this.protocolVotes.set(p.name, (this.protocolVotes.get(p.name) ?? 0) + 1);
    this.leaderId ??= member.memberId;
  }

  remove(memberId: string): Member | undefined {
    const member = this.members.get(memberId);
    if (!member) return undefined;
    member.cancelSession();
    this.members.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) {
      this.staticMembers.delete(member.groupInstanceId);
    }
    this.unvote(member.protocols);
    if (this.leaderId === memberId) {
      // Prefer a member that is already rejoining, so a rebalance completes with a leader in it.
      const rejoining = [...this.members.values()].find((m) => m.awaitingJoin !== null);
      this.leaderId = rejoining?.memberId ?? this.members.keys().next().value ?? null;
    }
    return member;
  }

  /** Changes what a member joined with, keeping the protocol votes right. */
  updateProtocols(member: Member, protocols: readonly MemberProtocol[]): void {
    this.unvote(member.protocols);
    member.protocols = protocols;
    for (const p of protocols) this.protocolVotes.set(p.name, (this.protocolVotes.get(p.name) ?? 0) + 1);
  }

  /** A static member rejoined without its member id: it continues under `newMemberId`. */
  replaceStaticMember(instanceId: string, newMemberId: string): Member {
    const oldId = this.staticMembers.get(instanceId);
    assert(oldId !== undefined, `no static member ${instanceId}`);
    const member = this.members.get(oldId);
    assert(member !== undefined, `static member ${instanceId} maps to a missing member`);
    this.members.delete(oldId);
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    this.staticMembers.set(instanceId, newMemberId);
    if (this.leaderId === oldId) this.leaderId = newMemberId;
    if (this.pendingSyncMembers.delete(oldId)) this.pendingSyncMembers.add(newMemberId);
    return member;
  }

  private unvote(protocols: readonly MemberProtocol[]): void {
    for (const p of protocols) {
      const votes = (this.protocolVotes.get(p.name) ?? 0) - 1;
      assert(votes >= 0, 'protocol votes never go negative');
      if (votes === 0) this.protocolVotes.delete(p.name);
      else this.protocolVotes.set(p.name, votes);
    }
  }

  /**
   * Whether a member with these protocols may be in the group: same protocol type, and at least
   * one protocol every current member also supports (Kafka's INCONSISTENT_GROUP_PROTOCOL check).
   * `self` is excluded from the count when an existing member rejoins.
   */
  supportsProtocols(protocolType: string, protocols: readonly MemberProtocol[], self: Member | null = null): boolean {
    if (protocolType.length === 0 || protocols.length === 0) return false;
    const others = this.members.size - (self ? 1 : 0);
    if (others === 0) return true;
    if (this.protocolType !== protocolType) return false;
    const own = new Set(self?.protocols.map((p) => p.name) ?? []);
    return protocols.some((p) => (this.protocolVotes.get(p.name) ?? 0) - (own.has(p.name) ? 1 : 0) === others);
  }

  /** Every member supports the chosen protocol; each votes for its most preferred candidate. */
  selectProtocol(): string {
    assert(this.members.size > 0, 'a protocol is selected for a group with members');
    const candidates = [...this.protocolVotes].filter(([, votes]) => votes === this.members.size).map(([name]) => name);
    assert(candidates.length > 0, `group ${this.groupId} has no protocol all members support`);
    const tally = new Map<string, number>();
    for (const member of this.members.values()) {
      const choice = member.protocols.find((p) => candidates.includes(p.name));
      assert(choice !== undefined, 'every member supports every candidate');
      tally.set(choice.name, (tally.get(choice.name) ?? 0) + 1);
    }
    // Ties go to the leader's preference order, so the choice is deterministic.
    const leader = this.leaderId === null ? undefined : this.members.get(this.leaderId);
    const order = (leader ?? this.members.values().next().value!).protocols.map((p) => p.name);
    let best: string | null = null;
    for (const name of order) {
      const votes = tally.get(name);
      if (votes !== undefined && (best === null || votes > (tally.get(best) ?? 0))) best = name;
    }
    assert(best !== null, 'the leader supports every candidate');
    return best;
  }

  /** Members that have not sent JoinGroup in this rebalance. */
  notYetRejoined(): Member[] {
    return [...this.members.values()].filter((m) => m.awaitingJoin === null);
  }

  allMembersJoined(): boolean {
    return this.pendingMembers.size === 0 && [...this.members.values()].every((m) => m.awaitingJoin !== null);
  }

  /** The longest rebalance timeout of any member: how long a rebalance waits for rejoins. */
  rebalanceTimeoutMs(): number {
    let longest = 0;
    for (const m of this.members.values()) longest = Math.max(longest, m.rebalanceTimeoutMs);
    return longest;
  }

  /** Topics the members subscribe to, when the group speaks the consumer protocol; else null. */
  subscribedTopics(): Set<string> | null {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE || this.protocolName === null) return null;
    const topics = new Set<string>();
    for (const member of this.members.values()) {
      try {
        for (const topic of decodeConsumerSubscription(member.metadataFor(this.protocolName)).topics) topics.add(topic);
      } catch {
        return null; // a member's metadata is not a subscription: we cannot tell what it reads
      }
    }
    return topics;
  }

  /** What survives a restart: written when a generation's assignment is settled or the group empties. */
  toRecordValue(
    assignmentOf: (memberId: string) => Buffer = (id) => this.members.get(id)?.assignment ?? Buffer.alloc(0),
  ): GroupMetadataValue {
    return {
      protocolType: this.protocolType ?? '',
      generation: this.generationId,
      protocol: this.protocolName,
      leader: this.leaderId,
      currentStateTimestampMs: this.stateTimestampMs,
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        sessionTimeoutMs: m.sessionTimeoutMs,
        subscription: this.protocolName === null ? Buffer.alloc(0) : m.metadataFor(this.protocolName),
        assignment: assignmentOf(m.memberId),
      })),
    };
  }

  /** Rebuilds a group from its last metadata record: Stable with its members, or Empty. */
  static fromRecord(groupId: string, value: GroupMetadataValue): ClassicGroup {
    const group = new ClassicGroup(groupId, value.currentStateTimestampMs);
    group.generationId = value.generation;
    group.protocolType = value.protocolType.length > 0 ? value.protocolType : null;
    group.protocolName = value.protocol;
    for (const m of value.members) {
      const protocols = value.protocol === null ? [] : [{ name: value.protocol, metadata: m.subscription }];
      const member = new Member(
        m.memberId,
        m.groupInstanceId,
        m.clientId,
        m.clientHost,
        m.rebalanceTimeoutMs,
        m.sessionTimeoutMs,
        value.protocolType,
        protocols,
      );
      member.assignment = m.assignment;
      group.add(member);
    }
    group.leaderId = value.leader !== null && group.members.has(value.leader) ? value.leader : group.leaderId;
    group.stateValue = group.members.size > 0 ? GroupState.Stable : GroupState.Empty;
    return group;
  }
}
