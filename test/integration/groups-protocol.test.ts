// The group APIs byte for byte across their versions, with Brook's own codec over a raw socket:
// FindCoordinator v0/v4, JoinGroup v0/v5/v7 (MEMBER_ID_REQUIRED), SyncGroup, Heartbeat,
// DescribeGroups, ListGroups with a state filter, OffsetCommit v2/v8 and OffsetFetch v1/v5/v8 (the
// multi-group shape), LeaveGroup v0/v3, DeleteGroups, OffsetDelete, and the HTTP lag view.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/common/errors.js';
import { encodeConsumerSubscription } from '../../src/groups/consumer-protocol.js';
import { buildRecordBatch } from '../../src/storage/index.js';
import { startSingleNode, stopAll, type NodeProcess } from '../helpers/node-process.js';
import { RawClient } from '../helpers/raw-client.js';

let node: NodeProcess;
let client: RawClient;

const subscription = (topics: string[]) =>
  encodeConsumerSubscription({
    version: 0,
    topics,
    userData: null,
    ownedPartitions: [],
    generationId: -1,
    rackId: null,
  });

interface JoinResponse {
  errorCode: number;
  generationId: number;
  protocolName: string | null;
  leader: string;
  memberId: string;
  members: { memberId: string; metadata: Buffer }[];
}

function join(version: number, groupId: string, memberId: string, protocol = 'range') {
  return client.request<JoinResponse>(11, version, {
    groupId,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: protocol, metadata: subscription(['proto-topic']) }],
    reason: null,
  });
}

async function stableMember(groupId: string): Promise<{ memberId: string; generationId: number }> {
  const first = await join(5, groupId, '');
  const joined = await join(5, groupId, first.memberId);
  const sync = await client.request<{ errorCode: number }>(14, 3, {
    groupId,
    generationId: joined.generationId,
    memberId: joined.memberId,
    groupInstanceId: null,
    assignments: [{ memberId: joined.memberId, assignment: Buffer.from('assigned') }],
  });
  expect(sync.errorCode).toBe(ErrorCode.NONE);
  return { memberId: joined.memberId, generationId: joined.generationId };
}

beforeAll(async () => {
  node = await startSingleNode({ extraArgs: ['--group-initial-rebalance-delay-ms', '0'] });
  client = await RawClient.connect(node.kafkaPort);
  const created = await client.request<{ topics: { errorCode: number }[] }>(19, 5, {
    topics: [{ name: 'proto-topic', numPartitions: 2, replicationFactor: -1, assignments: [], configs: [] }],
    timeoutMs: 10_000,
    validateOnly: false,
  });
  expect(created.topics[0]!.errorCode).toBe(ErrorCode.NONE);
});

afterAll(async () => {
  client?.close();
  await stopAll();
});

