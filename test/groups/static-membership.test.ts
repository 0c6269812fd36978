// Static members (KIP-345) restarting on a fake clock: a member that rejoins with its
// group.instance.id and no member id takes its place under a new id, without a rebalance, whether
// it leads the group or not, as Kafka's updateStaticMemberAndRebalance does; what still rebalances
// (a change of the group's protocol, a swap during a rebalance), and a swap the log refuses.
import { describe, expect, it } from 'vitest';
import { ErrorCode, KafkaError } from '../../src/common/errors.js';
import { GroupState } from '../../src/groups/group.js';
import type { MemberProtocol } from '../../src/groups/member.js';
import type { GroupMetadataValue } from '../../src/groups/records.js';
import { harness, joinParams, logOf, settle, subscription, type Harness } from './helpers.js';

const G = 'static-group';
const BOTH: MemberProtocol[] = [
  { name: 'range', metadata: subscription(['orders']) },
  { name: 'roundrobin', metadata: subscription(['orders']) },
];

interface Incarnation {
  readonly instance: string;
  readonly memberId: string;
}

const sync = (h: Harness, who: Incarnation, generationId: number, assignments: Map<string, string> | null) =>
  h.coordinator.syncGroup({
    groupId: G,
    generationId,
    memberId: who.memberId,
    groupInstanceId: who.instance,
    protocolType: null,
    protocolName: null,
    assignments: [...(assignments ?? [])].map(([memberId, a]) => ({ memberId, assignment: Buffer.from(a) })),
  });

const heartbeat = (h: Harness, who: Incarnation, generationId: number) =>
  h.coordinator.heartbeat({ groupId: G, generationId, memberId: who.memberId, groupInstanceId: who.instance });

/** pod-a (the leader, first to join) and pod-b, Stable at generation 1, each assigned "for-<instance>". */
async function stableStaticGroup(h: Harness) {
  const joins = ['pod-a', 'pod-b'].map((instance) =>
    h.coordinator.joinGroup(joinParams(G, { groupInstanceId: instance, protocols: BOTH })),
  );
  h.clock.advance(1000); // the initial rebalance delay, extended once by the second joiner
  const [a, b] = await Promise.all(joins);
  expect(a!.generationId).toBe(1);
  expect(a!.leader).toBe(a!.memberId);
  const leader: Incarnation = { instance: 'pod-a', memberId: a!.memberId };
  const follower: Incarnation = { instance: 'pod-b', memberId: b!.memberId };
  const plan = new Map([
    [leader.memberId, 'for-pod-a'],
    [follower.memberId, 'for-pod-b'],
  ]);
  const syncs = [sync(h, leader, 1, plan), sync(h, follower, 1, null)];
  await settle();
  for (const s of await Promise.all(syncs)) expect(s.errorCode).toBe(ErrorCode.NONE);
  expect(h.coordinator.describeGroup(G).state).toBe(GroupState.Stable);
  return { leader, follower };
}

function lastGroupRecord(h: Harness): GroupMetadataValue {
  const last = logOf(h, G).decoded().at(-1);
  if (last?.kind !== 'group' || last.value === null) throw new Error(`not a group record: ${JSON.stringify(last)}`);
  return last.value;
}

/** The instance restarts: JoinGroup with its instance id and no member id. */
async function restart(h: Harness, instance: string, protocols: MemberProtocol[] = BOTH) {
  const joined = h.coordinator.joinGroup(joinParams(G, { groupInstanceId: instance, protocols }));
  await settle();
  return joined;
}

