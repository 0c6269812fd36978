// OffsetCommit (key 8), versions 0-8 (2-8 with legacy.api.versions.enable=false, as Kafka 4).
// v0 has no generation or member: a commit from outside any group, as generation -1 is; v1's
// per-partition commit timestamp is not kept (retention counts from the commit, as in v2+).
// Commits are written to __consumer_offsets and acknowledged once durable. A member of the
// current generation may commit (also while the group prepares a rebalance); during
// CompletingRebalance commits get REBALANCE_IN_PROGRESS (27). Generation -1 with an empty member
// id is a consumer outside any group (kcat, assign()) and is accepted while the group has no
// members. v2-4 carry retentionTimeMs; v6 adds the leader epoch, which is stored and returned by
// OffsetFetch with the metadata string; v7 adds group.instance.id.
import type { BrokerContext } from '../broker-context.js';
import { defineHandler } from '../handler.js';
import type { OffsetCommitRequest, OffsetCommitResponse } from '../protocol/messages/offset-commit.js';
import { byTopic } from './group-common.js';

export function offsetCommitHandler(ctx: BrokerContext) {
  return defineHandler<OffsetCommitRequest, OffsetCommitResponse>({
    apiKey: 8,
    name: 'OffsetCommit',
    minVersion: ctx.config.legacyApiVersions ? 0 : 2,
    maxVersion: 8,
    async handle(request, context) {
      const version = context.apiVersion;
      const results = await ctx.groups.commitOffsets({
        groupId: request.groupId,
        generationId: request.generationIdOrMemberEpoch,
        memberId: request.memberId,
        groupInstanceId: version >= 7 ? request.groupInstanceId : null,
        retentionTimeMs: version <= 4 ? request.retentionTimeMs : -1,
        offsets: request.topics.flatMap((t) =>
          t.partitions.map((p) => ({
            topic: t.name,
            partition: p.partitionIndex,
            offset: p.committedOffset,
            leaderEpoch: version >= 6 ? p.committedLeaderEpoch : -1,
            metadata: p.committedMetadata,
          })),
        ),
      });
      return {
        throttleTimeMs: 0,
        topics: byTopic(results, (r) => ({ partitionIndex: r.partition, errorCode: r.errorCode })),
      };
    },
  });
}