describe('group APIs over the wire', () => {
  it('finds this node as the coordinator (v0 and batched v4)', async () => {
    const v0 = await client.request<{ errorCode: number; nodeId: number; port: number }>(10, 0, {
      key: 'any-group',
      keyType: 0,
    });
    expect(v0).toMatchObject({ errorCode: 0, nodeId: 1, port: node.kafkaPort });
    const v4 = await client.request<{ coordinators: { key: string; nodeId: number; errorCode: number }[] }>(10, 4, {
      keyType: 0,
      coordinatorKeys: ['a', 'b'],
    });
    expect(v4.coordinators.map((c) => [c.key, c.nodeId, c.errorCode])).toEqual([
      ['a', 1, 0],
      ['b', 1, 0],
    ]);
  });

  it('requires a member id from v4, admits the member, syncs, heartbeats and describes', async () => {
    const first = await join(5, 'wire-group', '');
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).not.toBe('');
    const joined = await join(7, 'wire-group', first.memberId);
    expect(joined).toMatchObject({
      errorCode: 0,
      generationId: 1,
      protocolName: 'range',
      leader: first.memberId,
      memberId: first.memberId,
    });
    expect(joined.members[0]!.metadata).toEqual(subscription(['proto-topic']));
    const sync = await client.request<{ errorCode: number; assignment: Buffer }>(14, 4, {
      groupId: 'wire-group',
      generationId: 1,
      memberId: first.memberId,
      groupInstanceId: null,
      assignments: [{ memberId: first.memberId, assignment: Buffer.from('a1') }],
    });
    expect(sync).toMatchObject({ errorCode: 0, assignment: Buffer.from('a1') });
    const beat = (generationId: number, memberId = first.memberId) =>
      client.request<{ errorCode: number }>(12, 4, {
        groupId: 'wire-group',
        generationId,
        memberId,
        groupInstanceId: null,
      });
    expect((await beat(1)).errorCode).toBe(ErrorCode.NONE);
    expect((await beat(0)).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await beat(1, 'nobody')).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);

    const described = await client.request<{
      groups: {
        errorCode: number;
        groupState: string;
        protocolData: string;
        members: { memberId: string; memberAssignment: Buffer }[];
      }[];
    }>(15, 5, {
      groups: ['wire-group', 'no-such-group'],
      includeAuthorizedOperations: false,
    });
    expect(described.groups[0]).toMatchObject({ errorCode: 0, groupState: 'Stable', protocolData: 'range' });
    expect(described.groups[0]!.members.map((m) => [m.memberId, m.memberAssignment.toString()])).toEqual([
      [first.memberId, 'a1'],
    ]);
    expect(described.groups[1]).toMatchObject({ errorCode: 0, groupState: 'Dead', members: [] });

    const stable = await client.request<{ groups: { groupId: string; groupState: string }[] }>(16, 4, {
      statesFilter: ['stable'],
    });
    expect(stable.groups).toContainEqual(expect.objectContaining({ groupId: 'wire-group', groupState: 'Stable' }));
    const empty = await client.request<{ groups: { groupId: string }[] }>(16, 4, { statesFilter: ['Empty'] });
    expect(empty.groups.map((g) => g.groupId)).not.toContain('wire-group');

    // A member with a protocol nobody else supports is refused.
    expect((await join(5, 'wire-group', '', 'RoundRobinAssigner')).errorCode).toBe(
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    );
  });

  it('admits a v0 member at once (no MEMBER_ID_REQUIRED before v4) and lets it leave (v0)', async () => {
    const joined = await join(0, 'old-group', '');
    expect(joined).toMatchObject({ errorCode: 0, generationId: 1, protocolName: 'range' });
    const left = await client.request<{ errorCode: number }>(13, 0, {
      groupId: 'old-group',
      memberId: joined.memberId,
    });
    expect(left.errorCode).toBe(ErrorCode.NONE);
    const again = await client.request<{ errorCode: number }>(13, 0, {
      groupId: 'old-group',
      memberId: joined.memberId,
    });
    expect(again.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('commits and fetches offsets in every shape, with leader epoch and metadata', async () => {
    const { memberId, generationId } = await stableMember('offsets-group');
    const v2 = await client.request<{ topics: { partitions: { errorCode: number }[] }[] }>(8, 2, {
      groupId: 'offsets-group',
      generationIdOrMemberEpoch: generationId,
      memberId,
      retentionTimeMs: -1,
      topics: [
        { name: 'proto-topic', partitions: [{ partitionIndex: 0, committedOffset: 5, committedMetadata: 'v2-meta' }] },
      ],
    });
    expect(v2.topics[0]!.partitions[0]!.errorCode).toBe(0);
    const v8 = await client.request<{ topics: { partitions: { partitionIndex: number; errorCode: number }[] }[] }>(
      8,
      8,
      {
        groupId: 'simple-group',
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [
          {
            name: 'proto-topic',
            partitions: [{ partitionIndex: 1, committedOffset: 9, committedLeaderEpoch: 2, committedMetadata: null }],
          },
          {
            name: 'ghost-topic',
            partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null }],
          },
        ],
      },
    );
    expect(v8.topics.map((t) => t.partitions[0]!.errorCode)).toEqual([0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);

    type Partition = {
      partitionIndex: number;
      committedOffset: number;
      committedLeaderEpoch: number;
      metadata: string | null;
      errorCode: number;
    };
    const v1 = await client.request<{ topics: { partitions: Partition[] }[] }>(9, 1, {
      groupId: 'offsets-group',
      topics: [{ name: 'proto-topic', partitionIndexes: [0, 1] }],
    });
    expect(v1.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata])).toEqual([
      [0, 5, 'v2-meta'],
      [1, -1, ''],
    ]);
    const v5 = await client.request<{ errorCode: number; topics: { partitions: Partition[] }[] }>(9, 5, {
      groupId: 'simple-group',
      topics: null,
    });
    expect(v5.errorCode).toBe(0);
    expect(v5.topics[0]!.partitions).toEqual([
      expect.objectContaining({ partitionIndex: 1, committedOffset: 9, committedLeaderEpoch: 2 }),
    ]);
    const multi = await client.request<{
      groups: { groupId: string; errorCode: number; topics: { name: string; partitions: Partition[] }[] }[];
    }>(9, 8, {
      groups: [
        { groupId: 'offsets-group', topics: [{ name: 'proto-topic', partitionIndexes: [0] }] },
        { groupId: 'simple-group', topics: null },
        { groupId: 'unknown-group', topics: [{ name: 'proto-topic', partitionIndexes: [0] }] },
      ],
      requireStable: false,
    });
    expect(multi.groups.map((g) => [g.groupId, g.errorCode, g.topics[0]!.partitions[0]!.committedOffset])).toEqual([
      ['offsets-group', 0, 5],
      ['simple-group', 0, 9],
      ['unknown-group', 0, -1],
    ]);

    // The lag view: committed offset against the partition's end.
    const batch = buildRecordBatch(
      Array.from({ length: 8 }, (_, i) => ({ key: null, value: Buffer.from(`r${i}`), timestamp: Date.now() })),
    );
    const produced = await client.request<{ responses: { partitionResponses: { errorCode: number }[] }[] }>(0, 3, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: 'proto-topic', partitionData: [{ index: 0, records: batch }] }],
    });
    expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    const lag = (await (await fetch(`http://127.0.0.1:${node.httpPort}/groups/lag?group=offsets-group`)).json()) as {
      groups: {
        groupId: string;
        partitions: { topic: string; partition: number; committedOffset: number; logEndOffset: number; lag: number }[];
      }[];
    };
    expect(lag.groups).toHaveLength(1);
    expect(lag.groups[0]!.partitions).toEqual([
      { topic: 'proto-topic', partition: 0, committedOffset: 5, logEndOffset: 8, lag: 3 },
    ]);
  });

  it('leaves (v3 batch), deletes groups and offsets', async () => {
    const { memberId } = await stableMember('doomed');
    const refused = await client.request<{ results: { groupId: string; errorCode: number }[] }>(42, 2, {
      groupsNames: ['doomed', 'never-existed'],
    });
    expect(refused.results).toEqual([
      { groupId: 'doomed', errorCode: ErrorCode.NON_EMPTY_GROUP },
      { groupId: 'never-existed', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ]);
    // The last member's LeaveGroup leaves the group Empty before it is answered (as Kafka): the
    // requests pipelined right behind it on the same connection all see Empty, and the delete works.
    const [left, listed4, described, deleted] = await Promise.all([
      client.request<{ errorCode: number; members: { memberId: string; errorCode: number }[] }>(13, 3, {
        groupId: 'doomed',
        members: [
          { memberId, groupInstanceId: null },
          { memberId: 'stranger', groupInstanceId: null },
        ],
      }),
      client.request<{ groups: { groupId: string }[] }>(16, 4, { statesFilter: ['Empty'] }),
      client.request<{ groups: { groupState: string }[] }>(15, 0, { groups: ['doomed'] }),
      client.request<{ results: { errorCode: number }[] }>(42, 0, { groupsNames: ['doomed'] }),
    ]);
    expect(left.members.map((m) => m.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(listed4.groups.map((g) => g.groupId)).toContain('doomed');
    expect(described.groups[0]!.groupState).toBe('Empty');
    expect(deleted.results[0]!.errorCode).toBe(ErrorCode.NONE);
    const listed = await client.request<{ groups: { groupId: string }[] }>(16, 0, {});
    expect(listed.groups.map((g) => g.groupId)).not.toContain('doomed');

    await client.request(8, 8, {
      groupId: 'pruned',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: 'proto-topic',
          partitions: [0, 1].map((p) => ({
            partitionIndex: p,
            committedOffset: 3,
            committedLeaderEpoch: -1,
            committedMetadata: null,
          })),
        },
      ],
    });
    const offsetDelete = await client.request<{
      errorCode: number;
      topics: { partitions: { partitionIndex: number; errorCode: number }[] }[];
    }>(47, 0, {
      groupId: 'pruned',
      topics: [{ name: 'proto-topic', partitions: [{ partitionIndex: 0 }] }],
    });
    expect(offsetDelete.errorCode).toBe(0);
    expect(offsetDelete.topics[0]!.partitions).toEqual([{ partitionIndex: 0, errorCode: 0 }]);
    const remaining = await client.request<{
      topics: { partitions: { partitionIndex: number; committedOffset: number }[] }[];
    }>(9, 5, { groupId: 'pruned', topics: null });
    expect(remaining.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset])).toEqual([[1, 3]]);
  });
});