describe('a static member restarting in a Stable group', () => {
  for (const role of ['leader', 'follower'] as const) {
    it(`keeps the generation and its assignment when the ${role} restarts, and fences the old id`, async () => {
      const h = await harness({ initialRebalanceDelayMs: 100 });
      const group = await stableStaticGroup(h);
      const old = group[role];
      const other = role === 'leader' ? group.follower : group.leader;
      const back = await restart(h, old.instance);
      expect(back).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1, protocolName: 'range' });
      expect(back.memberId).not.toBe(old.memberId);
      // The leader id as it was before the swap and no member list: a restarted leader does not
      // read itself as the leader, so it does not assign again.
      expect(back.leader).toBe(group.leader.memberId);
      expect(back.members).toEqual([]);
      expect(h.coordinator.describeGroup(G).state).toBe(GroupState.Stable);
      expect(heartbeat(h, other, 1)).toBe(ErrorCode.NONE); // no rebalance for the others
      expect(heartbeat(h, old, 1)).toBe(ErrorCode.FENCED_INSTANCE_ID);
      const mine = await sync(h, { instance: old.instance, memberId: back.memberId }, 1, null);
      expect(mine).toMatchObject({ errorCode: ErrorCode.NONE, assignment: Buffer.from(`for-${old.instance}`) });
      // The new id is durable, with the assignment, so a coordinator restart keeps it.
      const stored = lastGroupRecord(h);
      expect(stored.members.map((m) => [m.memberId, m.assignment.toString()])).toEqual(
        expect.arrayContaining([
          [back.memberId, `for-${old.instance}`],
          [other.memberId, `for-${other.instance}`],
        ]),
      );
      expect(stored.generation).toBe(1);
    });
  }

  it('leads the next rebalance under its new id', async () => {
    const h = await harness({ initialRebalanceDelayMs: 100 });
    const { follower } = await stableStaticGroup(h);
    const back = await restart(h, 'pod-a');
    const newcomer = h.coordinator.joinGroup(joinParams(G, { protocols: BOTH }));
    const rejoins = [
      h.coordinator.joinGroup(joinParams(G, { groupInstanceId: 'pod-a', memberId: back.memberId, protocols: BOTH })),
      h.coordinator.joinGroup(
        joinParams(G, { groupInstanceId: 'pod-b', memberId: follower.memberId, protocols: BOTH }),
      ),
    ];
    const [a, b, c] = await Promise.all([...rejoins, newcomer]);
    expect([a.generationId, b!.generationId, c!.generationId]).toEqual([2, 2, 2]);
    expect(a.leader).toBe(back.memberId);
    expect(a.members.map((m) => m.memberId).sort()).toEqual([back.memberId, follower.memberId, c!.memberId].sort());
  });

  it('keeps its place when only its subscription bytes changed (the chosen protocol stays)', async () => {
    const h = await harness({ initialRebalanceDelayMs: 100 });
    const { follower } = await stableStaticGroup(h);
    const changed = BOTH.map((p) => ({ ...p, metadata: subscription(['orders', 'refunds']) }));
    const back = await restart(h, 'pod-b', changed);
    expect(back).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1 });
    expect(h.coordinator.describeGroup(G).state).toBe(GroupState.Stable);
    expect(back.memberId).not.toBe(follower.memberId);
    // Kept with the new bytes, for the leader to see at the next rebalance.
    const member = lastGroupRecord(h).members.find((m) => m.memberId === back.memberId);
    expect(member?.subscription).toEqual(subscription(['orders', 'refunds']));
  });

  it("rebalances when the rejoin changes the group's protocol", async () => {
    const h = await harness({ initialRebalanceDelayMs: 100 });
    const { leader } = await stableStaticGroup(h);
    const back = h.coordinator.joinGroup(joinParams(G, { groupInstanceId: 'pod-b', protocols: [BOTH[1]!] }));
    await settle();
    expect(h.coordinator.describeGroup(G).state).toBe(GroupState.PreparingRebalance);
    expect(heartbeat(h, leader, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const [b, a] = await Promise.all([
      back,
      h.coordinator.joinGroup(joinParams(G, { groupInstanceId: 'pod-a', memberId: leader.memberId, protocols: BOTH })),
    ]);
    expect([a.generationId, b.generationId]).toEqual([2, 2]);
    expect(a.protocolName).toBe('roundrobin');
  });

  it('goes back to the old id and answers the error when the new id cannot be stored', async () => {
    const h = await harness({ initialRebalanceDelayMs: 100 });
    const { leader, follower } = await stableStaticGroup(h);
    logOf(h, G).failWith = new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'moved');
    const back = await restart(h, 'pod-b');
    expect(back.errorCode).not.toBe(ErrorCode.NONE);
    expect(back.memberId).toBe('');
    expect(heartbeat(h, follower, 1)).toBe(ErrorCode.NONE);
    expect(heartbeat(h, leader, 1)).toBe(ErrorCode.NONE);
    expect(h.coordinator.describeGroup(G).state).toBe(GroupState.Stable);
    expect(
      h.coordinator
        .describeGroup(G)
        .members.map((m) => m.memberId)
        .sort(),
    ).toEqual([leader.memberId, follower.memberId].sort());
  });

  it('is answered by a rebalance that starts while its new id is being stored', async () => {
    const h = await harness({ initialRebalanceDelayMs: 100 });
    const { leader } = await stableStaticGroup(h);
    const back = h.coordinator.joinGroup(joinParams(G, { groupInstanceId: 'pod-b', protocols: BOTH }));
    // Before the write settles, the leader rejoins (a metadata change): a rebalance that counts the
    // restarted member as joined.
    const rejoin = h.coordinator.joinGroup(
      joinParams(G, { groupInstanceId: 'pod-a', memberId: leader.memberId, protocols: BOTH }),
    );
    await settle();
    const [b, a] = await Promise.all([back, rejoin]);
    expect([a.errorCode, b.errorCode]).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    expect([a.generationId, b.generationId]).toEqual([2, 2]);
    expect(a.members.map((m) => m.memberId)).toContain(b.memberId);
  });
});

describe('a static member restarting during a rebalance', () => {
  it('joins the rebalance under its new id', async () => {
    const h = await harness({ initialRebalanceDelayMs: 100 });
    const { leader } = await stableStaticGroup(h);
    const rejoin = h.coordinator.joinGroup(
      joinParams(G, { groupInstanceId: 'pod-a', memberId: leader.memberId, protocols: BOTH }),
    );
    expect(h.coordinator.describeGroup(G).state).toBe(GroupState.PreparingRebalance);
    const back = h.coordinator.joinGroup(joinParams(G, { groupInstanceId: 'pod-b', protocols: BOTH }));
    const [a, b] = await Promise.all([rejoin, back]);
    expect([a.generationId, b.generationId]).toEqual([2, 2]);
    expect(a.members.map((m) => m.memberId).sort()).toEqual([leader.memberId, b.memberId].sort());
  });
});
