// The classic group protocol on a fake clock: joins, MEMBER_ID_REQUIRED, protocol selection,
// sync, heartbeats, sessions, rebalance and sync timeouts, leaving, static membership.
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/common/errors.js';
import { GroupState } from '../../src/groups/group.js';
import type { JoinResult } from '../../src/groups/member.js';
import { harness, joinParams, logOf, settle, subscription, type Harness } from './helpers.js';

const G = 'payments';

/** Joins `count` members one after another (each join rebalances everyone) and syncs a leader assignment. */
async function stableGroup(
  h: Harness,
  count: number,
  groupId = G,
): Promise<{ ids: string[]; generationId: number; leader: string }> {
  let results: JoinResult[] = [];
  for (let i = 0; i < count; i++) {
    // The newcomer first: it starts the rebalance the others then rejoin.
    const joins = [
      h.coordinator.joinGroup(joinParams(groupId, { clientId: `c${i}` })),
      ...results.map((r) => h.coordinator.joinGroup(joinParams(groupId, { memberId: r.memberId, clientId: `c${i}` }))),
    ];
    results = await Promise.all(joins);
  }
  const generationId = results[0]!.generationId;
  expect(results.every((r) => r.errorCode === ErrorCode.NONE && r.generationId === generationId)).toBe(true);
  const leader = results[0]!.leader;
  const ids = results.map((r) => r.memberId);
  const syncs = ids.map((id) =>
    h.coordinator.syncGroup({
      groupId,
      generationId,
      memberId: id,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: id === leader ? ids.map((m) => ({ memberId: m, assignment: Buffer.from(`for-${m}`) })) : [],
    }),
  );
  await settle();
  for (const s of await Promise.all(syncs)) expect(s.errorCode).toBe(ErrorCode.NONE);
  expect(h.coordinator.describeGroup(groupId).state).toBe(GroupState.Stable);
  return { ids, generationId, leader };
}

describe('joining', () => {
  it('answers MEMBER_ID_REQUIRED with a member id to v4+ joiners, then admits them with it', async () => {
    const h = await harness();
    const first = await h.coordinator.joinGroup(joinParams(G, { requireKnownMemberId: true }));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^client-\d+$/);
    const joined = await h.coordinator.joinGroup(
      joinParams(G, { requireKnownMemberId: true, memberId: first.memberId }),
    );
    expect(joined).toMatchObject({
      errorCode: ErrorCode.NONE,
      generationId: 1,
      memberId: first.memberId,
      leader: first.memberId,
      protocolName: 'range',
    });
    expect(joined.members.map((m) => m.memberId)).toEqual([first.memberId]);
    expect(joined.members[0]!.metadata).toEqual(subscription(['orders']));
  });

  it('refuses session timeouts outside the configured range', async () => {
    const h = await harness();
    expect((await h.coordinator.joinGroup(joinParams(G, { sessionTimeoutMs: 5999 }))).errorCode).toBe(
      ErrorCode.INVALID_SESSION_TIMEOUT,
    );
    expect((await h.coordinator.joinGroup(joinParams(G, { sessionTimeoutMs: 300_001 }))).errorCode).toBe(
      ErrorCode.INVALID_SESSION_TIMEOUT,
    );
  });

  it('refuses an empty group id and an unknown member id', async () => {
    const h = await harness();
    expect((await h.coordinator.joinGroup(joinParams(''))).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await h.coordinator.joinGroup(joinParams(G, { memberId: 'ghost' }))).errorCode).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
  });

  it('refuses a member whose protocols no member supports (INCONSISTENT_GROUP_PROTOCOL)', async () => {
    const h = await harness();
    await stableGroup(h, 1);
    const kafkajs = await h.coordinator.joinGroup(
      joinParams(G, { protocols: [{ name: 'RoundRobinAssigner', metadata: subscription(['orders']) }] }),
    );
    expect(kafkajs.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const otherType = await h.coordinator.joinGroup(joinParams(G, { protocolType: 'connect' }));
    expect(otherType.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });

  it("selects a protocol every member supports, by the members' preference", async () => {
    const h = await harness({ initialRebalanceDelayMs: 3000 });
    const a = h.coordinator.joinGroup(
      joinParams(G, {
        protocols: [
          { name: 'cooperative-sticky', metadata: Buffer.from('a1') },
          { name: 'range', metadata: Buffer.from('a2') },
        ],
      }),
    );
    const b = h.coordinator.joinGroup(
      joinParams(G, {
        protocols: [
          { name: 'range', metadata: Buffer.from('b1') },
          { name: 'roundrobin', metadata: Buffer.from('b2') },
        ],
      }),
    );
    h.clock.advance(6000); // the second member extended the initial delay once
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.protocolName).toBe('range');
    expect(rb.protocolName).toBe('range');
    const leader = ra.members.length > 0 ? ra : rb;
    expect(new Map(leader.members.map((m) => [m.memberId, m.metadata.toString()]))).toEqual(
      new Map([
        [ra.memberId, 'a2'],
        [rb.memberId, 'b1'],
      ]),
    );
  });

  it('waits the initial rebalance delay so members starting together share one generation', async () => {
    const h = await harness({ initialRebalanceDelayMs: 3000 });
    const a = h.coordinator.joinGroup(joinParams(G));
    h.clock.advance(2000);
    const b = h.coordinator.joinGroup(joinParams(G));
    // b arrived during the delay, so at 3000 ms it is extended by another 3000 ms.
    h.clock.advance(3999);
    expect(h.coordinator.describeGroup(G).state).toBe(GroupState.PreparingRebalance);
    h.clock.advance(1);
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.generationId).toBe(1);
    expect(rb.generationId).toBe(1);
    expect(ra.leader).toBe(rb.leader);
  });
});

