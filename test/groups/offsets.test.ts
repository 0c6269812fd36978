// Offsets and persistence on a fake clock: who may commit when, what OffsetFetch returns, that
// commits are acknowledged only once durable, that a new coordinator rebuilds groups and offsets
// from the log, loading/not-coordinator answers, deletion, OffsetDelete, and offset expiry.
import { describe, expect, it } from 'vitest';
import { ErrorCode, KafkaError } from '../../src/common/errors.js';
import { GroupState } from '../../src/groups/group.js';
import type { CommitParams } from '../../src/groups/coordinator.js';
import { harness, joinParams, logOf, MemoryLog, settle, type Harness } from './helpers.js';

const G = 'ledger';

function commit(groupId: string, overrides: Partial<CommitParams> = {}, offset = 10): CommitParams {
  return {
    groupId,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    retentionTimeMs: -1,
    offsets: [{ topic: 'orders', partition: 0, offset, leaderEpoch: 3, metadata: 'note' }],
    ...overrides,
  };
}

/** One member in a Stable group; returns its id and generation. */
async function member(h: Harness, groupId = G): Promise<{ memberId: string; generationId: number }> {
  const joined = await h.coordinator.joinGroup(joinParams(groupId));
  const sync = h.coordinator.syncGroup({
    groupId,
    generationId: joined.generationId,
    memberId: joined.memberId,
    groupInstanceId: null,
    protocolType: null,
    protocolName: null,
    assignments: [],
  });
  await settle();
  expect((await sync).errorCode).toBe(ErrorCode.NONE);
  return { memberId: joined.memberId, generationId: joined.generationId };
}

