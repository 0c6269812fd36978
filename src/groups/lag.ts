// Consumer lag per group and partition: committed offset, log end offset (the high watermark: the
// end a consumer can read to) and their difference. Served on the HTTP endpoint.
import type { GroupCoordinator } from './coordinator.js';

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly committedOffset: number;
  /** Null when this node does not lead the partition and cannot tell. */
  readonly logEndOffset: number | null;
  readonly lag: number | null;
}

export interface GroupLag {
  readonly groupId: string;
  readonly state: string;
  readonly protocolType: string;
  readonly generationId: number;
  readonly members: number;
  /** Sum over the partitions whose end is known. */
  readonly totalLag: number;
  readonly partitions: readonly PartitionLag[];
}

export function groupsLag(
  coordinator: GroupCoordinator,
  endOffsetOf: (topic: string, partition: number) => number | null,
  groupId: string | null = null,
): GroupLag[] {
  return coordinator
    .groupsWithOffsets()
    .filter((g) => groupId === null || g.groupId === groupId)
    .sort((a, b) => a.groupId.localeCompare(b.groupId))
    .map((g) => {
      const partitions = g.offsets
        .map((o) => {
          const logEndOffset = endOffsetOf(o.topic, o.partition);
          const lag = logEndOffset === null ? null : Math.max(0, logEndOffset - o.offset);
          return { topic: o.topic, partition: o.partition, committedOffset: o.offset, logEndOffset, lag };
        })
        .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
      return {
        groupId: g.groupId,
        state: g.state,
        protocolType: g.protocolType,
        generationId: g.generationId,
        members: g.members,
        totalLag: partitions.reduce((sum, p) => sum + (p.lag ?? 0), 0),
        partitions,
      };
    });
}