describe('syncing', () => {
  it('gives every member its assignment once the leader syncs, empty bytes for members without one', async () => {
    const h = await harness({ initialRebalanceDelayMs: 100 });
    const joins = [h.coordinator.joinGroup(joinParams(G)), h.coordinator.joinGroup(joinParams(G))];
    h.clock.advance(200);
    const [r1, r2] = await Promise.all(joins);
    const leader = r1!.leader === r1!.memberId ? r1! : r2!;
    const follower = leader === r1 ? r2! : r1!;
    const followerSync = h.coordinator.syncGroup({
      groupId: G,
      generationId: 1,
      memberId: follower.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    await settle();
    expect(h.coordinator.describeGroup(G).state).toBe(GroupState.CompletingRebalance);
    const leaderSync = h.coordinator.syncGroup({
      groupId: G,
      generationId: 1,
      memberId: leader.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [{ memberId: leader.memberId, assignment: Buffer.from('mine') }],
    });
    const [ls, fs] = await Promise.all([leaderSync, followerSync]);
    expect(ls).toMatchObject({ errorCode: ErrorCode.NONE, assignment: Buffer.from('mine') });
    expect(fs).toMatchObject({ errorCode: ErrorCode.NONE, assignment: Buffer.alloc(0) });
    expect(h.coordinator.describeGroup(G).state).toBe(GroupState.Stable);
    // The assignment was written before anyone was told.
    const stored = logOf(h, G)
      .decoded()
      .filter((r) => r.kind === 'group');
    expect(stored).toHaveLength(1);
    expect(stored[0]!.kind === 'group' && stored[0]!.value?.members.map((m) => m.assignment.toString()).sort()).toEqual(
      ['', 'mine'],
    );
  });

  it('refuses a sync for a stale generation, an unknown member and during a rebalance', async () => {
    const h = await harness();
    const { ids, generationId } = await stableGroup(h, 1);
    const sync = (memberId: string, gen: number) =>
      h.coordinator.syncGroup({
        groupId: G,
        generationId: gen,
        memberId,
        groupInstanceId: null,
        protocolType: null,
        protocolName: null,
        assignments: [],
      });
    expect((await sync(ids[0]!, generationId - 1)).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await sync('ghost', generationId)).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    void h.coordinator.joinGroup(joinParams(G));
    expect((await sync(ids[0]!, generationId)).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('fails the sync and rebalances when the assignment cannot be stored', async () => {
    const h = await harness();
    const joined = await h.coordinator.joinGroup(joinParams(G));
    logOf(h, G).failWith = new (await import('../../src/common/errors.js')).KafkaError(
      ErrorCode.REQUEST_TIMED_OUT,
      'slow',
    );
    const result = await h.coordinator.syncGroup({
      groupId: G,
      generationId: 1,
      memberId: joined.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    expect(result.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(h.coordinator.describeGroup(G).state).toBe(GroupState.PreparingRebalance);
  });
});

describe('heartbeats and sessions', () => {
  it('answers NONE when stable, REBALANCE_IN_PROGRESS during a rebalance, ILLEGAL_GENERATION and UNKNOWN_MEMBER_ID', async () => {
    const h = await harness();
    const { ids, generationId } = await stableGroup(h, 1);
    const beat = (memberId: string, gen = generationId) =>
      h.coordinator.heartbeat({ groupId: G, generationId: gen, memberId, groupInstanceId: null });
    expect(beat(ids[0]!)).toBe(ErrorCode.NONE);
    expect(beat(ids[0]!, generationId + 1)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(beat('ghost')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(
      h.coordinator.heartbeat({ groupId: 'no-such-group', generationId: 1, memberId: 'x', groupInstanceId: null }),
    ).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    void h.coordinator.joinGroup(joinParams(G));
    expect(beat(ids[0]!)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('removes a silent member after its session timeout and rebalances the rest', async () => {
    const h = await harness();
    const { ids, generationId } = await stableGroup(h, 2);
    const [alive, silent] = ids as [string, string];
    for (let t = 0; t < 9; t++) {
      h.clock.advance(1000);
      expect(h.coordinator.heartbeat({ groupId: G, generationId, memberId: alive, groupInstanceId: null })).toBe(
        ErrorCode.NONE,
      );
    }
    h.clock.advance(1000); // silent's 10 s session ends
    expect(h.coordinator.describeGroup(G).state).toBe(GroupState.PreparingRebalance);
    expect(h.coordinator.heartbeat({ groupId: G, generationId, memberId: alive, groupInstanceId: null })).toBe(
      ErrorCode.REBALANCE_IN_PROGRESS,
    );
    const rejoined = await h.coordinator.joinGroup(joinParams(G, { memberId: alive }));
    expect(rejoined).toMatchObject({ errorCode: ErrorCode.NONE, generationId: generationId + 1, leader: alive });
    expect(rejoined.members.map((m) => m.memberId)).toEqual([alive]);
    expect(h.coordinator.describeGroup(G).members.map((m) => m.memberId)).not.toContain(silent);
  });

  it('drops members that do not rejoin within the rebalance timeout', async () => {
    const h = await harness();
    const { ids } = await stableGroup(h, 2);
    const newcomer = h.coordinator.joinGroup(joinParams(G, { clientId: 'newcomer' }));
    // ids[0] rejoins; ids[1] keeps heartbeating but never rejoins.
    const rejoin = h.coordinator.joinGroup(joinParams(G, { memberId: ids[0]! }));
    for (let t = 0; t < 29; t++) {
      h.clock.advance(1000);
      h.coordinator.heartbeat({ groupId: G, generationId: 2, memberId: ids[1]!, groupInstanceId: null });
    }
    expect(h.coordinator.describeGroup(G).state).toBe(GroupState.PreparingRebalance);
    h.clock.advance(1000);
    const [n, r] = await Promise.all([newcomer, rejoin]);
    expect(n.generationId).toBe(r.generationId);
    expect(
      h.coordinator
        .describeGroup(G)
        .members.map((m) => m.memberId)
        .sort(),
    ).toEqual([n.memberId, r.memberId].sort());
  });

  it('drops members that join but never sync, after the rebalance timeout', async () => {
    const h = await harness({ initialRebalanceDelayMs: 10 });
    const joins = [h.coordinator.joinGroup(joinParams(G)), h.coordinator.joinGroup(joinParams(G))];
    h.clock.advance(20);
    const [a, b] = await Promise.all(joins);
    const leader = a!.leader;
    const other = leader === a!.memberId ? b! : a!;
    const sync = h.coordinator.syncGroup({
      groupId: G,
      generationId: 1,
      memberId: leader,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    await settle();
    expect((await sync).errorCode).toBe(ErrorCode.NONE);
    // The other member heartbeats (it is alive) but never syncs.
    for (let t = 0; t < 30; t++) {
      h.clock.advance(1000);
      h.coordinator.heartbeat({ groupId: G, generationId: 1, memberId: other.memberId, groupInstanceId: null });
      h.coordinator.heartbeat({ groupId: G, generationId: 1, memberId: leader, groupInstanceId: null });
    }
    expect(h.coordinator.describeGroup(G).state).toBe(GroupState.PreparingRebalance);
    expect(h.coordinator.describeGroup(G).members.map((m) => m.memberId)).toEqual([leader]);
  });
});

describe('leaving', () => {
  it('rebalances at once when a member leaves, and reports unknown members', async () => {
    const h = await harness();
    const { ids } = await stableGroup(h, 2);
    const left = h.coordinator.leaveGroup(G, [
      { memberId: ids[1]!, groupInstanceId: null },
      { memberId: 'ghost', groupInstanceId: null },
    ]);
    expect(left.errorCode).toBe(ErrorCode.NONE);
    expect(left.members.map((m) => m.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(h.coordinator.describeGroup(G).state).toBe(GroupState.PreparingRebalance);
    const rejoined = await h.coordinator.joinGroup(joinParams(G, { memberId: ids[0]! }));
    expect(rejoined.members.map((m) => m.memberId)).toEqual([ids[0]]);
  });

  it('empties the group, bumping and storing the generation, when the last member leaves', async () => {
    const h = await harness();
    const { ids, generationId } = await stableGroup(h, 1);
    h.coordinator.leaveGroup(G, [{ memberId: ids[0]!, groupInstanceId: null }]);
    h.clock.advance(0);
    await settle();
    expect(h.coordinator.describeGroup(G)).toMatchObject({
      state: GroupState.Empty,
      generationId: generationId + 1,
      members: [],
    });
    const last = logOf(h, G).decoded().at(-1)!;
    expect(last.kind === 'group' && last.value).toMatchObject({ generation: generationId + 1, members: [] });
  });
});

describe('the group after its last member', () => {
  it('is Empty as soon as the last member leaves, before any timer runs', async () => {
    const h = await harness();
    const { ids, generationId } = await stableGroup(h, 1);
    const left = h.coordinator.leaveGroup(G, [{ memberId: ids[0]!, groupInstanceId: null }]);
    expect(left.members.map((m) => m.errorCode)).toEqual([ErrorCode.NONE]);
    // No clock advance: DescribeGroups and ListGroups agree right after the LeaveGroup answer.
    expect(h.coordinator.describeGroup(G)).toMatchObject({ state: GroupState.Empty, members: [] });
    expect(h.coordinator.listGroups().groups).toContainEqual(
      expect.objectContaining({ groupId: G, state: GroupState.Empty }),
    );
    expect(h.coordinator.describeGroup(G).generationId).toBe(generationId + 1);
  });

  it('is Empty as soon as the last static member leaves by its instance id', async () => {
    const h = await harness();
    const joined = await h.coordinator.joinGroup(joinParams(G, { groupInstanceId: 'pod-a' }));
    expect(joined.errorCode).toBe(ErrorCode.NONE);
    const left = h.coordinator.leaveGroup(G, [{ memberId: '', groupInstanceId: 'pod-a' }]);
    expect(left.members.map((m) => m.errorCode)).toEqual([ErrorCode.NONE]);
    expect(h.coordinator.describeGroup(G).state).toBe(GroupState.Empty);
  });

  it("is Empty the moment the last member's session expires", async () => {
    const h = await harness();
    await stableGroup(h, 2);
    h.clock.advance(10_000); // both sessions (10 s) end together
    expect(h.coordinator.describeGroup(G)).toMatchObject({ state: GroupState.Empty, members: [] });
  });

  it('keeps rebalancing while a remaining member has not rejoined', async () => {
    const h = await harness();
    const { ids } = await stableGroup(h, 2);
    h.coordinator.leaveGroup(G, [{ memberId: ids[1]!, groupInstanceId: null }]);
    expect(h.coordinator.describeGroup(G).state).toBe(GroupState.PreparingRebalance);
  });
});

describe('static membership', () => {
  it('lets a restarted static member take its place without a rebalance, fencing the old id', async () => {
    const h = await harness();
    const a = await h.coordinator.joinGroup(joinParams(G, { groupInstanceId: 'pod-a', requireKnownMemberId: true }));
    expect(a.errorCode).toBe(ErrorCode.NONE); // static members never get MEMBER_ID_REQUIRED
    const b = h.coordinator.joinGroup(joinParams(G, { groupInstanceId: 'pod-b' }));
    const aAgain = await h.coordinator.joinGroup(joinParams(G, { groupInstanceId: 'pod-a', memberId: a.memberId }));
    const bJoined = await b;
    expect(aAgain.generationId).toBe(2);
    const leader = aAgain.leader;
    const assignments = [aAgain.memberId, bJoined.memberId].map((m) => ({ memberId: m, assignment: Buffer.from(m) }));
    const syncs = [aAgain, bJoined].map((r) =>
      h.coordinator.syncGroup({
        groupId: G,
        generationId: 2,
        memberId: r.memberId,
        groupInstanceId: r === aAgain ? 'pod-a' : 'pod-b',
        protocolType: null,
        protocolName: null,
        assignments: r.memberId === leader ? assignments : [],
      }),
    );
    await settle();
    await Promise.all(syncs);
    const follower =
      leader === aAgain.memberId
        ? { id: bJoined.memberId, instance: 'pod-b' }
        : { id: aAgain.memberId, instance: 'pod-a' };
    // The follower restarts: it comes back with its instance id but no member id.
    const back = await h.coordinator.joinGroup(joinParams(G, { groupInstanceId: follower.instance }));
    expect(back).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 2 });
    expect(back.memberId).not.toBe(follower.id);
    expect(h.coordinator.describeGroup(G).state).toBe(GroupState.Stable);
    expect(
      h.coordinator.heartbeat({
        groupId: G,
        generationId: 2,
        memberId: follower.id,
        groupInstanceId: follower.instance,
      }),
    ).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(
      h.coordinator.heartbeat({
        groupId: G,
        generationId: 2,
        memberId: back.memberId,
        groupInstanceId: follower.instance,
      }),
    ).toBe(ErrorCode.NONE);
    const sync = await h.coordinator.syncGroup({
      groupId: G,
      generationId: 2,
      memberId: back.memberId,
      groupInstanceId: follower.instance,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    expect(sync.assignment.toString()).toBe(follower.id);
  });
});