describe('committing and fetching offsets', () => {
  it('accepts a simple consumer commit (generation -1, no member) and returns offset, epoch and metadata', async () => {
    const h = await harness();
    expect(await h.coordinator.commitOffsets(commit(G))).toEqual([
      { topic: 'orders', partition: 0, errorCode: ErrorCode.NONE },
    ]);
    const fetched = h.coordinator.fetchOffsets(G, [
      { topic: 'orders', partition: 0 },
      { topic: 'orders', partition: 1 },
    ]);
    expect(fetched.offsets).toEqual([
      { topic: 'orders', partition: 0, offset: 10, leaderEpoch: 3, metadata: 'note', errorCode: ErrorCode.NONE },
      { topic: 'orders', partition: 1, offset: -1, leaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE },
    ]);
    expect(h.coordinator.fetchOffsets(G, null).offsets.map((o) => o.offset)).toEqual([10]);
    expect(h.coordinator.fetchOffsets('nobody', null).offsets).toEqual([]);
    expect(h.coordinator.describeGroup(G)).toMatchObject({ state: GroupState.Empty, protocolType: '' });
  });

  it('acknowledges a commit only after it is durable, and reports a failed write', async () => {
    const h = await harness();
    logOf(h, G).failWith = new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'moved');
    expect((await h.coordinator.commitOffsets(commit(G)))[0]!.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(h.coordinator.fetchOffsets(G, null).offsets).toEqual([]);
    logOf(h, G).failWith = null;
    expect((await h.coordinator.commitOffsets(commit(G)))[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(logOf(h, G).decoded()).toHaveLength(1);
  });

  it('refuses commits from non-members, stale generations, during CompletingRebalance, and bad partitions', async () => {
    const h = await harness();
    const { memberId, generationId } = await member(h);
    const as = (o: Partial<CommitParams>) => h.coordinator.commitOffsets(commit(G, o)).then((r) => r[0]!.errorCode);
    expect(await as({ memberId, generationId })).toBe(ErrorCode.NONE);
    expect(await as({ memberId, generationId: generationId + 1 })).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await as({ memberId: 'ghost', generationId })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await as({})).toBe(ErrorCode.UNKNOWN_MEMBER_ID); // generation -1 is only for groups without members
    expect(await as({ groupId: 'fresh', generationId: 5, memberId: 'x' })).toBe(ErrorCode.ILLEGAL_GENERATION);
    const missing = await h.coordinator.commitOffsets(
      commit(G, {
        memberId,
        generationId,
        offsets: [{ topic: 'missing', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }],
      }),
    );
    expect(missing[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const big = await h.coordinator.commitOffsets(
      commit(G, {
        memberId,
        generationId,
        offsets: [{ topic: 'orders', partition: 0, offset: 1, leaderEpoch: -1, metadata: 'x'.repeat(4097) }],
      }),
    );
    expect(big[0]!.errorCode).toBe(ErrorCode.OFFSET_METADATA_TOO_LARGE);

    // A second member joins; while the group prepares, the current generation may still commit.
    const second = h.coordinator.joinGroup(joinParams(G));
    expect(await as({ memberId, generationId })).toBe(ErrorCode.NONE);
    const rejoin = await h.coordinator.joinGroup(joinParams(G, { memberId }));
    await second;
    expect(h.coordinator.describeGroup(G).state).toBe(GroupState.CompletingRebalance);
    expect(await as({ memberId, generationId: rejoin.generationId })).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });
});

describe('persistence', () => {
  it('rebuilds groups, members and offsets from the log in a new coordinator', async () => {
    const h = await harness();
    const { memberId, generationId } = await member(h);
    await h.coordinator.commitOffsets(commit(G, { memberId, generationId }, 77));
    await h.coordinator.commitOffsets(commit('simple-one', {}, 5));
    await h.coordinator.commitOffsets(commit('simple-one', {}, 6)); // the later commit wins on replay
    h.coordinator.close();

    const restarted = await harness({}, h.logs);
    expect(
      restarted.coordinator
        .listGroups()
        .groups.map((g) => g.groupId)
        .sort(),
    ).toEqual([G, 'simple-one']);
    expect(restarted.coordinator.fetchOffsets(G, null).offsets[0]).toMatchObject({
      offset: 77,
      leaderEpoch: 3,
      metadata: 'note',
    });
    expect(restarted.coordinator.fetchOffsets('simple-one', null).offsets[0]!.offset).toBe(6);
    // The member carries on in its generation without rejoining.
    expect(restarted.coordinator.describeGroup(G)).toMatchObject({ state: GroupState.Stable, generationId });
    expect(restarted.coordinator.heartbeat({ groupId: G, generationId, memberId, groupInstanceId: null })).toBe(
      ErrorCode.NONE,
    );
    // ... unless it stays silent past its session.
    restarted.clock.advance(10_000);
    expect(restarted.coordinator.describeGroup(G).members).toEqual([]);
  });

  it('answers COORDINATOR_LOAD_IN_PROGRESS while loading and NOT_COORDINATOR for partitions it does not lead', async () => {
    const h = await harness();
    let open = () => {};
    const slow = new MemoryLog();
    slow.gate = new Promise<void>((resolve) => (open = resolve));
    const partition = h.coordinator.partitionFor(G);
    const loading = h.coordinator.onPartitionLeadership(partition, slow);
    expect((await h.coordinator.joinGroup(joinParams(G))).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(h.coordinator.fetchOffsets(G, null).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(h.coordinator.listGroups().errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    open();
    await loading;
    expect(h.coordinator.fetchOffsets(G, null).errorCode).toBe(ErrorCode.NONE);
    await h.coordinator.onPartitionLeadership(partition, null);
    expect((await h.coordinator.commitOffsets(commit(G)))[0]!.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(h.coordinator.heartbeat({ groupId: G, generationId: 1, memberId: 'm', groupInstanceId: null })).toBe(
      ErrorCode.NOT_COORDINATOR,
    );
  });

  it('answers a waiting join with NOT_COORDINATOR when the partition moves away', async () => {
    const h = await harness({ initialRebalanceDelayMs: 3000 });
    const waiting = h.coordinator.joinGroup(joinParams(G));
    await h.coordinator.onPartitionLeadership(h.coordinator.partitionFor(G), null);
    expect((await waiting).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  });

  it('lists only the groups of partitions this coordinator leads', async () => {
    const h = await harness();
    const ids = Array.from({ length: 12 }, (_, i) => `group-${i}`);
    for (const id of ids) await h.coordinator.commitOffsets(commit(id));
    const dropped = 0;
    await h.coordinator.onPartitionLeadership(dropped, null);
    const expected = ids.filter((id) => h.coordinator.partitionFor(id) !== dropped).sort();
    expect(expected.length).toBeLessThan(ids.length);
    expect(
      h.coordinator
        .listGroups()
        .groups.map((g) => g.groupId)
        .sort(),
    ).toEqual(expected);
  });
});

describe('deleting', () => {
  it('deletes empty groups with their offsets, refuses non-empty and unknown groups', async () => {
    const h = await harness();
    const { memberId } = await member(h);
    await h.coordinator.commitOffsets(commit('empty-one'));
    const results = await h.coordinator.deleteGroups([G, 'empty-one', 'never-was']);
    expect(results).toEqual([
      { groupId: G, errorCode: ErrorCode.NON_EMPTY_GROUP },
      { groupId: 'empty-one', errorCode: ErrorCode.NONE },
      { groupId: 'never-was', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ]);
    expect(h.coordinator.fetchOffsets('empty-one', null).offsets).toEqual([]);
    h.coordinator.leaveGroup(G, [{ memberId, groupInstanceId: null }]);
    h.clock.advance(0);
    await settle();
    expect(await h.coordinator.deleteGroups([G])).toEqual([{ groupId: G, errorCode: ErrorCode.NONE }]);
    h.coordinator.close();
    const restarted = await harness({}, h.logs);
    expect(restarted.coordinator.listGroups().groups).toEqual([]);
  });

  it('deletes offsets of topics a group does not subscribe to (OffsetDelete)', async () => {
    const h = await harness();
    const { memberId, generationId } = await member(h); // subscribes to "orders"
    await h.coordinator.commitOffsets(
      commit(G, {
        memberId,
        generationId,
        offsets: [
          { topic: 'orders', partition: 0, offset: 1, leaderEpoch: -1, metadata: null },
          { topic: 'old-topic', partition: 0, offset: 2, leaderEpoch: -1, metadata: null },
        ],
      }),
    );
    const result = await h.coordinator.deleteOffsets(G, [
      { topic: 'orders', partition: 0 },
      { topic: 'old-topic', partition: 0 },
    ]);
    expect(result).toEqual({
      errorCode: ErrorCode.NONE,
      partitions: [
        { topic: 'orders', partition: 0, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC },
        { topic: 'old-topic', partition: 0, errorCode: ErrorCode.NONE },
      ],
    });
    expect(h.coordinator.fetchOffsets(G, null).offsets.map((o) => o.topic)).toEqual(['orders']);
    expect((await h.coordinator.deleteOffsets('nope', [])).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
  });
});

describe('offset expiry', () => {
  const DAY = 24 * 3600_000;

  it("expires an empty group's offsets a retention period after it emptied, then deletes the group", async () => {
    const HOUR = 3600_000;
    const h = await harness({ offsetsRetentionMs: HOUR, offsetsRetentionCheckIntervalMs: 10 * HOUR });
    const { memberId, generationId } = await member(h);
    await h.coordinator.commitOffsets(commit(G, { memberId, generationId }));
    // A live member keeps the offsets however old the commit gets.
    for (let t = 0; t < (2 * HOUR) / 5000; t++) {
      h.clock.advance(5000);
      expect(h.coordinator.heartbeat({ groupId: G, generationId, memberId, groupInstanceId: null })).toBe(
        ErrorCode.NONE,
      );
    }
    expect(await h.coordinator.expireOffsets()).toBe(0);
    h.coordinator.leaveGroup(G, [{ memberId, groupInstanceId: null }]);
    h.clock.advance(HOUR - 1);
    expect(h.coordinator.describeGroup(G).state).toBe(GroupState.Empty);
    expect(await h.coordinator.expireOffsets()).toBe(0);
    h.clock.advance(1);
    expect(await h.coordinator.expireOffsets()).toBe(1);
    expect(h.coordinator.listGroups().groups).toEqual([]);
    const tail = logOf(h, G).decoded().slice(-2);
    expect(tail.map((r) => [r.kind, r.value])).toEqual([
      ['offset', null],
      ['group', null],
    ]);
  });

  it("expires a simple consumer's offsets per commit, and honours a commit's own retention", async () => {
    const h = await harness({ offsetsRetentionMs: DAY });
    await h.coordinator.commitOffsets(
      commit('simple', { offsets: [{ topic: 'orders', partition: 0, offset: 1, leaderEpoch: -1, metadata: null }] }),
    );
    h.clock.advance(DAY / 2);
    await h.coordinator.commitOffsets(
      commit('simple', { offsets: [{ topic: 'orders', partition: 1, offset: 1, leaderEpoch: -1, metadata: null }] }),
    );
    await h.coordinator.commitOffsets(commit('short', { retentionTimeMs: 1000 }));
    h.clock.advance(1000);
    expect(await h.coordinator.expireOffsets()).toBe(1); // "short"
    h.clock.advance(DAY / 2);
    await h.coordinator.expireOffsets();
    expect(h.coordinator.fetchOffsets('simple', null).offsets.map((o) => o.partition)).toEqual([1]);
  });

  it('runs expiry on its own timer', async () => {
    const h = await harness({ offsetsRetentionMs: 1000, offsetsRetentionCheckIntervalMs: 500 });
    await h.coordinator.commitOffsets(commit('simple'));
    h.clock.advance(1500);
    await settle();
    expect(h.coordinator.listGroups().groups).toEqual([]);
  });
});
