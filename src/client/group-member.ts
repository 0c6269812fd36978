// Membership of one consumer group with the classic protocol, as Kafka's consumer runs it: join
// (a first JoinGroup answered MEMBER_ID_REQUIRED gives the id to join with), the leader assigns
// partitions (range), every member syncs to learn its own, heartbeats keep the membership while
// partitions are consumed, and a REBALANCE_IN_PROGRESS heartbeat answer means join again. Offsets
// are committed as the member of its generation; leaving sends LeaveGroup so the others rebalance
// at once rather than after the session timeout.
import { ErrorCode } from '../common/index.js';
import {
  decodeConsumerAssignment,
  decodeConsumerSubscription,
  encodeConsumerAssignment,
  encodeConsumerSubscription,
} from '../groups/index.js';
import type {
  HeartbeatResponse,
  JoinGroupResponse,
  LeaveGroupResponse,
  OffsetCommitResponse,
  OffsetFetchResponse,
  SyncGroupResponse,
} from '../kafka/index.js';
import { Api } from './api-versions.js';
import type { BrokerConnection } from './broker-connection.js';
import type { KafkaClient } from './client.js';
import { brokerError, check, ClientError } from './errors.js';
import { rangeAssign } from './range-assignor.js';

export interface GroupOptions {
  readonly groupId: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
}

export const GROUP_DEFAULTS = { sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 30_000, heartbeatIntervalMs: 3_000 };

const PROTOCOL = 'range';

export class GroupMember {
  private memberId = '';
  private generationId = -1;
  private coordinatorConnection: BrokerConnection | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private rejoinNeeded = true;
  private heartbeatFailure: Error | null = null;

  constructor(
    private readonly client: KafkaClient,
    private readonly options: GroupOptions,
    private readonly topics: readonly string[],
  ) {}

  /** True once the group asked for a rebalance (or none happened yet): call join() again. */
  get needsJoin(): boolean {
    if (this.heartbeatFailure) throw this.heartbeatFailure;
    return this.rejoinNeeded;
  }

  private async coordinator(): Promise<BrokerConnection> {
    if (this.coordinatorConnection && !this.coordinatorConnection.isClosed) return this.coordinatorConnection;
    this.coordinatorConnection = await this.client.coordinator(this.options.groupId);
    return this.coordinatorConnection;
  }

