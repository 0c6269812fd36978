// OffsetCommit (key 8), versions 0-8 (2-8 with legacy.api.versions.enable=false, as Kafka 4).
// v0 has no generation or member: a commit from outside any group, as generation -1 is; v1's
// per-partition commit timestamp is not kept (retention counts from the commit, as in v2+).
// Commits are written to __consumer_offsets and acknowledged once durable. A member of the
// current generation may commit (also while the group prepares a rebalance); during
// CompletingRebalance commits get REBALANCE_IN_PROGRESS (27). Generation -1 with an empty member
// id is a consumer outside any group (kcat, assign()) and is accepted while the group has no
// members. v2-4 carry retentionTimeMs; v6 adds the leader epoch, which is stored and returned by
// OffsetFetch with the metadata string; v7 adds group.instance.id.
// Authorization as Kafka's: READ on the group (else every partition gets GROUP_AUTHORIZATION_FAILED)
// and READ on each topic (else its partitions get TOPIC_AUTHORIZATION_FAILED, the others commit).
import { ErrorCode } from '../../common/index.js';
import type { PartitionResult } from '../../groups/index.js';
import { AclOperation, ResourceType } from '../../metadata/index.js';
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
      const access = ctx.authorizer.access(context);
      const offsets = request.topics.flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.name,
          partition: p.partitionIndex,
          offset: p.committedOffset,
          leaderEpoch: version >= 6 ? p.committedLeaderEpoch : -1,
          metadata: p.committedMetadata,
        })),
      );
      const refuse = (errorCode: number) => (o: { topic: string; partition: number }) => ({
        topic: o.topic,
        partition: o.partition,
        errorCode,
      });
      let results: PartitionResult[];
      if (!access.allows(AclOperation.READ, ResourceType.GROUP, request.groupId)) {
        results = offsets.map(refuse(ErrorCode.GROUP_AUTHORIZATION_FAILED));
      } else {
        const readable = (topic: string) => access.allows(AclOperation.READ, ResourceType.TOPIC, topic);
        const allowed = offsets.filter((o) => readable(o.topic));
        const committed =
          allowed.length === 0
            ? []
            : await ctx.groups.commitOffsets({
                groupId: request.groupId,
                generationId: request.generationIdOrMemberEpoch,
                memberId: request.memberId,
                groupInstanceId: version >= 7 ? request.groupInstanceId : null,
                retentionTimeMs: version <= 4 ? request.retentionTimeMs : -1,
                offsets: allowed,
              });
        // Results in request order: the committed ones in the order they were given.
        let next = 0;
        results = offsets.map((o) =>
          readable(o.topic) ? committed[next++]! : refuse(ErrorCode.TOPIC_AUTHORIZATION_FAILED)(o),
        );
      }
      return {
        throttleTimeMs: 0,
        topics: byTopic(results, (r) => ({ partitionIndex: r.partition, errorCode: r.errorCode })),
      };
    },
  });
}
