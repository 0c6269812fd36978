// Kafka's RangeAssignor, which the group's leader runs: per topic, the partitions in order are cut
// into ranges, one per member subscribed to it (members in order of id), the first
// `partitions % members` members taking one more. Pure: the leader's member list and partition
// counts in, each member's assignment out.
export interface Subscriber {
  readonly memberId: string;
  readonly topics: readonly string[];
}

export type Assignment = ReadonlyMap<string, ReadonlyMap<string, readonly number[]>>;

export function rangeAssign(members: readonly Subscriber[], partitionCounts: ReadonlyMap<string, number>): Assignment {
  const out = new Map<string, Map<string, number[]>>(members.map((m) => [m.memberId, new Map()]));
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
  for (const topic of topics) {
    const count = partitionCounts.get(topic) ?? 0;
    const subscribers = members
      .filter((m) => m.topics.includes(topic))
      .map((m) => m.memberId)
      .sort();
    const each = Math.floor(count / subscribers.length);
    const extra = count % subscribers.length;
    let next = 0;
    subscribers.forEach((memberId, i) => {
      const take = each + (i < extra ? 1 : 0);
      if (take === 0) return;
      out.get(memberId)!.set(
        topic,
        Array.from({ length: take }, (_, k) => next + k),
      );
      next += take;
    });
  }
  return out;
}