  private lostCoordinator(code: number): void {
    if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE) {
      this.coordinatorConnection = null;
    }
  }

  /** Joins (or rejoins) the group; resolves with this member's partitions of each topic. */
  async join(): Promise<Map<string, number[]>> {
    this.stopHeartbeats();
    return this.client.retrying(async () => {
      const joined = await this.joinGroup();
      const assignments = joined.leader === this.memberId ? await this.assign(joined) : [];
      const synced = await (
        await this.coordinator()
      ).send<SyncGroupResponse>(Api.SyncGroup, {
        groupId: this.options.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocolName: PROTOCOL,
        assignments,
      });
      this.lostCoordinator(synced.errorCode);
      if (synced.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || synced.errorCode === ErrorCode.ILLEGAL_GENERATION) {
        this.memberId = '';
      }
      check(synced.errorCode, `sync with group ${this.options.groupId}`);
      this.rejoinNeeded = false;
      this.startHeartbeats();
      const mine = new Map<string, number[]>();
      for (const a of decodeConsumerAssignment(synced.assignment).assignedPartitions) {
        mine.set(
          a.topic,
          [...(mine.get(a.topic) ?? []), ...a.partitions].sort((x, y) => x - y),
        );
      }
      return mine;
    }, this.options.rebalanceTimeoutMs * 2);
  }

  private async joinGroup(): Promise<JoinGroupResponse> {
    const metadata = encodeConsumerSubscription({
      version: 0,
      topics: [...this.topics],
      userData: null,
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
    });
    for (;;) {
      const answer = await (
        await this.coordinator()
      ).send<JoinGroupResponse>(Api.JoinGroup, {
        groupId: this.options.groupId,
        sessionTimeoutMs: this.options.sessionTimeoutMs,
        rebalanceTimeoutMs: this.options.rebalanceTimeoutMs,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{ name: PROTOCOL, metadata }],
        reason: null,
      });
      this.lostCoordinator(answer.errorCode);
      if (answer.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
        this.memberId = answer.memberId;
        continue;
      }
      if (answer.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
        this.memberId = '';
        continue;
      }
      check(answer.errorCode, `join group ${this.options.groupId}`);
      this.memberId = answer.memberId;
      this.generationId = answer.generationId;
      return answer;
    }
  }

  private async assign(joined: JoinGroupResponse): Promise<{ memberId: string; assignment: Buffer }[]> {
    const members = joined.members.map((m) => ({
      memberId: m.memberId,
      topics: decodeConsumerSubscription(m.metadata).topics,
    }));
    const topics = [...new Set(members.flatMap((m) => m.topics))];
    const { topics: described } = await this.client.metadata(topics);
    const counts = new Map(described.map((t) => [t.name, t.partitions.length]));
    const plan = rangeAssign(members, counts);
    return members.map((m) => ({
      memberId: m.memberId,
      assignment: encodeConsumerAssignment({
        version: 0,
        assignedPartitions: [...(plan.get(m.memberId) ?? new Map<string, readonly number[]>())].map(
          ([topic, partitions]) => ({ topic, partitions: [...partitions] }),
        ),
        userData: null,
      }),
    }));
  }

  /** The group's committed offsets of `partitions` of `topic` (-1 where none). */
  async committed(topic: string, partitions: readonly number[]): Promise<Map<number, number>> {
    return this.client.retrying(async () => {
      const answer = await (
        await this.coordinator()
      ).send<OffsetFetchResponse>(Api.OffsetFetch, {
        groupId: this.options.groupId,
        topics: [{ name: topic, partitionIndexes: [...partitions] }],
        requireStable: true,
      });
      this.lostCoordinator(answer.errorCode);
      check(answer.errorCode, `offsets of group ${this.options.groupId}`);
      const out = new Map<number, number>();
      for (const p of answer.topics.find((t) => t.name === topic)?.partitions ?? []) {
        check(p.errorCode, `offset of group ${this.options.groupId} on ${topic}-${p.partitionIndex}`);
        out.set(p.partitionIndex, p.committedOffset);
      }
      return out;
    });
  }

  /** Commits `offsets` (the next offset to read, per partition) as this generation's member. */
  async commit(topic: string, offsets: ReadonlyMap<number, number>): Promise<void> {
    if (offsets.size === 0 || this.generationId < 0) return;
    const answer = await (
      await this.coordinator()
    ).send<OffsetCommitResponse>(Api.OffsetCommit, {
      groupId: this.options.groupId,
      generationIdOrMemberEpoch: this.generationId,
      memberId: this.memberId,
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [
        {
          name: topic,
          partitions: [...offsets].map(([partitionIndex, committedOffset]) => ({
            partitionIndex,
            committedOffset,
            committedLeaderEpoch: -1,
            committedMetadata: null,
          })),
        },
      ],
    });
    for (const t of answer.topics) {
      for (const p of t.partitions) {
        this.lostCoordinator(p.errorCode);
        if (p.errorCode === ErrorCode.REBALANCE_IN_PROGRESS || p.errorCode === ErrorCode.ILLEGAL_GENERATION) {
          this.rejoinNeeded = true;
        }
        check(p.errorCode, `commit for group ${this.options.groupId} on ${t.name}-${p.partitionIndex}`);
      }
    }
  }

  private startHeartbeats(): void {
    this.stopHeartbeats();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.options.heartbeatIntervalMs);
  }

  private stopHeartbeats(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private async heartbeat(): Promise<void> {
    try {
      const answer = await (
        await this.coordinator()
      ).send<HeartbeatResponse>(Api.Heartbeat, {
        groupId: this.options.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: null,
      });
      this.lostCoordinator(answer.errorCode);
      switch (answer.errorCode) {
        case ErrorCode.NONE:
          return;
        case ErrorCode.REBALANCE_IN_PROGRESS:
          this.rejoinNeeded = true;
          return;
        case ErrorCode.UNKNOWN_MEMBER_ID:
        case ErrorCode.ILLEGAL_GENERATION:
        case ErrorCode.FENCED_INSTANCE_ID:
          this.memberId = answer.errorCode === ErrorCode.UNKNOWN_MEMBER_ID ? '' : this.memberId;
          this.rejoinNeeded = true;
          return;
        default:
          if (!brokerError(answer.errorCode, '').retriable) {
            this.heartbeatFailure = brokerError(answer.errorCode, `heartbeat to group ${this.options.groupId}`);
          }
      }
    } catch (err) {
      // A lost connection: the next heartbeat finds the coordinator again.
      if (!(err instanceof ClientError)) throw err;
      this.coordinatorConnection = null;
    }
  }

  /** Leaves the group (the others rebalance at once). */
  async leave(): Promise<void> {
    this.stopHeartbeats();
    if (this.memberId === '') return;
    const connection = await this.coordinator();
    const answer = await connection.send<LeaveGroupResponse>(Api.LeaveGroup, {
      groupId: this.options.groupId,
      memberId: this.memberId,
      members: [{ memberId: this.memberId, groupInstanceId: null, reason: 'brook consume finished' }],
    });
    if (answer.errorCode !== ErrorCode.NONE && answer.errorCode !== ErrorCode.UNKNOWN_MEMBER_ID) {
      throw brokerError(answer.errorCode, `leave group ${this.options.groupId}`);
    }
    this.memberId = '';
    this.generationId = -1;
  }

  stop(): void {
    this.stopHeartbeats();
  }
}
